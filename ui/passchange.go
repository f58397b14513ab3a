// Changing a connected repository's passphrase, and finishing a change
// that was interrupted.

package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// passChangeForm is what the change dialog shows.
type passChangeForm struct {
	e    library.Entry
	info *repo.Info
	// s3 are the entry's S3 secrets, read with the passphrase off the UI
	// goroutine, for the change.
	s3      repo.S3Secrets
	current *keyEntry
	// currentFrom says where the pre-filled current passphrase came from.
	currentFrom string
	next        *newPassphrase
	submit      *widget.Button
	dialog      *dialog.CustomDialog
	// introText is what the dialog says first.
	introText string
}

// askChangePassphrase reads what is stored (the keychain may prompt, so
// off the UI goroutine), then shows the change dialog.
func (a *App) askChangePassphrase(e library.Entry) {
	if a.careBusy(e) {
		return
	}

	info := a.infos[e.ID]
	if info == nil {
		return
	}

	if !info.PassphraseChangeable {
		a.showInfo("Change passphrase", "This repository was created by kopia v0.8 or older, whose format cannot change its passphrase.")
		return
	}

	go a.eng.Prepare(a.upcoming(e))

	go func() {
		ctx := context.Background()
		secrets, _ := a.lib.Secrets(ctx, e)
		loc := a.lib.Locate(ctx, e)

		var pending string
		if e.PassphraseChange != nil {
			pending, _ = a.lib.PendingPassphrase(ctx, e)
		}

		a.post(func() { a.showChangePassphrase(e, info, secrets, loc, pending) })
	}()
}

func (a *App) showChangePassphrase(e library.Entry, info *repo.Info, secrets repo.Secrets, loc library.Located, pending string) {
	f := &passChangeForm{e: e, info: info, s3: secrets.S3, current: a.newEntry("current passphrase", true)}
	f.next = a.newPassphraseFields(func() []string { return []string{e.Name, f.current.Text} }, f.updateSubmit)
	f.next.upcoming = a.upcoming(e)

	f.current.SetText(secrets.Passphrase)
	f.current.Validator = func(s string) error {
		if s == "" {
			return errors.New("Enter the current passphrase.")
		}

		return nil
	}

	if secrets.Passphrase != "" {
		f.currentFrom = map[library.Where]string{
			library.InSystemKeychain: "From " + a.lib.KeychainName() + ".",
			library.InSession:        "Kept in memory since you typed it.",
		}[loc.Passphrase]

		if loc.Passphrase == library.InSystemKeychain && !a.lib.KeychainPersistent() {
			f.currentFrom = "Kept in memory until Corso Desktop quits: no OS keychain is usable."
		}
	}

	finishing := e.PassphraseChange != nil
	title, verb := "Change the passphrase of "+e.Name, "Change passphrase"
	intro := "The repository is re-keyed in place and opens with the new passphrase from then on. " + oldCopiesBefore(e.Kind)

	if finishing {
		title, verb = "Finish changing the passphrase of "+e.Name, "Finish the change"
		intro = fmt.Sprintf("A passphrase change started %s did not finish. The repository opens with either the old or the new passphrase until it does; "+
			"type both to finish it.", e.PassphraseChange.Started.Local().Format("2 January 15:04"))
		f.next.pass.SetText(pending)
		f.next.confirm.SetText(pending)
	}

	f.next.rateAsTyped()

	items := append([]*widget.FormItem{{Text: "Current", Widget: f.current, HintText: f.currentFrom}}, f.next.formItems("New passphrase")...)
	form := &widget.Form{Items: items}

	for _, en := range []*keyEntry{f.current, f.next.pass, f.next.confirm} {
		prev := en.OnChanged
		en.OnChanged = func(s string) {
			if prev != nil {
				prev(s)
			}

			f.updateSubmit()
		}
		en.OnSubmitted = func(string) { f.trySubmit(a) }
	}

	f.submit = widget.NewButtonWithIcon(verb, theme.ConfirmIcon(), func() { f.trySubmit(a) })
	f.submit.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { f.dialog.Hide() })

	f.introText = intro
	content := container.NewVBox(wrapped(intro), lostPassphraseWarning(), form)
	f.dialog = dialog.NewCustomWithoutButtons(title, content, a.win)
	f.dialog.SetButtons([]fyne.CanvasObject{cancel, f.submit})
	f.dialog.Resize(fyne.NewSize(600, content.MinSize().Height+140))
	f.updateSubmit()
	a.changeForm = f
	a.showDialog(f.dialog)

	if f.current.Text == "" {
		a.win.Canvas().Focus(f.current)
	} else {
		a.win.Canvas().Focus(f.next.pass)
	}
}

