package platform_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/corsodesktop/corso-desktop/platform"
)

// TestPrivateOnEveryOS: what the app creates, and a folder it makes
// private, is private by the OS's own rules (modes on Unix, an owner-only
// access list on Windows), read back from the file system.
func TestPrivateOnEveryOS(t *testing.T) {
	if !platform.KeepsAccessLists(os.TempDir()) {
		// The list itself is checked by TestOwnerOnlyACL.
		t.Skip("this file system (Wine) accepts access lists and keeps none, so they cannot be read back")
	}

	root := t.TempDir()

	settings := filepath.Join(root, "config", "corso-desktop", "repositories.json")
	if err := platform.WriteFileAtomic(settings, []byte("{}")); err != nil {
		t.Fatal(err)
	}

	for _, p := range []string{filepath.Dir(settings), filepath.Dir(filepath.Dir(settings)), settings} {
		if ok, err := platform.IsPrivate(p); err != nil || !ok {
			t.Errorf("%s is not private (%v)", p, err)
		}
	}

	// The temporary folder is not the app's: it was not made private.
	chosen := filepath.Join(root, "chosen")
	if err := os.Mkdir(chosen, 0o755); err != nil {
		t.Fatal(err)
	}

	if ok, _ := platform.IsPrivate(chosen); ok {
		t.Fatalf("a folder made with the defaults is already private: the check proves nothing here")
	}

	if err := platform.MakePrivate(chosen); err != nil {
		t.Fatal(err)
	}

	inside := filepath.Join(chosen, "kopia.repository.f")
	if err := os.WriteFile(inside, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, p := range []string{chosen, inside} {
		if ok, err := platform.IsPrivate(p); err != nil || !ok {
			t.Errorf("%s is not private after MakePrivate (%v)", p, err)
		}
	}
}
