// The actions of a saved repository's details: open with a passphrase, connect, disconnect, forget, check again, repair Corso's settings.

package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// askPassphrase asks for the passphrase (and a typed S3 secret when the
// keychain has none) and then opens or connects.
func (a *App) askPassphrase(e library.Entry, connect bool) {
	go a.eng.Prepare(a.upcoming(e))

	pass := a.newEntry("", true)
	pass.Validator = func(s string) error {
		if s == "" {
			return errors.New("Enter the passphrase.")
		}

		return nil
	}

	remember := widget.NewCheck("Remember in the keychain", nil)
	remember.SetChecked(e.RememberPassphrase)

	items := []*widget.FormItem{widget.NewFormItem("Passphrase", pass)}

	secret, token := a.newEntry("", true), a.newEntry("optional", true)
	if c, ok := e.Credentials(); ok && c.Source == repo.CredentialsKeys {
		secret.Validator = func(s string) error {
			if s == "" {
				return errors.New("Enter the secret access key for " + c.AccessKeyID + ".")
			}

			return nil
		}
		items = append(items, widget.NewFormItem("Secret access key", secret), widget.NewFormItem("Session token", token))
	}

	items = append(items, widget.NewFormItem("", remember))

	var d *dialog.FormDialog

	submit := func(ok bool) {
		if !ok {
			return
		}

		e.RememberPassphrase = remember.Checked

		secrets := repo.Secrets{Passphrase: pass.Text, S3: repo.S3Secrets{SecretAccessKey: secret.Text, SessionToken: token.Text}}
		if connect {
			a.connectWith(e, secrets)
		} else {
			a.open(e, &secrets)
		}
	}

	d = dialog.NewForm("Passphrase for "+e.Name, "OK", "Cancel", items, submit, a.win)

	for _, f := range []*keyEntry{pass, secret, token} {
		f.OnSubmitted = func(string) { d.Submit() }
	}
	d.Resize(fyne.NewSize(440, d.MinSize().Height))
	a.showDialog(d)
	a.win.Canvas().Focus(pass)
}

// connectSaved connects a saved, disconnected repository with its stored
// secrets, asking when there are none.
func (a *App) connectSaved(e library.Entry) {
	var secrets repo.Secrets

	a.run("Connecting to "+e.Name, "Reading the keychain…", func(ctx context.Context) error {
		var err error
		secrets, err = a.lib.Secrets(ctx, e)

		return err
	}, func(err error) {
		switch {
		case errors.Is(err, library.ErrNeedPassphrase):
			a.askPassphrase(e, true)
		case err != nil:
			a.showError("Connecting to "+e.Name, err)
		default:
			a.connectWith(e, secrets)
		}
	})
}

func (a *App) connectWith(e library.Entry, secrets repo.Secrets) {
	var info *repo.Info

	a.run("Connecting to "+e.Name, string(repo.StepChecking), func(ctx context.Context) error {
		var err error

		info, err = a.eng.Connect(ctx, e.Settings(), secrets, a.lib.Local(e.ID))
		if err != nil {
			return err
		}

		a.lib.StoreSecrets(ctx, e, secrets) //nolint:errcheck // the session copy is enough to go on

		e.State, e.UniqueID, e.StateDetail, e.LastOpened = library.StateConnected, info.UniqueID, "", time.Now().UTC()

		return a.lib.Save(ctx, e)
	}, func(err error) {
		if err != nil {
			if repo.CodeOf(err) == repo.CodeWrongPassphrase {
				a.lib.ForgetSessionSecrets(context.Background(), e.ID)
			}

			a.showError("Connecting to "+e.Name, err)

			return
		}

		a.setInfo(e.ID, info)
		a.reload()
		a.showMain()
		a.locate(e)
	})
}

// disconnect removes kopia's connection state and cache (a cache can be
// hundreds of MiB, so off the UI goroutine) and keeps the saved entry.
func (a *App) disconnect(e library.Entry) {
	if a.careBusy(e) {
		return
	}

	a.run("Disconnecting "+e.Name, "Removing the connection and its cache…", func(ctx context.Context) error {
		if err := a.eng.Disconnect(ctx, a.lib.Local(e.ID)); err != nil {
			return err
		}

		e.State = library.StateDisconnected

		return a.lib.Save(ctx, e)
	}, func(err error) {
		a.setInfo(e.ID, nil)
		a.reload()
		a.showMain()
		a.showError("Disconnecting", err)
	})
}

// confirmForget says what Forget deletes, the stored passphrase above all
// (where it is, looked up off the UI goroutine), offers to show or copy
// it first, and forgets on confirmation.
func (a *App) confirmForget(e library.Entry) {
	if a.careBusy(e) {
		return
	}

	go func() {
		loc := a.lib.Locate(context.Background(), e)
		a.post(func() { a.showForget(e, loc) })
	}()
}

