package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/platform/keychain/keychaintest"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// detailsText is every label in the details pane.
func (h *harness) detailsText() string {
	var text string

	h.loop.onUI(func() { text = strings.Join(labelTexts(h.a.details), "\n") })

	return text
}

// TestSelectionStaysOnTheShownRepository: after a re-sort or a filter the
// highlighted row is the repository whose details are shown, so Forget
// and Rename act on the one highlighted.
func TestSelectionStaysOnTheShownRepository(t *testing.T) {
	h := newHarness(t)
	now := time.Now().UTC()

	var es []library.Entry

	for i, name := range []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot"} {
		e := library.NewEntry(name, repo.Filesystem{Path: filepath.Join(h.root, name)})
		e.LastOpened = now.Add(-time.Duration(5-i) * time.Hour) // foxtrot most recent
		es = append(es, e)
	}

	h.saved(es...)
	h.loop.onUI(func() { h.a.list.Select(4) }) // "echo", by name

	if h.a.selected != es[4].ID {
		t.Fatalf("selected %q", h.a.selected)
	}

	h.loop.onUI(func() { h.a.orderSelect.SetSelected(orderLastOpened) })

	if h.a.listRow < 0 || h.a.visible[h.a.listRow].ID != es[4].ID || h.a.selected != es[4].ID {
		t.Fatalf("after re-sorting, row %d is highlighted, the details show %q", h.a.listRow, h.a.selected)
	}

	h.loop.onUI(func() { h.a.filterEntry.SetText("ec") })

	if h.a.listRow != 0 || h.a.visible[0].ID != es[4].ID {
		t.Fatalf("after filtering, row %d is highlighted", h.a.listRow)
	}

	h.loop.onUI(func() { h.a.filterEntry.SetText("alpha") })

	if h.a.listRow != -1 || h.a.selected != es[4].ID {
		t.Fatalf("the shown repository filtered out: row %d highlighted, details of %q", h.a.listRow, h.a.selected)
	}
}

// TestStoredPassphraseRefusedIsSaid: a passphrase changed elsewhere leaves
// the keychain's copy stale. After a restart the app says the saved
// passphrase no longer opens the repository (nothing was typed), says it
// once, and the list says "Passphrase refused", not "Connected".
func TestStoredPassphraseRefusedIsSaid(t *testing.T) {
	kc := keychaintest.Require(t)
	root := repotest.TempDir(t)
	dirs := platform.Dirs{Config: filepath.Join(root, "config"), Cache: filepath.Join(root, "cache")}
	h := newHarnessOn(t, root, dirs, kc, inProcess)
	e := h.createRemembering("changed-elsewhere", true)

	// Elsewhere: the passphrase changes through another connection.
	other := repotest.LocalIn(repotest.TempDir(t))
	ctx := context.Background()

	if _, err := inProcess.Connect(ctx, e.Settings(), repo.Secrets{Passphrase: passphrase}, other); err != nil {
		t.Fatal(err)
	}

	if _, err := inProcess.ChangePassphrase(ctx, other, repo.Secrets{Passphrase: passphrase}, repo.PassphraseChange{New: changedPassphrase}); err != nil {
		t.Fatal(err)
	}

	h2 := newHarnessOn(t, root, dirs, kc, inProcess)
	h2.loop.onUI(func() { h2.a.selectEntry(e.ID) })
	h2.loop.until(t, "the open to fail", func() bool { return h2.a.lastError != nil })

	msg := h2.a.lastError.Error()
	if !strings.Contains(msg, "no longer opens") || strings.Contains(msg, "Type it again") || !strings.Contains(msg, h2.a.lib.KeychainName()) {
		t.Fatalf("a stale saved passphrase is said as %q", msg)
	}

	if got := h2.a.stateText(e); got != "Passphrase refused" {
		t.Fatalf("the list says %q", got)
	}

	details := h2.detailsText()
	if strings.Contains(details, "not stored for this session") || strings.Count(details, "no longer opens") != 1 {
		t.Fatalf("the details say:\n%s", details)
	}
}

// TestStateWordsAreTrue: a repository whose passphrase is not remembered
// says, after a restart, that it needs its passphrase; one that is open
// says Open; none says Connected while it is not.
func TestStateWordsAreTrue(t *testing.T) {
	root := repotest.TempDir(t)
	dirs := platform.Dirs{Config: filepath.Join(root, "config"), Cache: filepath.Join(root, "cache")}
	h := newHarnessOn(t, root, dirs, keychain.NewMemory(), inProcess)
	h.createRemembering("kept", true)
	kept := h.createRemembering("kept-too", true)
	asked := h.createRemembering("asked", false)

	h.loop.until(t, "the repository to open", func() bool { return h.a.infos[asked.ID] != nil })

	if got := h.a.stateText(asked); got != "Open" {
		t.Fatalf("an open repository says %q", got)
	}

	h2 := newHarnessOn(t, root, dirs, h.kc, inProcess)
	h2.loop.onUI(func() { h2.a.selectEntry(asked.ID) })
	h2.loop.until(t, "the secrets to be located", func() bool { _, ok := h2.a.located[asked.ID]; return ok && !h2.a.opening[asked.ID] })

	if got := h2.a.stateText(asked); got != "Needs its passphrase" {
		t.Fatalf("a repository without its passphrase says %q", got)
	}

	if !strings.Contains(h2.detailsText(), "Its passphrase is not stored") {
		t.Fatalf("the details say:\n%s", h2.detailsText())
	}

	// Saved with its passphrase, never selected since the restart.
	if got := h2.a.stateText(kept); got != "Not opened yet" {
		t.Fatalf("a repository not opened yet says %q", got)
	}
}

