package library_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/platform/keychain/keychaintest"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// TestPendingPassphraseChange: a started change survives a restart (its
// record in the settings file, its new passphrase in the keychain beside
// the current one, never in the file); finishing stores the new
// passphrase and drops both; Forget removes a waiting one too; without
// "remember" the new passphrase is kept for the session only.
func TestPendingPassphraseChange(t *testing.T) {
	kc := keychaintest.Require(t)
	ctx := context.Background()
	dirs := testDirs(t)
	lib := open(t, dirs, kc)

	e := library.NewEntry("folder", repo.Filesystem{Path: "/r"})
	old := repo.Secrets{Passphrase: "the old passphrase"}

	if err := lib.Save(ctx, e); err != nil {
		t.Fatal(err)
	}

	if _, err := lib.StoreSecrets(ctx, e, old); err != nil {
		t.Fatal(err)
	}

	locked := repo.Retention{Mode: "GOVERNANCE", Period: 48 * time.Hour}
	if err := lib.StartPassphraseChange(ctx, &e, "the new passphrase", locked); err != nil {
		t.Fatal(err)
	}

	restarted := open(t, dirs, kc)

	got, ok, err := restarted.Get(ctx, e.ID)
	if err != nil || !ok || got.PassphraseChange == nil || got.PassphraseChange.Retention() != locked {
		t.Fatalf("the record after a restart: %+v %v", got.PassphraseChange, err)
	}

	if p, err := restarted.PendingPassphrase(ctx, got); err != nil || p != "the new passphrase" {
		t.Fatalf("the new passphrase after a restart: %q %v", p, err)
	}

	if s, err := restarted.Secrets(ctx, got); err != nil || s.Passphrase != old.Passphrase {
		t.Fatalf("the current passphrase was touched: %q %v", s.Passphrase, err)
	}

	if scanForSecrets(t, encodings("the new passphrase"), dirs.Config) == 0 {
		t.Fatal("no file was scanned")
	}

	if _, err := restarted.FinishPassphraseChange(ctx, &got, repo.Secrets{Passphrase: "the new passphrase"}); err != nil {
		t.Fatal(err)
	}

	again := open(t, dirs, kc)
	if g, _, _ := again.Get(ctx, e.ID); g.PassphraseChange != nil {
		t.Fatal("the record outlived the change")
	}

	if _, err := again.PendingPassphrase(ctx, got); !errors.Is(err, library.ErrNeedPassphrase) {
		t.Fatalf("the waiting passphrase outlived the change: %v", err)
	}

	if s, err := again.Secrets(ctx, got); err != nil || s.Passphrase != "the new passphrase" {
		t.Fatalf("the keychain holds %q (%v), want the new passphrase", s.Passphrase, err)
	}

	// Forget removes a waiting passphrase.
	if err := again.StartPassphraseChange(ctx, &got, "a third passphrase", repo.Retention{}); err != nil {
		t.Fatal(err)
	}

	if err := again.Forget(ctx, eng, e.ID); err != nil {
		t.Fatal(err)
	}

	if _, err := kc.Get(ctx, e.ID+"/new-passphrase"); keychain.CodeOf(err) != keychain.CodeNotFound {
		t.Fatalf("Forget left the waiting passphrase in the keychain: %v", err)
	}

	// Not remembered: the session only.
	session := library.NewEntry("session", repo.Filesystem{Path: "/s"})
	session.RememberPassphrase = false

	if err := lib.StartPassphraseChange(ctx, &session, "only in memory", repo.Retention{}); err != nil {
		t.Fatal(err)
	}

	if p, err := lib.PendingPassphrase(ctx, session); err != nil || p != "only in memory" {
		t.Fatalf("this session: %q %v", p, err)
	}

	if _, err := kc.Get(ctx, session.ID+"/new-passphrase"); keychain.CodeOf(err) != keychain.CodeNotFound {
		t.Fatalf("a passphrase the user asked not to remember went into the keychain: %v", err)
	}

	if _, err := open(t, dirs, kc).PendingPassphrase(ctx, session); !errors.Is(err, library.ErrNeedPassphrase) {
		t.Fatalf("the next session must ask: %v", err)
	}
}
