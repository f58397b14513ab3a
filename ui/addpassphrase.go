// The add flow, step 4: the passphrase, then create, connect or finish.

package ui

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

func (f *addFlow) defaultName() string {
	switch s := f.settings.(type) {
	case repo.Filesystem:
		return filepath.Base(s.Path)
	case repo.S3:
		return strings.TrimSuffix(s.Bucket+"/"+s.Prefix, "/")
	case repo.S3Compatible:
		return strings.TrimSuffix(s.Bucket+"/"+s.Prefix, "/")
	}

	return "Repository"
}

// locationNames are the names typed for a location, which an attacker who
// sees the bucket or the folder knows.
func locationNames(s repo.Settings) []string {
	switch v := s.(type) {
	case repo.Filesystem:
		return []string{v.Path}
	case repo.S3:
		return []string{v.Bucket, v.Prefix}
	case repo.S3Compatible:
		return []string{v.Bucket, v.Prefix, v.Endpoint}
	}

	return nil
}

// Step 4: the passphrase, a name, and whether to remember it.
func (f *addFlow) showPassphrase(mode passMode) {
	f.back, f.step = f.showReport, 4
	go f.a.eng.Prepare(f.upcoming()) // the rating, then Create or Connect
	f.mode = mode

	newRepo := mode == modeCreate || (mode == modeFinish && f.report.HalfMade == repo.HalfMadeBeforeFormat)
	f.newRepo = newRepo

	f.name = f.newEntry("a name for this list")
	f.name.SetText(f.defaultName())
	f.name.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("Give the repository a name for the list.")
		}

		return nil
	}

	f.newPassphrase = f.a.newPassphraseFields(func() []string { return append([]string{f.name.Text, f.defaultName()}, locationNames(f.settings)...) }, f.updateSubmit)
	f.newPassphrase.upcoming = f.upcoming()
	f.remember = widget.NewCheck("Remember in the keychain", nil)
	f.remember.SetChecked(true)

	if f.imported != nil && f.imported.Secrets.Passphrase != "" {
		f.pass.SetText(f.imported.Secrets.Passphrase)
		f.confirm.SetText(f.imported.Secrets.Passphrase)
	}

	items := []*widget.FormItem{{Text: "Name", Widget: f.name}}

	if newRepo {
		items = append(items, f.formItems("Passphrase")...)
		f.rateAsTyped()
	} else {
		f.pass.Validator = func(s string) error {
			if s == "" {
				return errors.New("Enter the repository's passphrase.")
			}

			return nil
		}
		items = append(items, &widget.FormItem{Text: "Passphrase", Widget: f.pass})
	}

	items = append(items, &widget.FormItem{Text: "", Widget: f.remember,
		HintText: "Off: the passphrase is kept in memory until you quit, then asked for again."})

	submit := map[passMode]string{modeCreate: "Create repository", modeConnect: "Connect", modeFinish: "Finish creating"}[mode]
	f.passForm = &widget.Form{Items: items}
	f.submitButton = widget.NewButtonWithIcon(submit, theme.ConfirmIcon(), f.submitPassphrase)
	f.submitButton.Importance = widget.HighImportance
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), f.showReport)

	fields := []*keyEntry{f.name, f.pass}
	if newRepo {
		fields = append(fields, f.confirm)
	}

	f.passFields = fields

	for _, e := range fields {
		prev := e.OnChanged
		e.OnChanged = func(s string) {
			if prev != nil {
				prev(s)
			}

			f.updateSubmit()
		}
		e.OnSubmitted = func(string) { f.submitPassphrase() }
	}

	f.updateSubmit()

	body := container.NewVBox(f.passForm)

	if newRepo {
		body.Objects = append([]fyne.CanvasObject{lostPassphraseWarning()}, body.Objects...)
	}

	if lock := f.objectLock(); lock != nil && mode == modeCreate {
		// Decided here, so said here.
		plan := wrapped(lockPlanText(lock))
		plan.Importance = widget.WarningImportance
		body.Objects = append([]fyne.CanvasObject{plan}, body.Objects...)
	}

	title := map[passMode]string{modeCreate: "create", modeConnect: "connect", modeFinish: "finish creating"}[mode]
	f.a.setView(f.frame(4, title, f.settings.Describe(), body, back, f.submitButton))
	f.a.win.Canvas().Focus(f.pass)
}

