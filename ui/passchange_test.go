package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/platform/keychain/keychaintest"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

const changedPassphrase = "lantern orchard quietly folds seven maps"

// detailsButton is the details' button labelled text, or nil.
func (h *harness) detailsButton(text string) *widget.Button {
	var found *widget.Button

	h.loop.onUI(func() {
		for _, o := range test.LaidOutObjects(h.a.details) {
			if b, ok := o.(*widget.Button); ok && b.Text == text {
				found = b
			}
		}
	})

	return found
}

// openChange opens the change dialog from the details.
func (h *harness) openChange(e library.Entry) *passChangeForm {
	h.t.Helper()
	h.loop.until(h.t, "the repository to open", func() bool { return h.a.infos[e.ID] != nil })

	b := h.detailsButton("Change passphrase…")
	if b == nil {
		h.t.Fatal("no Change passphrase button in the details")
	}

	h.a.changeForm = nil
	h.tap(b)
	h.loop.until(h.t, "the change dialog", func() bool { return h.a.changeForm != nil })

	return h.a.changeForm
}

// TestChangePassphrase, over both engines: the current passphrase comes
// from the keychain and says so; a weak new one is refused; the change
// re-keys the repository (old refused, new opens), updates the keychain,
// and names what still holds the old one: another saved entry for the
// same repository and a .corso.toml with a passphrase key.
func TestChangePassphrase(t *testing.T) {
	kc := keychaintest.Require(t)

	forEachEngine(t, func(t *testing.T, inner repo.Engine) {
		root := repotest.TempDir(t)
		eng := &keychainDuringChange{Engine: inner}
		h := newHarnessOn(t, root, platform.Dirs{Config: filepath.Join(root, "config"), Cache: filepath.Join(root, "cache")}, kc, eng)
		folder := filepath.Join(h.root, "folder")
		h.checkFolder(folder)
		e := h.createHere("Folder")
		ctx := context.Background()

		h.loop.until(t, "the repository to open", func() bool { return h.a.infos[e.ID] != nil })

		same := library.NewEntry("Same one", repo.Filesystem{Path: folder})
		same.UniqueID = h.a.infos[e.ID].UniqueID
		if err := h.a.lib.Save(ctx, same); err != nil {
			t.Fatal(err)
		}

		cfg := h.a.opts.CorsoConfigPath
		if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
			t.Fatal(err)
		}

		toml := "account_provider = 'M365'\nprovider = 'Filesystem'\npath = '" + folder + "'\npassphrase = '" + passphrase + "'\n"
		if err := os.WriteFile(cfg, []byte(toml), 0o600); err != nil {
			t.Fatal(err)
		}

		// While the change runs, the keychain still holds the passphrase
		// that opens the repository until the change is proven.
		eng.read = func() (string, error) { return kc.Get(ctx, e.ID+"/passphrase") }

		f := h.openChange(e)
		if f.current.Text != passphrase || !strings.HasPrefix(f.currentFrom, "From ") {
			t.Fatalf("current passphrase not pre-filled from the keychain: %q", f.currentFrom)
		}

		h.typeInto(f.next.pass, "sunflower")
		h.typeInto(f.next.confirm, "sunflower")
		h.loop.until(t, "the rating", f.next.ratingDone)

		if !f.submit.Disabled() {
			t.Fatal("a weak new passphrase can be submitted")
		}

		h.typeInto(f.next.pass, changedPassphrase)
		h.typeInto(f.next.confirm, changedPassphrase)
		h.loop.until(t, "the rating", f.next.ratingDone)
		h.tap(f.submit)
		h.idle()

		if !strings.Contains(h.a.lastInfo, "is changed") {
			t.Fatalf("no success message; last error %v", h.a.lastError)
		}

		if eng.during != passphrase || eng.duringErr != nil {
			t.Fatalf("during the change the keychain held %q (%v), not the old passphrase", eng.during, eng.duringErr)
		}

		for _, want := range []string{`"Same one"`, cfg, "CORSO_PASSPHRASE", "in place of the old one", "any copy of it made before now"} {
			if !strings.Contains(h.a.lastInfo, want) {
				t.Errorf("the message does not say %q:\n%s", want, h.a.lastInfo)
			}
		}

		if s, err := h.a.lib.Secrets(ctx, e); err != nil || s.Passphrase != changedPassphrase {
			t.Fatalf("keychain after the change: %v", err)
		}

		if got, _, _ := h.a.lib.Get(ctx, e.ID); got.PassphraseChange != nil {
			t.Fatal("the change's record outlived it")
		}

		_, err := eng.Connect(ctx, repo.Filesystem{Path: folder}, repo.Secrets{Passphrase: passphrase}, repotest.LocalIn(repotest.TempDir(t)))
		repotest.RequireCode(t, err, repo.CodeWrongPassphrase)

		if _, err := eng.Connect(ctx, repo.Filesystem{Path: folder}, repo.Secrets{Passphrase: changedPassphrase}, repotest.LocalIn(repotest.TempDir(t))); err != nil {
			t.Fatalf("the new passphrase does not open it: %v", err)
		}
	})
}