// TestForgetSaysItDeletesThePassphrase: before forgetting, the app says
// the stored passphrase goes with it and offers to show or copy it.
func TestForgetSaysItDeletesThePassphrase(t *testing.T) {
	h := newHarness(t)
	e := h.createRemembering("to-forget", true)

	forget := h.detailsButton("Forget…")
	h.loop.onUI(func() { h.a.forgetForm = nil })
	h.tap(forget)
	h.loop.until(t, "the Forget confirmation", func() bool { return h.a.forgetForm != nil })

	text := strings.Join(labelTexts(h.a.win.Canvas().Overlays().Top()), " ")
	if !strings.Contains(text, "passphrase") || !strings.Contains(text, "is deleted too") {
		t.Fatalf("Forget does not say it deletes the passphrase: %q", text)
	}

	h.tap(h.overlayButton("Show passphrase"))
	h.loop.until(t, "the passphrase to show", func() bool {
		return strings.Contains(strings.Join(labelTexts(h.a.win.Canvas().Overlays().Top()), " "), passphrase)
	})

	h.tap(h.overlayButton("Copy passphrase"))
	h.loop.until(t, "the copy", func() bool { return h.a.fa.Clipboard().Content() == passphrase })

	if _, ok := h.a.entry(e.ID); !ok {
		t.Fatal("showing the passphrase forgot the repository")
	}
}

// TestStrengthCountsEachTypedWord: a passphrase made of the bucket's and
// the prefix's words is weak, though whole names never match; the hint
// is English; no rating of an earlier text stands beside a new one.
func TestStrengthCountsEachTypedWord(t *testing.T) {
	if got := knownWords([]string{"corso", "plain/tenant"}); strings.Join(got, " ") != "corso corso plain/tenant plain tenant" {
		t.Fatalf("known words %q", got)
	}

	s, err := inProcess.PassphraseStrength(context.Background(), "corso plain tenant", knownWords([]string{"corso", "plain/tenant"})...)
	if err != nil || s.Score >= minNewScore {
		t.Fatalf("the bucket's and prefix's words rate %+v (%v)", s, err)
	}

	if s, _ := inProcess.PassphraseStrength(context.Background(), "abc"); strings.Contains(s.Hint, "instant") {
		t.Fatalf("hint %q", s.Hint)
	}

	h := newHarness(t)
	h.checkFolder(filepath.Join(h.root, "words"))
	f := h.a.flow
	h.tap(f.primary)
	h.typeInto(f.pass, "sunflower")
	h.loop.until(t, "the rating", f.ratingDone)

	if f.strengthText.Text != "Very weak" && f.strengthText.Text != "Weak" {
		t.Fatalf("sunflower rates %q", f.strengthText.Text)
	}

	h.typeInto(f.pass, passphrase)

	if f.strengthText.Text != "Rating…" || f.strength.score != -1 {
		t.Fatalf("a new text shows the old rating %q beside it", f.strengthText.Text)
	}

	// The words of the folder's path, typed in another order, are known.
	h.typeInto(f.pass, "desktop words corso")
	h.loop.until(t, "the rating", f.ratingDone)

	if f.strength.score >= minNewScore {
		t.Fatalf("the folder's own words rate %q", f.strengthText.Text)
	}
}

// TestObjectLockKeepsTheFormStill: turning object lock on does not widen
// the form (its choices wrap), and the shortest lock follows extension.
func TestObjectLockKeepsTheFormStill(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	h := newHarness(t)
	f := h.s3Form(m, m.LockedBucket(t), "still")

	var off, on fyne.Size

	h.loop.onUI(func() { off = f.formBox.MinSize() })
	h.loop.onUI(func() { f.lock.on.SetChecked(true) })
	h.loop.onUI(func() { on = f.formBox.MinSize() })

	if on.Width > off.Width {
		t.Fatalf("the form widened from %v to %v with object lock on", off.Width, on.Width)
	}

	if f.lock.least.Text != "days (at least 2)" {
		t.Fatalf("with extension: %q", f.lock.least.Text)
	}

	h.loop.onUI(func() { f.lock.extend.SetChecked(false) })

	if f.lock.least.Text != "days (at least 1)" {
		t.Fatalf("without extension: %q", f.lock.least.Text)
	}
}

