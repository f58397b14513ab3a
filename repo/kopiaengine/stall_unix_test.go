//go:build unix

package kopiaengine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// blockReads turns every blob file of a folder repository into a named
// pipe of the same name, so that a read of any of them blocks (what a
// hung network share does), and returns what undoes it.
func blockReads(t *testing.T, root string) (undo func()) {
	t.Helper()

	var moved [][2]string

	aside := t.TempDir()

	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".f") || strings.HasPrefix(d.Name(), ".") {
			return err
		}

		to := filepath.Join(aside, fmt.Sprint(len(moved)))
		if err := os.Rename(path, to); err != nil {
			return err
		}

		moved = append(moved, [2]string{path, to})

		return syscall.Mkfifo(path, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}

	return func() {
		for _, mv := range moved {
			// A reader blocked on the pipe gets its end, then the file is back.
			if f, err := os.OpenFile(mv[0], os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				f.Close()
			}

			os.Remove(mv[0])        //nolint:errcheck
			os.Rename(mv[1], mv[0]) //nolint:errcheck
		}
	}
}