func (f *passChangeForm) valid() bool {
	return f.current.Text != "" && f.next.valid() && f.next.pass.Text != f.current.Text
}

func (f *passChangeForm) updateSubmit() {
	if f.submit == nil {
		return
	}

	if f.valid() {
		f.submit.Enable()
	} else {
		f.submit.Disable()
	}
}

func (f *passChangeForm) trySubmit(a *App) {
	if !f.valid() {
		return
	}

	f.dialog.Hide()
	a.changePassphrase(f.e, f.info.Retention, repo.Secrets{Passphrase: f.current.Text, S3: f.s3}, f.next.pass.Text)
}

// passChangeResult is what a finished change says.
type passChangeResult struct {
	info        *repo.Info
	home        library.SecretsHome
	keychainErr error
	// stale names what still holds the old passphrase.
	stale []string
	// old is what the store keeps of the format before the change, and
	// secrets what opens it now, for the offer to remove it.
	old     *repo.OldFormats
	oldErr  error
	secrets repo.Secrets
}

// changePassphrase runs a change (or finishes one): the change is recorded
// first, then the engine re-keys and re-opens with the new passphrase, and
// only then are the keychain and the record updated.
func (a *App) changePassphrase(e library.Entry, retention repo.Retention, current repo.Secrets, next string) {
	var res passChangeResult

	startedHere := e.PassphraseChange == nil

	a.run("Changing the passphrase of "+e.Name, string(repo.StepProvingPassphrase), func(ctx context.Context) error {
		if startedHere {
			// A keychain that cannot hold the new passphrase still leaves
			// the session copy; the change goes on.
			if err := a.lib.StartPassphraseChange(ctx, &e, next, retention); e.PassphraseChange == nil {
				return err
			}
		}

		info, err := a.eng.ChangePassphrase(ctx, a.lib.Local(e.ID), current, repo.PassphraseChange{New: next, Retention: e.PassphraseChange.Retention()})
		if err != nil {
			var fe repo.FieldErrors
			if c := repo.CodeOf(err); startedHere && (c == repo.CodeWrongPassphrase || c == repo.CodeLostRace || errors.As(err, &fe)) {
				// Refused before anything was written.
				a.lib.DropPassphraseChange(ctx, &e) //nolint:errcheck // the record only makes the next open finish nothing
			}

			return err
		}

		res.info, res.secrets = info, repo.Secrets{Passphrase: next, S3: current.S3}
		res.home, res.keychainErr = a.lib.FinishPassphraseChange(ctx, &e, res.secrets)
		res.stale = a.staleCopies(ctx, e, info.UniqueID)
		res.old, res.oldErr = a.eng.OldFormats(ctx, a.lib.Local(e.ID), res.secrets, false)

		return nil
	}, func(err error) {
		a.reload()

		if err != nil {
			a.passChangeFailed(e, err, startedHere)
			return
		}

		a.setInfo(e.ID, res.info)
		a.showDetails()
		a.refreshList()
		a.showPassChanged(e, res)
	})
}

func (a *App) passChangeFailed(e library.Entry, err error, startedHere bool) {
	var fe repo.FieldErrors

	switch {
	case repo.CodeOf(err) == repo.CodeWrongPassphrase && startedHere:
		a.showError("Change passphrase", repo.NewError(repo.CodeWrongPassphrase, nil, "The current passphrase is not this repository's, so nothing was changed. Type it again."))
	case repo.CodeOf(err) == repo.CodeWrongPassphrase:
		a.showError("Finish the passphrase change", repo.NewError(repo.CodeWrongPassphrase, nil, "The repository opens with neither passphrase typed, so nothing was changed. Type the old and the new passphrase again."))
	case errors.As(err, &fe):
		a.showError("Change passphrase", err)
	default:
		// The change may have stopped midway: say what that means.
		e2, _ := a.entry(e.ID)
		if e2.PassphraseChange == nil {
			a.showError("Change passphrase", err)
			return
		}

		a.showError("The passphrase change did not finish", &wrappedErr{err: err, msg: err.Error() +
			" The repository opens with the old or the new passphrase; nothing else was touched. " +
			"Corso Desktop finishes the change the next time it opens this repository, or choose Change passphrase again now."})
	}

	a.showDetails()
}

// wrappedErr gives err another sentence and keeps its details.
type wrappedErr struct {
	err error
	msg string
}

func (w *wrappedErr) Error() string { return w.msg }
func (w *wrappedErr) Unwrap() error { return w.err }

