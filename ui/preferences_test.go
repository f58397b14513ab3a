package ui

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/platform/keychain"
)

// The app runs on Fyne's real app type (headless under -tags ci), whose
// preferences store writes preferences.json on every change; the app must
// keep those preferences in memory so that file is never written.
func TestFynePreferencesStayInMemory(t *testing.T) {
	// Not t.TempDir: Fyne's file watcher recreates its folder whenever it
	// is removed, so it cannot be cleaned up while the test binary runs;
	// TestMain removes this run's own folder once every test is done.
	tmp := fyneTempDir(t)
	store := filepath.Join(tmp, "fyne-test", AppID, "preferences.json")
	t.Setenv("TMPDIR", tmp) // Fyne's config root under -tags ci
	t.Cleanup(func() { fyne.SetCurrentApp(nil) })

	fa := app.NewWithID(AppID)
	root := t.TempDir()
	New(fa, Options{
		Engine:          inProcess,
		Dirs:            platform.Dirs{Config: filepath.Join(root, "config"), Cache: filepath.Join(root, "cache")},
		Keychain:        keychain.NewMemory(),
		CorsoConfigPath: filepath.Join(root, ".corso.toml"),
		Post:            func(f func()) { f() },
	})

	const key = "fyne:fileDialogLastFolder"
	fa.Preferences().SetString(key, "/srv/backups")
	if got := fa.Preferences().String(key); got != "/srv/backups" {
		t.Fatalf("preference read back as %q", got)
	}

	// Fyne's own store saves right after a change: watch for the file for
	// a while; it must never appear.
	for until := time.Now().Add(time.Second); time.Now().Before(until); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(store); !os.IsNotExist(err) {
			t.Fatalf("Fyne preferences were written to %s (stat: %v)", store, err)
		}
	}
}
