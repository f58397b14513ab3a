package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

func (a *App) selectEntry(id string) {
	a.selected = id
	a.showDetails()

	e, ok := a.entry(id)
	if !ok {
		return
	}

	a.refreshCLIFile(e)

	if a.infos[id] == nil && !a.opening[id] && a.lib.Connected(id) {
		a.open(e, nil)
	} else {
		a.locate(e)
	}
}

// locate finds where e's secrets are now (the keychain may prompt, so off
// the UI goroutine), for the details to say.
func (a *App) locate(e library.Entry) {
	go func() {
		loc := a.lib.Locate(context.Background(), e)

		a.post(func() {
			a.located[e.ID] = loc

			if a.selected == e.ID && a.flow == nil {
				a.showDetails()
			}
		})
	}()
}

// whereText says where one secret is, from where it was found.
func (a *App) whereText(what string, w library.Where) string {
	switch w {
	case library.InSystemKeychain:
		return what + " in " + a.lib.KeychainName()
	case library.InSession:
		return what + " kept in memory until Corso Desktop quits"
	}

	return what + " not stored: asked for when the repository is opened"
}

// secretsText is the details' sentence on where e's secrets are.
func (a *App) secretsText(e library.Entry) string {
	loc, ok := a.located[e.ID]
	if !ok {
		return "Looking…"
	}

	text := a.whereText("Passphrase", loc.Passphrase)
	if c, ok := e.Credentials(); ok && c.Source == repo.CredentialsKeys {
		text += "; " + a.whereText("secret access key", loc.SecretKey)
	}

	if loc.KeychainErr != nil {
		text += ". The keychain could not be asked: " + loc.KeychainErr.Error()
	}

	return text + "."
}

// open reads a connected repository's details: secrets from memory or the
// keychain (which may prompt, so off the UI goroutine), then kopia.
// With typed nil, stored secrets are used and a missing passphrase only
// leaves an "Open…" button; with secrets, those are used.
func (a *App) open(e library.Entry, typed *repo.Secrets) {
	if e.PassphraseChange != nil {
		// Which passphrase opens it is the change's to settle first.
		a.finishPassphraseChange(e, typed)
		return
	}

	a.opening[e.ID] = true
	a.refreshList()

	var info *repo.Info

	go func() {
		ctx := context.Background()

		err := func() error {
			secrets, err := a.secretsFor(ctx, e, typed)
			if err != nil {
				return err
			}

			info, err = a.eng.Reopen(ctx, a.lib.Local(e.ID), secrets)

			return err
		}()

		// What the app last learned is kept with the entry, so the list
		// and the details can say why a repository has a problem.
		switch c := repo.CodeOf(err); {
		case err == nil:
			e.State, e.StateDetail, e.LastOpened = library.StateConnected, "", time.Now().UTC()
			a.lib.Save(ctx, e) //nolint:errcheck // only a remembered state
		case err != nil && c != repo.CodeWrongPassphrase && c != repo.CodeCanceled && !errors.Is(err, library.ErrNeedPassphrase):
			e.State, e.StateDetail = library.StateProblem, err.Error()
			a.lib.Save(ctx, e) //nolint:errcheck // only a remembered state
		}

		loc := a.lib.Locate(context.Background(), e)

		a.post(func() {
			delete(a.opening, e.ID)
			a.located[e.ID] = loc
			a.reload()

			a.refused[e.ID] = repo.CodeOf(err) == repo.CodeWrongPassphrase

			switch {
			case err == nil:
				a.setInfo(e.ID, info)
			case errors.Is(err, library.ErrNeedPassphrase) && typed == nil:
				// The details pane offers "Open…".
			case repo.CodeOf(err) == repo.CodeWrongPassphrase && typed == nil:
				// Nothing was typed: the stored passphrase is what failed.
				a.showError("Opening "+e.Name, repo.NewError(repo.CodeWrongPassphrase, nil, "%s", storedRefusedText(a.whereText("The passphrase", loc.Passphrase))))
			default:
				a.showError("Opening "+e.Name, err)
			}

			a.refreshList()

			if a.selected == e.ID && a.flow == nil {
				a.showDetails()
			}
		})
	}()
}