// keychainDuringChange is an engine that reads the keychain (read) at the
// moment a passphrase change reaches it, before the change runs.
type keychainDuringChange struct {
	repo.Engine
	read      func() (string, error)
	during    string
	duringErr error
}

func (k *keychainDuringChange) ChangePassphrase(ctx context.Context, local repo.Local, secrets repo.Secrets, change repo.PassphraseChange) (*repo.Info, error) {
	if k.read != nil {
		k.during, k.duringErr = k.read()
	}

	return k.Engine.ChangePassphrase(ctx, local, secrets, change)
}

// stopsAfterRemovingBlobCfg is the in-process engine, except that a
// passphrase change stops, as a dropped network would, right after its
// first write (kopia.blobcfg removed): the real state such a stop leaves.
type stopsAfterRemovingBlobCfg struct{ repo.Engine }

func (s stopsAfterRemovingBlobCfg) ChangePassphrase(ctx context.Context, local repo.Local, secrets repo.Secrets, change repo.PassphraseChange) (*repo.Info, error) {
	return nil, repo.NewError(repo.CodeUnreachable, nil, "The storage stopped answering.")
}

// TestInterruptedPassphraseChangeFinishesAtNextStart: a change that
// stopped after removing kopia.blobcfg is recorded; the details say so;
// after a restart the app finishes it before anything else, with both
// passphrases from the keychain, and the repository then opens with the
// new one only.
func TestInterruptedPassphraseChangeFinishesAtNextStart(t *testing.T) {
	root := repotest.TempDir(t)
	h := newHarnessOver(t, stopsAfterRemovingBlobCfg{inProcess})
	folder := filepath.Join(root, "folder")
	h.checkFolder(folder)
	e := h.createHere("Folder")

	f := h.openChange(e)
	h.typeInto(f.next.pass, changedPassphrase)
	h.typeInto(f.next.confirm, changedPassphrase)
	h.loop.until(t, "the rating", f.next.ratingDone)

	// The stop leaves what the real change leaves at that point.
	if err := os.Remove(filepath.Join(folder, "kopia.blobcfg.f")); err != nil {
		t.Fatal(err)
	}

	h.tap(f.submit)
	h.idle()

	if h.a.lastError == nil || !strings.Contains(h.a.lastError.Error(), "finishes the change the next time") {
		t.Fatalf("the stop is not explained: %v", h.a.lastError)
	}

	if got, _, _ := h.a.lib.Get(context.Background(), e.ID); got.PassphraseChange == nil {
		t.Fatal("the interrupted change was not recorded")
	}

	if h.detailsButton("Finish the passphrase change…") == nil {
		t.Fatal("the details do not offer to finish the change")
	}

	// A restart, over the real engine.
	h2 := newHarnessOn(t, h.root, h.dirs, h.kc, inProcess)
	h2.loop.onUI(func() { h2.a.selectEntry(e.ID) })
	h2.idle()
	h2.loop.until(t, "the change to finish", func() bool { return strings.Contains(h2.a.lastInfo, "is changed") })

	if h2.a.infos[e.ID] == nil {
		t.Fatalf("not open after finishing; last error %v", h2.a.lastError)
	}

	if s, err := h2.a.lib.Secrets(context.Background(), e); err != nil || s.Passphrase != changedPassphrase {
		t.Fatalf("keychain after finishing: %v", err)
	}

	if _, err := os.Stat(filepath.Join(folder, "kopia.blobcfg.f")); err != nil {
		t.Fatalf("kopia.blobcfg was not written back: %v", err)
	}

	_, err := inProcess.Connect(context.Background(), repo.Filesystem{Path: folder}, repo.Secrets{Passphrase: passphrase}, repotest.LocalIn(repotest.TempDir(t)))
	repotest.RequireCode(t, err, repo.CodeWrongPassphrase)
}

// refusingKeychain is a keychain that refuses to store while refuse is
// set, as a locked or broken one does.
type refusingKeychain struct {
	keychain.Keychain
	refuse atomic.Bool
}

func (k *refusingKeychain) Set(ctx context.Context, account, secret string) error {
	if k.refuse.Load() {
		return errors.New("The keychain is locked.")
	}

	return k.Keychain.Set(ctx, account, secret)
}