func (a *App) showForget(e library.Entry, loc library.Located) {
	lines := []string{"Corso Desktop removes " + e.Name + " from the list and deletes its connection on this computer. " +
		"The repository and its backups at " + e.Settings().Describe() + " are not touched."}

	body := container.NewVBox()

	if loc.Passphrase != library.Nowhere {
		kept := "in " + a.lib.KeychainName()
		if loc.Passphrase == library.InSession {
			kept = "in this session's memory"
		}

		warn := wrapped("Its passphrase, kept " + kept + ", is deleted too. Without the passphrase nobody can open these backups again: " +
			"make sure you have it somewhere else (a password manager, a safe) before you forget the repository here.")
		warn.Importance = widget.WarningImportance

		shown := widget.NewLabel("")
		shown.TextStyle = fyne.TextStyle{Monospace: true}
		shown.Selectable = true
		shown.Hide()

		var copyBtn *widget.Button

		reveal := func(show bool) func() {
			return func() {
				go func() {
					sec, err := a.lib.Secrets(context.Background(), e)
					a.post(func() {
						switch {
						case err != nil:
							a.showError("The passphrase", err)
						case show:
							shown.SetText(sec.Passphrase)
							shown.Show()
						default:
							a.fa.Clipboard().SetContent(sec.Passphrase)
							copyBtn.SetText("Copied: clear the clipboard once it is stored elsewhere")
						}
					})
				}()
			}
		}

		body.Add(warn)
		copyBtn = widget.NewButtonWithIcon("Copy passphrase", theme.ContentCopyIcon(), reveal(false))
		body.Add(container.NewHBox(widget.NewButtonWithIcon("Show passphrase", theme.VisibilityIcon(), reveal(true)), copyBtn))
		body.Add(shown)
	}

	if c, ok := e.Credentials(); ok && c.Source == repo.CredentialsKeys {
		lines = append(lines, a.whereText("The secret access key", loc.SecretKey)+" is deleted as well.")
	}

	body.Objects = append([]fyne.CanvasObject{wrapped(strings.Join(lines, " "))}, body.Objects...)

	var d *dialog.CustomDialog

	forget := widget.NewButtonWithIcon("Forget", theme.DeleteIcon(), func() {
		d.Hide()
		a.run("Forgetting "+e.Name, "Removing the keychain entries…", func(ctx context.Context) error {
			return a.lib.Forget(ctx, a.eng, e.ID)
		}, func(err error) {
			a.setInfo(e.ID, nil)
			a.reload()
			a.showMain()
			a.showError("Forget", err)
		})
	})
	forget.Importance = widget.DangerImportance

	d = dialog.NewCustomWithoutButtons("Forget "+e.Name+"?", body, a.win)
	d.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", func() { d.Hide() }), forget})
	d.Resize(fyne.NewSize(560, body.MinSize().Height+120))
	a.forgetForm = d
	a.showDialog(d)
}

func (a *App) checkAgain(e library.Entry) {
	var (
		rep     *repo.Report
		summary string
	)

	a.run("Checking "+e.Name, checkingText(e.Settings()), func(ctx context.Context) error {
		secrets, err := a.lib.Secrets(ctx, e)
		if err != nil && !errors.Is(err, library.ErrNeedPassphrase) {
			return err
		}

		if rep, err = a.eng.Check(ctx, e.Settings(), secrets.S3, repo.CheckRead); err != nil {
			return err
		}

		e.State, e.StateDetail = library.StateConnected, ""
		if !a.lib.Connected(e.ID) {
			e.State = library.StateDisconnected
		}

		summary = "Everything needed to use this repository works."

		if rep.Err != nil {
			e.State, e.StateDetail, summary = library.StateProblem, rep.Err.Error(), rep.Err.Error()
		} else if rep.State != repo.StateRepository {
			e.State = library.StateProblem
			e.StateDetail = "No repository found at " + e.Settings().Describe()
			summary = e.StateDetail + ". It may have been moved or deleted."
		}

		return a.lib.Save(ctx, e)
	}, func(err error) {
		if rep == nil {
			a.showError("Check", err)
			return
		}

		a.reload()
		a.showDetails()
		a.refreshList()
		a.showError("Saving the repository", err)

		content := container.NewVBox(wrapped(summary), widget.NewSeparator(), reportLines(rep))
		if rep.PolicyJSON != "" {
			content.Add(a.policyBox(rep.PolicyJSON))
		}

		d := dialog.NewCustom("Check: "+e.Name, "Close", content, a.win)
		d.Resize(fyne.NewSize(620, content.MinSize().Height+120))
		a.showDialog(d)
	})
}

func (a *App) applyCorsoSettings(e library.Entry) {
	if a.careBusy(e) {
		return
	}

	var info *repo.Info

	a.run("Applying Corso's settings", string(repo.StepSettings), func(ctx context.Context) error {
		secrets, err := a.lib.Secrets(ctx, e)
		if err != nil {
			return err
		}

		info, err = a.eng.ApplyCorsoSettings(ctx, a.lib.Local(e.ID), secrets)

		return err
	}, func(err error) {
		if err != nil {
			a.showError("Corso's settings", err)
			return
		}

		a.setInfo(e.ID, info)
		a.showDetails()
	})
}

// upcoming is where an operation on e will go, for the engine to prepare.
func (a *App) upcoming(e library.Entry) repo.Upcoming {
	return repo.Upcoming{Settings: e.Settings(), Local: a.lib.Local(e.ID)}
}