// passValid says whether every passphrase-step field passes its check,
// without marking untouched fields. A new passphrase must also have been
// rated (a moment after typing stops), so that a weak one cannot slip
// through between a keystroke and its rating.
func (f *addFlow) passValid() bool {
	if f.newRepo && !f.ratingDone() {
		return false
	}

	for _, e := range f.passFields {
		if e.Validator != nil && e.Validator(e.Text) != nil {
			return false
		}
	}

	return true
}

func (f *addFlow) updateSubmit() {
	if f.submitButton == nil {
		return
	}

	if f.passValid() {
		f.submitButton.Enable()
	} else {
		f.submitButton.Disable()
	}
}

func (f *addFlow) submitPassphrase() {
	if !f.passValid() {
		f.passForm.Validate() //nolint:errcheck // shows each field's message
		return
	}

	a := f.a

	// Object lock is a choice made at creation; an existing repository
	// has its own (in kopia.blobcfg), read when it opens.
	if f.mode != modeCreate {
		f.settings = withoutObjectLock(f.settings)
	}

	entry := library.NewEntry(strings.TrimSpace(f.name.Text), f.settings)

	// A repository already in the list is connected as that entry, never
	// added a second time under another ID.
	existing, duplicate := a.entryAt(f.settings)
	if duplicate && f.mode != modeCreate {
		entry = existing
	}

	entry.RememberPassphrase = f.remember.Checked

	if f.imported != nil {
		entry.CorsoRepoID, entry.CorsoConfigFile = f.imported.RepoID, f.imported.Path
		entry.MaintenanceUser, entry.MaintenanceHost = f.imported.User, f.imported.Host
	}

	secrets := repo.Secrets{Passphrase: f.pass.Text, S3: f.s3Secrets()}
	local := a.lib.Local(entry.ID)
	mode, s := f.mode, f.settings
	// The check step's report stands as Create's own check (the location
	// is listed again under its lock): a create costs no second check.
	report := f.report

	var (
		info       *repo.Info
		keychainEr error
	)

	title := map[passMode]string{modeCreate: "Creating the repository", modeConnect: "Connecting", modeFinish: "Finishing the repository"}[mode]

	a.run(title, string(repo.StepChecking), func(ctx context.Context) error {
		var err error

		switch mode {
		case modeCreate:
			info, err = f.a.eng.Initialize(repo.WithCheck(ctx, report), s, secrets, local)
		case modeConnect:
			info, err = f.a.eng.Connect(ctx, s, secrets, local)
		case modeFinish:
			info, err = f.a.eng.Finish(ctx, s, secrets, local)
		}

		if err != nil {
			return err
		}

		entry.State, entry.UniqueID, entry.LastOpened = library.StateConnected, info.UniqueID, time.Now().UTC()
		if err := a.lib.Save(ctx, entry); err != nil {
			return err
		}

		_, keychainEr = a.lib.StoreSecrets(ctx, entry, secrets)

		return nil
	}, func(err error) {
		if err != nil {
			a.showError(title, err)
			return
		}

		a.setInfo(entry.ID, info)
		a.reload()
		a.selected = entry.ID
		a.showMain()
		a.locate(entry)

		if duplicate && mode != modeCreate {
			a.showInfo("Already in your list", "This repository was already saved as \""+entry.Name+"\", so that entry was connected and selected instead of adding it a second time.")
		}

		if keychainEr != nil && keychain.CodeOf(keychainEr) != keychain.CodeNotFound {
			a.showError("Passphrase kept for this session only", keychainEr)
		}
	})
}

// withoutObjectLock is s without a creation's object-lock choice.
func withoutObjectLock(s repo.Settings) repo.Settings {
	switch v := s.(type) {
	case repo.S3:
		v.ObjectLock = nil
		return v
	case repo.S3Compatible:
		v.ObjectLock = nil
		return v
	}

	return s
}

// upcoming is where the create or connect of this flow will go: the
// checked location, in the region the check found.
func (f *addFlow) upcoming() repo.Upcoming {
	next := repo.Upcoming{Settings: f.settings}
	if f.report != nil {
		next.Region = f.report.Region
	}

	return next
}
