package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// Tour walks the main screens of a running app and saves each as a PNG in
// dir, then quits: what `make screenshots` runs under Xvfb. The app should
// have been built on throwaway folders and an in-memory keychain.
func (a *App) Tour(dir string, size fyne.Size) {
	go func() {
		err := a.tour(dir, size)

		fyne.Do(func() {
			if err != nil {
				fmt.Fprintln(os.Stderr, "screenshot tour:", err)
				os.Exit(1)
			}

			a.fa.Quit()
		})
	}()
}

func (a *App) tour(dir string, size fyne.Size) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	onUI := func(f func()) { fyne.DoAndWait(f) }
	settle := func() { time.Sleep(400 * time.Millisecond) }

	// The picture is taken from outside (scripts/screenshots.sh, with
	// ImageMagick's import): a GL canvas under Xvfb cannot reliably read
	// itself back. The tour says which screen is up by a marker file and
	// waits until the script has taken it and removed the marker.
	shot := func(name string) error {
		settle()

		marker := filepath.Join(dir, ".ready-"+name)
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
			return err
		}

		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if _, err := os.Stat(marker); os.IsNotExist(err) {
				return nil
			}

			if time.Now().After(deadline) {
				return fmt.Errorf("nobody took the screenshot %s", name)
			}
		}
	}

	waitIdle := func() {
		for {
			var busy bool

			onUI(func() { busy = a.busy != nil })

			if !busy {
				return
			}

			time.Sleep(50 * time.Millisecond)
		}
	}

	onUI(func() { a.win.Resize(size) })

	steps := []struct {
		name string
		do   func()
	}{
		{"1-empty", func() { a.showMain() }},
		{"2-choose-storage", func() { a.startAdd() }},
		{"3-folder-form", func() { a.flow.kind = repo.KindFilesystem; a.flow.showForm() }},
		{"4-s3-compatible-form", func() {
			a.flow.kind = repo.KindS3Compatible
			a.flow.showForm()
			a.flow.endpoint.SetText("http://minio.local:9000")
			a.flow.bucket.SetText("Backups_2026")
			a.flow.credSource.SetSelected(credsKeys)
			a.flow.noVerify.SetChecked(true)
			for _, e := range a.flow.form.Items {
				if v, ok := e.Widget.(fyne.Validatable); ok {
					v.Validate() //nolint:errcheck
				}
			}
			a.win.Canvas().Focus(a.flow.accessKey)
			a.win.Canvas().Focus(a.flow.secretKey)
		}},
	}

	for _, s := range steps {
		onUI(s.do)

		if err := shot(s.name); err != nil {
			return err
		}
	}

	// A real folder repository, created through the flow.
	onUI(func() {
		a.flow.kind = repo.KindFilesystem
		a.flow.showForm()
		a.flow.check()
	})
	waitIdle()

	if err := shot("5-check-result"); err != nil {
		return err
	}

	onUI(func() {
		a.flow.showPassphrase(modeCreate)
		a.flow.pass.SetText("vivid otter juggles")
		a.flow.confirm.SetText("vivid otter juggles")
	})

	// The rating comes from the engine (the helper, in a release build).
	var rating string
	for deadline := time.Now().Add(30 * time.Second); rating == "" || rating == "Empty"; time.Sleep(50 * time.Millisecond) {
		onUI(func() { rating = a.flow.strengthText.Text })

		if time.Now().After(deadline) || rating == "Not rated" {
			return fmt.Errorf("the passphrase was not rated (%q)", rating)
		}
	}

	if err := shot("6-create"); err != nil {
		return err
	}

	onUI(func() { a.flow.submitPassphrase() })
	waitIdle()

	// The tour doubles as an end-to-end test of a release build: the
	// repository must really have been made, with Corso's settings.
	var (
		created bool
		showed  error
	)

	onUI(func() {
		for _, info := range a.infos {
			created = created || (info != nil && info.CorsoSettings)
		}

		showed = a.lastError
	})

	if !created {
		return fmt.Errorf("the folder repository was not created (the app showed: %v)", showed)
	}

	// Four more, so the list looks lived in.
	ctx := context.Background()
	for i, s := range []repo.Settings{
		repo.S3{Bucket: "contoso-m365-backups", Prefix: "tenant-eu/", Credentials: repo.Credentials{Source: repo.CredentialsProfile, Profile: "backup"}},
		repo.S3Compatible{S3: repo.S3{Bucket: "corso", Prefix: "fabrikam/", Credentials: repo.Credentials{Source: repo.CredentialsEnvironment}}, Endpoint: "s3.eu-central-003.backblazeb2.com"},
	} {
		e := library.NewEntry([]string{"Contoso (EU tenant)", "Fabrikam on B2"}[i], s)
		if err := a.lib.Save(ctx, e); err != nil {
			return err
		}
	}

	onUI(func() { a.reload(); a.showMain() })

	if err := shot("7-repository-details"); err != nil {
		return err
	}

	// A wrong passphrase, as a user meets it: the sentence, details folded.
	var first library.Entry

	onUI(func() {
		first = a.entries[0]
		a.connectWith(first, repo.Secrets{Passphrase: "not the passphrase"})
	})
	waitIdle()

	var shown bool
	onUI(func() { shown = a.dialog != nil })

	if !shown {
		return fmt.Errorf("a wrong passphrase showed no error")
	}

	if err := shot("8-error"); err != nil {
		return err
	}

	onUI(func() {
		if a.dialog != nil {
			a.dialog.Hide()
		}

		a.checkAgain(first)
	})
	waitIdle()

	if err := shot("9-check-again"); err != nil {
		return err
	}

	// The hand-off to the Corso CLI: the command per shell, and where the
	// .corso.toml goes.
	onUI(func() {
		a.dialog.Hide()

		for _, e := range a.entries {
			if e.Kind == repo.KindS3 {
				a.selectEntry(e.ID)
				a.showCLICommand(e)
			}
		}
	})

	if err := shot("10-cli-command"); err != nil {
		return err
	}

	onUI(func() {
		a.dialog.Hide()

		if e, ok := a.entry(a.selected); ok {
			a.showExport(e)
		}
	})

	if err := shot("11-export"); err != nil {
		return err
	}

	return a.tourContents(onUI, waitIdle, shot)
}

