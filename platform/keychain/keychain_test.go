package keychain_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/platform/keychain/keychaintest"
)

func requireCode(t *testing.T, err error, want keychain.Code) {
	t.Helper()

	if got := keychain.CodeOf(err); err == nil || got != want {
		t.Fatalf("got %v (code %d), want code %d", err, got, want)
	}

	if !strings.HasSuffix(err.Error(), ".") || strings.Contains(err.Error(), "dbus") {
		t.Fatalf("message is not a plain sentence: %q", err.Error())
	}
}

// exercise is what every keychain must do, persistent or not.
func exercise(t *testing.T, kc keychain.Keychain) {
	ctx := context.Background()

	_, err := kc.Get(ctx, "repo-1/passphrase")
	requireCode(t, err, keychain.CodeNotFound)

	secret := "correct horse — battery staple ✓"
	if err := kc.Set(ctx, "repo-1/passphrase", secret); err != nil {
		t.Fatal(err)
	}

	if err := kc.Set(ctx, "repo-2/passphrase", "other"); err != nil {
		t.Fatal(err)
	}

	if got, err := kc.Get(ctx, "repo-1/passphrase"); err != nil || got != secret {
		t.Fatalf("Get = %q, %v", got, err)
	}

	if err := kc.Set(ctx, "repo-1/passphrase", "replaced"); err != nil {
		t.Fatal(err)
	}

	if got, _ := kc.Get(ctx, "repo-1/passphrase"); got != "replaced" {
		t.Fatalf("Set did not replace: %q", got)
	}

	if err := kc.Delete(ctx, "repo-1/passphrase"); err != nil {
		t.Fatal(err)
	}

	_, err = kc.Get(ctx, "repo-1/passphrase")
	requireCode(t, err, keychain.CodeNotFound)

	if err := kc.Delete(ctx, "repo-1/passphrase"); err != nil {
		t.Fatalf("deleting a missing entry: %v", err)
	}

	if got, _ := kc.Get(ctx, "repo-2/passphrase"); got != "other" {
		t.Fatalf("the other repository's entry changed: %q", got)
	}

	kc.Delete(ctx, "repo-2/passphrase") //nolint:errcheck
}

func TestSystemKeychain(t *testing.T) {
	exercise(t, keychaintest.Require(t))
}

func TestMemoryKeychain(t *testing.T) {
	exercise(t, keychain.NewMemory())
}

func TestTooLargeIsRefusedBeforeTheKeychain(t *testing.T) {
	kc := keychaintest.Require(t)
	ctx := context.Background()

	err := kc.Set(ctx, "big", strings.Repeat("x", keychain.MaxSecretBytes+1))
	requireCode(t, err, keychain.CodeTooLarge)

	_, err = kc.Get(ctx, "big")
	requireCode(t, err, keychain.CodeNotFound)

	if err := kc.Set(ctx, "big", strings.Repeat("x", keychain.MaxSecretBytes)); err != nil {
		t.Fatalf("a secret at the limit: %v", err)
	}

	kc.Delete(ctx, "big") //nolint:errcheck
}

func TestNoSecretService(t *testing.T) {
	if !keychaintest.Isolated(t) {
		return
	}

	keychaintest.NewBus(t).Use(t)

	kc := keychain.System{Timeout: 10 * time.Second}
	start := time.Now()

	requireCode(t, kc.Set(context.Background(), "a", "b"), keychain.CodeUnavailable)

	_, err := kc.Get(context.Background(), "a")
	requireCode(t, err, keychain.CodeUnavailable)

	if !keychain.Unusable(err) {
		t.Fatal("an absent Secret Service must count as unusable")
	}

	if time.Since(start) > 5*time.Second {
		t.Fatal("an absent Secret Service should be reported at once, not after the timeout")
	}
}

func TestStoppedDaemon(t *testing.T) {
	if !keychaintest.Isolated(t) {
		return
	}

	bus := keychaintest.NewBus(t)
	bus.StartKeyring(t)
	bus.Use(t)

	kc := keychain.System{Timeout: 10 * time.Second}
	ctx := context.Background()

	if err := kc.Set(ctx, "a", "b"); err != nil {
		t.Fatalf("with the daemon running: %v", err)
	}

	bus.StopKeyring()

	_, err := kc.Get(ctx, "a")
	requireCode(t, err, keychain.CodeUnavailable)
}

func TestLockedKeyring(t *testing.T) {
	if !keychaintest.Isolated(t) {
		return
	}

	bus := keychaintest.NewBus(t)
	bus.StartKeyring(t)
	bus.Use(t)

	kc := keychain.System{Timeout: 10 * time.Second}
	ctx := context.Background()

	if err := kc.Set(ctx, "a", "b"); err != nil {
		t.Fatalf("while unlocked: %v", err)
	}

	// No display here, so the unlock prompt cannot be shown and is dismissed.
	bus.Lock(t)

	_, err := kc.Get(ctx, "a")
	requireCode(t, err, keychain.CodeLocked)
	requireCode(t, kc.Set(ctx, "c", "d"), keychain.CodeLocked)
}

func TestKeychainThatNeverAnswers(t *testing.T) {
	if !keychaintest.Isolated(t) {
		return
	}

	bus := keychaintest.NewBus(t)
	bus.StartStalledService(t)
	bus.Use(t)

	kc := keychain.System{Timeout: 300 * time.Millisecond}
	start := time.Now()

	_, err := kc.Get(context.Background(), "a")
	requireCode(t, err, keychain.CodeTimeout)

	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("the timeout took %s", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	kc.Timeout = time.Minute

	time.AfterFunc(100*time.Millisecond, cancel)

	requireCode(t, kc.Set(ctx, "a", "b"), keychain.CodeCanceled)
}
