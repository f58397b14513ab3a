// Package testdir gives tests a temporary folder that is removed even under
// Wine, where the Windows tests run.
package testdir

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// New is t.TempDir, removed at the end by a walk that deletes one file at a
// time when os.RemoveAll cannot: on Windows, Go's RemoveAll uses a
// POSIX-semantics delete that Wine 8 answers with "Invalid function".
func New(t testing.TB) string {
	t.Helper()

	dir, err := os.MkdirTemp("", "corso-desktop-test-")
	if err != nil {
		t.Fatal(err)
	}

	t.Cleanup(func() {
		if os.RemoveAll(dir) == nil {
			return
		}

		var folders []string

		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error { //nolint:errcheck
			if err == nil && d.IsDir() {
				folders = append(folders, p)
			} else if err == nil {
				os.Remove(p) //nolint:errcheck
			}

			return nil
		})

		for i := len(folders) - 1; i >= 0; i-- {
			os.Remove(folders[i]) //nolint:errcheck
		}

		if _, err := os.Stat(dir); err == nil {
			t.Errorf("could not remove %s", dir)
		}
	})

	return dir
}