// tourContents shows what a repository holds, when the screenshot script
// made one with Corso backups in it (CORSO_TOUR_BACKUPS names its folder;
// scripts/corsofixture writes it): its details with the summary, and the
// backups view with one backup selected. Both are read by the real engine.
func (a *App) tourContents(onUI func(func()), waitIdle func(), shot func(string) error) error {
	dir := os.Getenv("CORSO_TOUR_BACKUPS")
	if dir == "" {
		return nil
	}

	// Connecting saves the entry (off the UI goroutine, as for a user).
	e := library.NewEntry("Contoso backups", repo.Filesystem{Path: dir})

	onUI(func() {
		if a.dialog != nil {
			a.dialog.Hide()
		}

		a.connectWith(e, repo.Secrets{Passphrase: os.Getenv("CORSO_TOUR_PASSPHRASE")})
	})
	waitIdle()

	onUI(func() { a.reload(); a.selected = e.ID; a.showMain() })

	var read bool
	for deadline := time.Now().Add(time.Minute); !read; time.Sleep(100 * time.Millisecond) {
		onUI(func() { st := a.contents[e.ID]; read = st != nil && !st.loading && st.result != nil })

		if time.Now().After(deadline) {
			return fmt.Errorf("the backups were not read")
		}
	}

	if err := shot("12-contents"); err != nil {
		return err
	}

	onUI(func() {
		a.showBackups(e, a.contents[e.ID].result)
		a.backups.list.Select(0)
	})

	if err := shot("13-backups"); err != nil {
		return err
	}

	if err := a.tourItems(e, onUI, waitIdle, shot); err != nil {
		return err
	}

	return a.tourRepositoryFamily(e, onUI, waitIdle, shot)
}