func (a *App) secretsFor(ctx context.Context, e library.Entry, typed *repo.Secrets) (repo.Secrets, error) {
	if typed == nil {
		return a.lib.Secrets(ctx, e)
	}

	// The dialog may have changed "Remember"; keep that choice.
	if err := a.lib.Save(ctx, e); err != nil {
		return repo.Secrets{}, err
	}

	// A keychain that cannot take them still leaves the session copy,
	// which is all opening needs.
	a.lib.StoreSecrets(ctx, e, *typed) //nolint:errcheck

	return *typed, nil
}

func (a *App) refreshList() {
	if a.list != nil {
		a.list.Refresh()
	}
}

func field(label, value string) []fyne.CanvasObject {
	l := fieldLabel(label)
	v := widget.NewLabel(value)
	v.Wrapping = fyne.TextWrapWord
	v.Selectable = true

	return []fyne.CanvasObject{l, v}
}

func (a *App) showDetails() {
	if a.details == nil {
		return
	}

	e, ok := a.entry(a.selected)
	if !ok {
		a.details.Objects = nil
		a.details.Refresh()

		return
	}

	info := a.infos[e.ID]
	connected := a.lib.Connected(e.ID)

	title := widget.NewLabelWithStyle(e.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	head := container.NewBorder(nil, nil, widget.NewIcon(kindIcon(e.Kind)), nil, title)

	rows := []fyne.CanvasObject{}
	rows = append(rows, field("Storage", kindName(e.Kind))...)
	rows = append(rows, field("Location", e.Settings().Describe())...)
	state := a.stateText(e)
	if e.State == library.StateProblem && e.StateDetail != "" && !a.opening[e.ID] {
		// The cause, not just the word.
		state = "Problem: " + e.StateDetail
	}

	rows = append(rows, field("State", state)...)

	// What it holds, near the top: read in the background once it is open.
	if info != nil {
		if a.contents[e.ID] == nil {
			a.loadContents(e)
		}

		rows = append(rows, a.contentsRows(e)...)
	}

	if c, ok := e.Credentials(); ok {
		rows = append(rows, field("S3 keys", credentialsText(c, info))...)
	}

	rows = append(rows, field("Secrets", a.secretsText(e))...)

	if fs, ok := a.cliFiles[e.ID]; ok {
		rows = append(rows, field("Corso CLI", fileStateText(e, fs, a.opts.CorsoConfigPath))...)
	}

	if info != nil {
		rows = append(rows, field("Unique ID", info.UniqueID)...)
		rows = append(rows, field("Format", fmt.Sprintf("kopia format v%d, %d MiB packs, %s", info.FormatVersion, info.MaxPackSize>>20, orNone(info.ECC, "no error correction")))...)
		rows = append(rows, field("Encryption", info.Encryption+" (keys: "+info.KeyDerivation+")")...)
		rows = append(rows, field("Hash", info.Hash+", splitter "+info.Splitter)...)

		if !info.Created.IsZero() {
			rows = append(rows, field("Created", info.Created.Local().Format("2 January 2006, 15:04"))...)
		}

		corso := "In place: compression, retention and scheduling are what Corso expects."
		if !info.CorsoSettings {
			corso = "Different from Corso's: " + strings.Join(info.Differences, "; ")
		}

		rows = append(rows, field("Corso settings", corso)...)

		if e.Kind != repo.KindFilesystem {
			rows = append(rows, field("Object lock", a.objectLockText(e, info.Retention))...)
		}

	} else if e.UniqueID != "" {
		rows = append(rows, field("Unique ID", e.UniqueID)...)
	}

	grid := container.New(layout.NewFormLayout(), rows...)
	body := container.NewVBox(head, widget.NewSeparator(), grid)

	if a.opening[e.ID] {
		body.Add(container.NewHBox(widget.NewActivity(), widget.NewLabel("Opening the repository…")))
	} else if connected && info == nil {
		body.Add(wrapped(a.notOpenText(e)))
	}

	if p := e.PassphraseChange; p != nil && !a.opening[e.ID] {
		body.Add(wrapped(fmt.Sprintf("A passphrase change started %s has not finished: the repository opens with the old or the new passphrase until it does.",
			p.Started.Local().Format("2 January 15:04"))))
		body.Add(container.NewHBox(widget.NewButtonWithIcon("Finish the passphrase change…", theme.ConfirmIcon(), func() { a.finishPassphraseChange(e, nil) })))
	}

	if info != nil && !info.CorsoSettings {
		fix := widget.NewButtonWithIcon("Apply Corso's settings", theme.SettingsIcon(), func() { a.applyCorsoSettings(e) })
		body.Add(container.NewHBox(fix))
	}

	actions := container.NewVBox(widget.NewSeparator(), a.actions(e, connected, info))
	a.detailsScroll = container.NewVScroll(body)
	a.details.Objects = []fyne.CanvasObject{container.NewBorder(nil, actions, nil, nil, a.detailsScroll)}
	a.details.Refresh()
}

// storedRefusedText says that the stored passphrase (where says where it
// is) no longer opens a repository: nothing was typed.
func storedRefusedText(where string) string {
	return where + " no longer opens this repository: it was probably changed elsewhere (in another Corso Desktop, or with corso repo update-passphrase). Choose Open… and type the current one."
}

// notOpenText says why a connected repository's details are not shown.
func (a *App) notOpenText(e library.Entry) string {
	loc, ok := a.located[e.ID]

	switch {
	case a.refused[e.ID] && ok:
		return storedRefusedText(a.whereText("The passphrase", loc.Passphrase))
	case ok && loc.Passphrase == library.Nowhere:
		return "Its passphrase is not stored: choose Open… and type it to see the repository's details."
	}

	return "Not opened yet."
}

func orNone(s, none string) string {
	if s == "" || s == "none" {
		return none
	}

	return s
}

func credentialsText(c repo.Credentials, info *repo.Info) string {
	if info != nil && info.CredentialsFrom != "" {
		return info.CredentialsFrom
	}

	switch c.Source {
	case repo.CredentialsProfile:
		return "AWS profile " + c.Profile
	case repo.CredentialsKeys:
		return "access key " + c.AccessKeyID
	}

	return "from the environment"
}

func (a *App) actions(e library.Entry, connected bool, info *repo.Info) fyne.CanvasObject {
	check := widget.NewButtonWithIcon("Check again", theme.ViewRefreshIcon(), func() { a.checkAgain(e) })
	export := widget.NewButtonWithIcon("Export .corso.toml", theme.DocumentSaveIcon(), func() { a.showExport(e) })
	cli := widget.NewButtonWithIcon("Copy CLI command", theme.ContentCopyIcon(), func() { a.showCLICommand(e) })
	forget := widget.NewButtonWithIcon("Forget…", theme.DeleteIcon(), func() { a.confirmForget(e) })
	forget.Importance = widget.DangerImportance

	var connect *widget.Button

	switch {
	case connected && info == nil:
		connect = widget.NewButtonWithIcon("Open…", theme.LoginIcon(), func() { a.askPassphrase(e, false) })
		connect.Importance = widget.HighImportance
	case connected:
		connect = widget.NewButtonWithIcon("Disconnect", theme.LogoutIcon(), func() { a.disconnect(e) })
	default:
		connect = widget.NewButtonWithIcon("Connect…", theme.LoginIcon(), func() { a.connectSaved(e) })
		connect.Importance = widget.HighImportance
	}

	if a.opening[e.ID] {
		connect.Disable()
	}

	rename := widget.NewButtonWithIcon("Rename…", theme.DocumentCreateIcon(), func() { a.askRename(e) })
	buttons := []fyne.CanvasObject{connect, check, export, cli, rename}

	if info != nil {
		buttons = append(buttons, widget.NewButtonWithIcon("Change passphrase…", theme.AccountIcon(), func() { a.askChangePassphrase(e) }))
	}

	if e.Kind != repo.KindFilesystem {
		buttons = append(buttons, widget.NewButtonWithIcon("Add another in this bucket", theme.ContentAddIcon(), func() { a.addInBucket(e) }))
	}

	// Forget last: the one that deletes is not where Tab lands by habit.
	return container.NewGridWithColumns(3, append(buttons, forget)...)
}
