// The add flow, step 3: checking the location and what it holds.

package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
)

// Step 3: prove the location and say what is there.
func (f *addFlow) check() {
	if !f.revalidate() {
		f.showAllErrors = true
		f.revalidate()

		return
	}

	s, err := f.current().Normalized()
	if err != nil {
		return
	}

	f.settings = s
	secrets := f.s3Secrets()

	var rep *repo.Report

	f.a.run("Checking "+s.Describe(), checkingText(s), func(ctx context.Context) error {
		var err error
		rep, err = f.a.eng.Check(ctx, s, secrets, repo.CheckWrite)

		return err
	}, func(err error) {
		if err != nil {
			f.a.showError("Check", err)
			return
		}

		f.report = rep
		f.showReport()
	})
}

func checkingText(s repo.Settings) string {
	if s.Kind() == repo.KindFilesystem {
		return "Checking the folder…"
	}

	return "Checking credentials, endpoint and bucket…"
}

func statusIcon(st repo.Status) fyne.Resource {
	switch st {
	case repo.StatusOK:
		return theme.ConfirmIcon()
	case repo.StatusWarning:
		return theme.WarningIcon()
	case repo.StatusFailed:
		return theme.ErrorIcon()
	}

	return theme.MoreHorizontalIcon()
}

// reportLines is one row per check: icon, name, what was found.
func reportLines(rep *repo.Report) fyne.CanvasObject {
	rows := container.NewVBox()

	for _, l := range rep.Lines {
		name := widget.NewLabelWithStyle(l.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		msg := wrapped(l.Message)
		rows.Add(container.NewBorder(nil, nil, container.NewHBox(widget.NewIcon(statusIcon(l.Status)), container.NewGridWrap(fyne.NewSize(150, name.MinSize().Height), name)), nil, msg))
	}

	return rows
}

// policyBox shows the minimal IAM policy, ready to copy.
func (a *App) policyBox(policy string) fyne.CanvasObject {
	text := widget.NewMultiLineEntry()
	text.SetText(policy)
	text.TextStyle = fyne.TextStyle{Monospace: true}
	text.SetMinRowsVisible(8)
	text.OnChanged = func(string) { text.SetText(policy) } // read-only but selectable

	copyBtn := widget.NewButtonWithIcon("Copy policy", theme.ContentCopyIcon(), func() {
		a.fa.Clipboard().SetContent(policy)
	})

	return container.NewVBox(
		wrapped("Grant these permissions to the user or role whose keys you use (this is the smallest policy that works):"),
		text, container.NewHBox(copyBtn))
}

func (f *addFlow) showReport() {
	f.back, f.step = f.showForm, 3
	rep := f.report
	body := container.NewVBox(reportLines(rep))

	again := widget.NewButtonWithIcon("Check again", theme.ViewRefreshIcon(), f.check)
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), f.showForm)
	buttons := []fyne.CanvasObject{back, again}

	var summary string

	switch {
	case rep.Err != nil:
		summary = rep.Err.Error()

		if rep.PolicyJSON != "" {
			body.Add(f.a.policyBox(rep.PolicyJSON))
		}
	case rep.State == repo.StateEmpty:
		summary = "The location is empty and ready: create a new repository here."
		f.primary = widget.NewButtonWithIcon("Create repository…", theme.ContentAddIcon(), func() { f.showPassphrase(modeCreate) })
	case rep.State == repo.StateRepository:
		summary = "A repository is already here: connect to it with its passphrase."
		f.primary = widget.NewButtonWithIcon("Connect…", theme.LoginIcon(), func() { f.showPassphrase(modeConnect) })
	case rep.State == repo.StateHalfMade:
		summary = "A repository was being created here and the creation was interrupted. Finish it, or clear what was left to start again."
		clear := widget.NewButtonWithIcon("Clear it…", theme.DeleteIcon(), f.clearHalfMade)
		clear.Importance = widget.DangerImportance
		buttons = append(buttons, clear)
		f.primary = widget.NewButtonWithIcon("Finish creating…", theme.ConfirmIcon(), func() { f.showPassphrase(modeFinish) })
	default:
		summary = "Something else is stored here, so a repository cannot be created. Choose an empty location."
	}

	if rep.Err == nil && rep.State != repo.StateNotEmpty && f.primary != nil {
		f.primary.Importance = widget.HighImportance
		buttons = append(buttons, f.primary)
	} else {
		f.primary = nil
	}

	head := wrapped(summary)
	if rep.Err != nil || rep.State == repo.StateNotEmpty {
		head.Importance = widget.DangerImportance
	}

	top := []fyne.CanvasObject{head}

	// Said at once, not after the passphrase: this location is saved.
	if existing, ok := f.a.entryAt(f.settings); ok {
		f.alreadySaved = wrapped("This location is already in the list as \"" + existing.Name + "\": connecting here connects that entry again rather than adding another.")
		show := widget.NewButtonWithIcon("Show "+existing.Name, theme.ListIcon(), func() {
			f.a.selected = existing.ID
			f.a.showMain()
		})
		top = append(top, f.alreadySaved, container.NewHBox(show))
	}

	body.Objects = append(append(top, widget.NewSeparator()), body.Objects...)

	if f.imported != nil && len(f.imported.SecretKeys) > 0 {
		body.Add(f.importedSecretsNote())
	}

	f.a.setView(f.frame(3, "check", f.settings.Describe(), body, buttons...))
}

func (f *addFlow) importedSecretsNote() fyne.CanvasObject {
	l := wrapped(fmt.Sprintf("%s still holds secrets in plain text (%s). Corso Desktop copies them where you choose at the last step "+
		"(the keychain, or memory until it quits) and never changes that file: remove them from it yourself and give the CLI "+
		"the passphrase through CORSO_PASSPHRASE.",
		f.imported.Path, strings.Join(f.imported.SecretKeys, ", ")))
	l.Importance = widget.WarningImportance

	return l
}

func (f *addFlow) clearHalfMade() {
	d := dialog.NewConfirm("Clear the interrupted repository?",
		"This removes the repository files the interrupted creation wrote at "+f.settings.Describe()+". Nothing else is touched.",
		func(ok bool) {
			if !ok {
				return
			}

			s, secrets := f.settings, f.s3Secrets()
			f.a.run("Clearing", string(repo.StepClearing), func(ctx context.Context) error {
				return f.a.eng.Clear(ctx, s, secrets)
			}, func(err error) {
				if err != nil {
					f.a.showError("Clear", err)
					return
				}

				f.check()
			})
		}, f.a.win)
	f.a.showDialog(d)
}