// tourRepositoryFamily shows maintenance, a passphrase change and an
// immutable repository's form, each run for real on the tour's repository.
func (a *App) tourRepositoryFamily(e library.Entry, onUI func(func()), waitIdle func(), shot func(string) error) error {
	onUI(func() { a.showMain(); a.showMaintenance(e) })

	if err := shot("14-maintenance"); err != nil {
		return err
	}

	onUI(func() { a.confirmMaintenance(a.maintForm) })
	waitIdle()

	var ran bool
	onUI(func() { ran = strings.Contains(a.lastInfo, "maintenance finished") })

	if !ran {
		return fmt.Errorf("maintenance did not run: %v", a.lastError)
	}

	if err := shot("15-maintenance-result"); err != nil {
		return err
	}

	onUI(func() {
		a.dialog.Hide()
		a.changeForm = nil
		a.askChangePassphrase(e)
	})

	var f *passChangeForm
	for deadline := time.Now().Add(30 * time.Second); f == nil; time.Sleep(50 * time.Millisecond) {
		onUI(func() { f = a.changeForm })

		if time.Now().After(deadline) {
			return fmt.Errorf("no passphrase change dialog")
		}
	}

	const next = "amber pelican sorts ninety quiet stamps"

	onUI(func() { f.next.pass.SetText(next); f.next.confirm.SetText(next) })

	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var done bool
		onUI(func() { done = f.next.ratingDone() && f.valid() })

		if done {
			break
		}

		if time.Now().After(deadline) {
			return fmt.Errorf("the new passphrase was not accepted")
		}
	}

	if err := shot("16-change-passphrase"); err != nil {
		return err
	}

	onUI(func() { f.trySubmit(a) })
	waitIdle()

	var changed bool
	onUI(func() { changed = strings.Contains(a.lastInfo, "is changed") })

	if !changed {
		return fmt.Errorf("the passphrase was not changed: %v", a.lastError)
	}

	if err := shot("17-passphrase-changed"); err != nil {
		return err
	}

	onUI(func() {
		a.dialog.Hide()
		a.startAdd()
		a.flow.kind = repo.KindS3
		a.flow.showForm()
		a.flow.bucket.SetText("contoso-immutable-backups")
		a.flow.credSource.SetSelected(credsProfile)
		a.flow.profile.SetText("backup")
		a.flow.lock.on.SetChecked(true)
		a.flow.lock.mode.SetSelected(lockCompliance)
		a.flow.lock.days.SetText("35")
	})
	time.Sleep(300 * time.Millisecond)
	onUI(func() { a.flow.scroll.ScrollToBottom() })

	if err := shot("18-object-lock"); err != nil {
		return err
	}

	return a.tourHandOff(e, onUI, waitIdle, shot)
}

// tourHandOff exports the tour repository's .corso.toml to the CLI's
// default place for real, then shows the import dialog offering it and
// the Forget confirmation with its passphrase warning.
func (a *App) tourHandOff(e library.Entry, onUI func(func()), waitIdle func(), shot func(string) error) error {
	onUI(func() {
		a.showMain()
		a.exportCorsoConfig(e, a.opts.CorsoConfigPath, false, nil)
	})
	waitIdle()

	onUI(func() {
		if a.dialog != nil {
			a.dialog.Hide()
		}

		a.dialog = nil
		a.importCorsoConfig()
	})

	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var shown bool
		onUI(func() { shown = a.dialog != nil })

		if shown {
			break
		}

		if time.Now().After(deadline) {
			return fmt.Errorf("no import dialog")
		}
	}

	if err := shot("19-import"); err != nil {
		return err
	}

	onUI(func() {
		a.dialog.Hide()
		a.forgetForm = nil
		a.selectEntry(e.ID)
		a.confirmForget(e)
	})

	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var shown bool
		onUI(func() { shown = a.forgetForm != nil })

		if shown {
			break
		}

		if time.Now().After(deadline) {
			return fmt.Errorf("no Forget confirmation")
		}
	}

	if err := shot("20-forget"); err != nil {
		return err
	}

	return a.tourCare(e, onUI, waitIdle, shot)
}