func (w *wrappedErr) Details() string {
	var d detailed
	if errors.As(w.err, &d) {
		return d.Details()
	}

	return ""
}

// staleCopies names what still holds the old passphrase: other saved
// entries for the same repository, and Corso CLI config files that hold a
// passphrase key and point at this location.
func (a *App) staleCopies(ctx context.Context, e library.Entry, uniqueID string) []string {
	var stale []string

	same, _ := a.lib.SameRepository(ctx, e.ID, uniqueID)
	for _, o := range same {
		stale = append(stale, fmt.Sprintf("the saved repository %q in this list: open it and type the new passphrase", o.Name))
	}

	files := []string{a.opts.CorsoConfigPath}
	for _, o := range append(same, e) {
		if o.CorsoConfigFile != "" && !slices.Contains(files, o.CorsoConfigFile) {
			files = append(files, o.CorsoConfigFile)
		}
	}

	for _, path := range files {
		cfg, err := corsoconfig.Import(path)
		if err != nil || !slices.Contains(cfg.SecretKeys, "passphrase") || !repo.SameLocation(cfg.Settings, e.Settings()) {
			continue
		}

		stale = append(stale, "the Corso CLI config file "+path+": its passphrase key holds the old one; replace it, or remove it and set CORSO_PASSPHRASE")
	}

	return stale
}

// showPassChanged says what changed, where the new passphrase is, and
// what still holds the old one.
func (a *App) showPassChanged(e library.Entry, res passChangeResult) {
	lines := []string{"The passphrase of " + e.Name + " is changed: the repository's format now opens with the new passphrase, and no longer with the old one.",
		oldCopiesAfter(res.old, res.oldErr)}

	switch {
	case res.keychainErr != nil:
		lines = append(lines, "The new passphrase could not be saved in "+a.lib.KeychainName()+" ("+res.keychainErr.Error()+"). "+
			"It is kept in memory until Corso Desktop quits; after that you will be asked for it. The keychain still holds the old one, which no longer opens the repository.")
	case res.home == library.InKeychain && a.lib.KeychainPersistent():
		lines = append(lines, "The new passphrase is in "+a.lib.KeychainName()+", in place of the old one.")
	case res.home == library.InKeychain:
		lines = append(lines, "The new passphrase is kept in memory until Corso Desktop quits, as no OS keychain is usable; you will be asked for it after that.")
	default:
		lines = append(lines, "The new passphrase is kept in memory until Corso Desktop quits, as this repository's passphrase is not remembered.")
	}

	if len(res.stale) > 0 {
		lines = append(lines, "These still hold the old passphrase:\n• "+strings.Join(res.stale, "\n• "))
	}

	lines = append(lines, "For the Corso CLI: set CORSO_PASSPHRASE to the new passphrase wherever it runs against this repository (scripts, scheduled tasks, CI secrets); "+
		"the CLI keeps no copy of its own and does not update any. A Corso command running now finishes; its next start with the old passphrase fails with \"invalid repository password\".")

	text := strings.Join(lines, "\n\n")
	a.lastInfo = text

	content := container.NewVBox(scrolledText(text))
	if res.oldErr == nil && res.old.Copies() > 0 && countUnlocked(res.old) > 0 {
		content.Add(a.removeOldFormatsButton(e, res.secrets, res.old))
	}

	a.showDialog(dialog.NewCustom("Passphrase changed", "Close", content, a.win))
}

// finishPassphraseChange finishes an interrupted change before a
// repository is opened: at once when both passphrases are stored, else
// through the dialog.
func (a *App) finishPassphraseChange(e library.Entry, typed *repo.Secrets) {
	a.opening[e.ID] = true
	a.refreshList()

	go func() {
		ctx := context.Background()

		secrets, err := a.secretsFor(ctx, e, typed)
		pending, perr := a.lib.PendingPassphrase(ctx, e)

		a.post(func() {
			delete(a.opening, e.ID)
			a.refreshList()

			if err == nil && perr == nil && a.busy == nil {
				a.changePassphrase(e, e.PassphraseChange.Retention(), secrets, pending)
				return
			}

			a.showFinishPrompt(e, secrets, pending)
		})
	}()
}

// showFinishPrompt asks for what is missing to finish a change; the
// details cannot be read until it is finished.
func (a *App) showFinishPrompt(e library.Entry, secrets repo.Secrets, pending string) {
	info := &repo.Info{PassphraseChangeable: true, Retention: e.PassphraseChange.Retention()}
	a.showChangePassphrase(e, info, secrets, a.located[e.ID], pending)
}