// TestPassphraseChangeWhenTheKeychainRefuses: the repository is changed,
// the failure is said, the new passphrase works for the rest of the
// session; after a restart the app knows a change is unsettled and asks
// for the new passphrase (the keychain never had it), then finishes.
func TestPassphraseChangeWhenTheKeychainRefuses(t *testing.T) {
	root := repotest.TempDir(t)
	dirs := platform.Dirs{Config: filepath.Join(root, "config"), Cache: filepath.Join(root, "cache")}
	kc := &refusingKeychain{Keychain: keychaintest.Require(t)}
	h := newHarnessOn(t, root, dirs, kc, inProcess)
	folder := filepath.Join(root, "folder")
	h.checkFolder(folder)
	e := h.createHere("Folder")
	ctx := context.Background()

	f := h.openChange(e)
	kc.refuse.Store(true)
	h.typeInto(f.next.pass, changedPassphrase)
	h.typeInto(f.next.confirm, changedPassphrase)
	h.loop.until(t, "the rating", f.next.ratingDone)
	h.tap(f.submit)
	h.idle()

	if !strings.Contains(h.a.lastInfo, "could not be saved") || !strings.Contains(h.a.lastInfo, "kept in memory until Corso Desktop quits") {
		t.Fatalf("the keychain's refusal is not said: %q (error %v)", h.a.lastInfo, h.a.lastError)
	}

	if s, err := h.a.lib.Secrets(ctx, e); err != nil || s.Passphrase != changedPassphrase {
		t.Fatalf("this session's passphrase: %v", err)
	}

	if _, err := inProcess.Reopen(ctx, h.a.lib.Local(e.ID), repo.Secrets{Passphrase: changedPassphrase}); err != nil {
		t.Fatal(err)
	}

	// A restart, the keychain working again.
	kc.refuse.Store(false)
	h2 := newHarnessOn(t, root, dirs, kc, inProcess)
	h2.loop.onUI(func() { h2.a.selectEntry(e.ID) })
	h2.loop.until(t, "the finish dialog", func() bool { return h2.a.changeForm != nil })

	f2 := h2.a.changeForm
	if f2.current.Text != passphrase || f2.next.pass.Text != "" {
		t.Fatalf("the finish dialog: current %q, new %q", f2.current.Text, f2.next.pass.Text)
	}

	h2.typeInto(f2.next.pass, changedPassphrase)
	h2.typeInto(f2.next.confirm, changedPassphrase)
	h2.loop.until(t, "the rating", f2.next.ratingDone)
	h2.tap(f2.submit)
	h2.idle()

	if !strings.Contains(h2.a.lastInfo, "in place of the old one") {
		t.Fatalf("finishing: %q (error %v)", h2.a.lastInfo, h2.a.lastError)
	}

	if got, _ := kc.Get(ctx, e.ID+"/passphrase"); got != changedPassphrase {
		t.Fatal("the keychain does not hold the new passphrase")
	}
}

// overlayButton is the button labelled text in the topmost dialog, or nil.
func (h *harness) overlayButton(text string) *widget.Button {
	var found *widget.Button

	h.loop.onUI(func() {
		top := h.a.win.Canvas().Overlays().Top()
		if top == nil {
			return
		}

		for _, o := range test.LaidOutObjects(top) {
			if b, ok := o.(*widget.Button); ok && b.Text == text && b.Visible() {
				found = b
			}
		}
	})

	return found
}

// TestPassphraseChangeSaysWhatStillOpensIt, over both engines: on a
// bucket that keeps versions the change says the older kopia.repository
// still opens the repository with the old passphrase, and offers to
// remove it; removed, the bucket holds only the current format and the
// app says how many went. A folder's change says copies of the folder
// still open it.
func TestPassphraseChangeSaysWhatStillOpensIt(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng repo.Engine) {
		m := repotest.Shared(t, repotest.Options{})
		bucket := m.VersionedBucket(t)
		h := newHarnessOver(t, eng)

		h.s3Form(m, bucket, "versioned")
		h.tap(h.a.flow.checkButton)
		h.idle()
		e := h.createHere("Versioned")

		f := h.openChange(e)
		if !strings.Contains(f.introText, "older version the bucket keeps") {
			t.Fatalf("the change dialog does not say what the old passphrase still opens: %q", f.introText)
		}

		h.typeInto(f.next.pass, changedPassphrase)
		h.typeInto(f.next.confirm, changedPassphrase)
		h.loop.until(t, "the rating", f.next.ratingDone)
		h.tap(f.submit)
		h.idle()

		if !strings.Contains(h.a.lastInfo, "1 older version of kopia.repository is in it") {
			t.Fatalf("after the change: %q (last error %v)", h.a.lastInfo, h.a.lastError)
		}

		remove := h.overlayButton("Remove the older versions…")
		if remove == nil {
			t.Fatal("no offer to remove the older versions")
		}

		h.tap(remove)

		d, ok := h.a.dialog.(*dialog.ConfirmDialog)
		if !ok {
			t.Fatal("no confirmation before removing")
		}

		h.loop.onUI(func() { d.Confirm() })
		h.idle()

		if !strings.HasPrefix(h.a.lastInfo, "Removed 3 older versions.") {
			t.Fatalf("after the removal: %q (last error %v)", h.a.lastInfo, h.a.lastError)
		}

		prefix := "versioned/kopia."
		if left := m.Versions(t, bucket, prefix); len(left) != 2 {
			t.Fatalf("the bucket keeps %v", left)
		}
	})
}
