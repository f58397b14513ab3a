//go:build unix

package corsoconfig_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestImportReadsOnlySmallRegularFiles: a named pipe, a device, a folder and
// a huge file each get their own sentence, at once.
func TestImportReadsOnlySmallRegularFiles(t *testing.T) {
	dir := t.TempDir()

	fifo := filepath.Join(dir, "fifo.toml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}

	zero := filepath.Join(dir, "zero.toml")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}

	huge := filepath.Join(dir, "huge.toml")

	var b strings.Builder
	for i := 0; b.Len() < 50<<20; i++ {
		fmt.Fprintf(&b, "key%d = %d\n", i, i)
	}

	if err := os.WriteFile(huge, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	for path, want := range map[string]string{fifo: "a named pipe", zero: "a device", dir: "a folder", huge: "larger than"} {
		_, err := corsoconfig.Import(path)
		repotest.RequireCode(t, err, repo.CodeConfigFile)

		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %q does not say %q", path, err, want)
		}
	}
}
