package repotest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kopia/kopia/repo/blob"
)

// FolderBlob is where kopia's sharded folder storage keeps id.
func FolderBlob(t testing.TB, root string, id blob.ID) string {
	t.Helper()

	var found string

	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error { //nolint:errcheck
		if rel, _ := filepath.Rel(root, p); err == nil && !d.IsDir() && strings.ReplaceAll(rel, string(filepath.Separator), "") == string(id)+".f" {
			found = p
		}

		return nil
	})

	if found == "" {
		t.Fatalf("no file for %s under %s", id, root)
	}

	return found
}