// TestKeyboardConfirmsAndSaysSo: Enter renames; Enter in the passphrase
// prompt's key field submits it; Ctrl+R says it reloaded.
func TestKeyboardConfirmsAndSaysSo(t *testing.T) {
	h := newHarness(t)
	e := library.NewEntry("old name", repo.S3Compatible{S3: repo.S3{Bucket: "bkt", Credentials: repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: "KEYID"}}, Endpoint: "127.0.0.1:1", DisableTLS: true})
	h.saved(e)

	h.loop.onUI(func() { h.a.askRename(e) })
	name := keyEntries(h.a.win.Canvas().Overlays().Top())[0]
	h.typeInto(name, "new name")
	h.loop.onUI(func() { name.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) })
	h.loop.until(t, "the rename", func() bool { got, _ := h.a.entry(e.ID); return got.Name == "new name" })

	e, _ = h.a.entry(e.ID)
	h.loop.onUI(func() { h.a.askPassphrase(e, true) })

	fields := keyEntries(h.a.win.Canvas().Overlays().Top())
	if len(fields) != 3 {
		t.Fatalf("the prompt has %d fields", len(fields))
	}

	h.typeInto(fields[0], passphrase)
	h.typeInto(fields[1], "secret")
	h.loop.onUI(func() { fields[1].TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) })

	if h.a.busy == nil && h.a.lastError == nil {
		t.Fatal("Enter in the secret key field did not submit the prompt")
	}

	h.idle()
	h.loop.onUI(func() {
		if h.a.dialog != nil {
			h.a.dialog.Hide()
		}
	})

	h.loop.onUI(h.a.shortcuts()[fyne.KeyR])

	if !strings.HasPrefix(h.a.lastNotice, "Reloaded") || !h.a.noticeBox.Visible() {
		t.Fatalf("Ctrl+R said %q", h.a.lastNotice)
	}
}

// TestCheckStepSaysAlreadySaved: checking a location that is saved says so
// at the check step, before any passphrase.
func TestCheckStepSaysAlreadySaved(t *testing.T) {
	h := newHarness(t)
	e := h.createRemembering("saved-here", true)

	h.checkFolder(e.Settings().(repo.Filesystem).Path)

	if f := h.a.flow; f.alreadySaved == nil || !strings.Contains(f.alreadySaved.Text, `"saved-here"`) {
		t.Fatal("the check step does not say the location is saved")
	}
}

// TestRelativeFolderPathIsRefused: a relative folder path is refused at
// the field with what to type instead; ~ is taken.
func TestRelativeFolderPathIsRefused(t *testing.T) {
	h := newHarness(t)
	h.tap(h.a.addBtn)
	h.tap(h.a.flow.pickButtons[repo.KindFilesystem])

	f := h.a.flow
	h.typeInto(f.path, "backups/corso")

	if err := f.path.Validator(f.path.Text); err == nil || !strings.Contains(err.Error(), "full path") || !f.checkButton.Disabled() {
		t.Fatalf("a relative path: %v", err)
	}

	h.typeInto(f.path, "~/corso-repo")

	if err := f.path.Validator(f.path.Text); err != nil {
		t.Fatalf("~/corso-repo: %v", err)
	}
}

// TestEmptyBucketSaysWhatItNeeds: leaving the Bucket field empty shows
// what it needs beside its red mark.
func TestEmptyBucketSaysWhatItNeeds(t *testing.T) {
	h := newHarness(t)
	h.tap(h.a.addBtn)
	h.tap(h.a.flow.pickButtons[repo.KindS3])

	f := h.a.flow
	h.loop.onUI(func() { h.a.win.Canvas().Focus(f.bucket) })
	h.loop.onUI(func() { h.a.win.Canvas().Focus(f.prefix) })

	for _, r := range f.rows {
		if r.input == f.bucket && (!r.message.Visible() || !strings.Contains(r.message.Text, "bucket")) {
			t.Fatalf("the empty bucket says %q (shown %v)", r.message.Text, r.message.Visible())
		}
	}
}

// TestFirstScreenSaysWhatTheAppDoes: the empty list says that backups are
// taken by the Corso CLI, with a command, and how maintenance is kept up.
func TestFirstScreenSaysWhatTheAppDoes(t *testing.T) {
	h := newHarness(t)

	var text string

	h.loop.onUI(func() { text = strings.Join(labelTexts(h.a.root), " ") })

	for _, want := range []string{"takes no backup itself", "corso backup create", "maintenance"} {
		if !strings.Contains(text, want) {
			t.Errorf("the first screen does not say %q:\n%s", want, text)
		}
	}

	if h.a.importBtn.Text != importLabel {
		t.Errorf("import button %q", h.a.importBtn.Text)
	}

}
