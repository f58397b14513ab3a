//go:build unix

package platform_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/corsodesktop/corso-desktop/platform"
)

func TestWriteFileAtomicIsPrivateWhateverTheUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	root := t.TempDir()
	path := filepath.Join(root, "a", "b", "settings.json")

	for _, content := range []string{"first", "second, longer than the first"} {
		if err := platform.WriteFileAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}

		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}

	for _, p := range []string{filepath.Join(root, "a"), filepath.Join(root, "a", "b")} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v, want 0700", p, fi.Mode().Perm(), err)
		}
	}

	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}

	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}

	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestMkdirPrivateLeavesExistingParentsAlone(t *testing.T) {
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}

	if err := platform.MkdirPrivate(filepath.Join(root, "new", "deeper")); err != nil {
		t.Fatal(err)
	}

	if fi, _ := os.Stat(root); fi.Mode().Perm() != 0o755 {
		t.Errorf("an existing parent was changed to %v", fi.Mode().Perm())
	}

	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	if err := platform.MkdirPrivate(filepath.Join(file, "sub")); err == nil {
		t.Error("a folder under a file was accepted")
	}
}
