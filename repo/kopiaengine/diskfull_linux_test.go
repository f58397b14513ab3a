package kopiaengine_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// tinyDisk mounts a tmpfs of size bytes for the test (root only: CI runs
// as root, so there a missing mount fails the run).
func tinyDisk(t *testing.T, size string) string {
	t.Helper()

	dir := t.TempDir()

	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mounting a small tmpfs: %v %s", err, out)
		}

		t.Skipf("cannot mount a tmpfs here (%v); CI runs this as root", err)
	}

	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() }) //nolint:errcheck

	return dir
}

// TestDiskFullIsSaidSo: a folder repository on a disk that fills up during
// the create gets the disk-full sentence, never "something unexpected",
// and the next check names what is there.
func TestDiskFullIsSaidSo(t *testing.T) {
	disk := tinyDisk(t, "16k")
	s := repo.Filesystem{Path: filepath.Join(disk, "repo")}

	_, err := eng.Initialize(context.Background(), s, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeDiskFull)

	if !strings.Contains(err.Error(), "full") {
		t.Fatalf("sentence: %v", err)
	}

	rep, err := eng.Check(context.Background(), s, repo.S3Secrets{}, repo.CheckRead)
	if err != nil || (rep.State != repo.StateHalfMade && rep.State != repo.StateEmpty) {
		t.Fatalf("after a full disk the check says %v (%v)", rep.State, err)
	}
}

// TestUnusableConnectionFolderRefusesBeforeWriting: when the app's own
// folder for the connection cannot be written, create refuses before the
// repository's folder is even made.
func TestUnusableConnectionFolderRefusesBeforeWriting(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "settings")

	if err := os.WriteFile(blocker, []byte("a file where a folder should be"), 0o600); err != nil {
		t.Fatal(err)
	}

	target := filepath.Join(dir, "repo")
	local := repo.Local{ConfigFile: filepath.Join(blocker, "state", "repository.config")}

	_, err := eng.Initialize(context.Background(), repo.Filesystem{Path: target}, repo.Secrets{Passphrase: repotest.Passphrase}, local)
	repotest.RequireCode(t, err, repo.CodeAccessDenied)

	if _, serr := os.Stat(target); !os.IsNotExist(serr) {
		t.Fatalf("the repository folder was made although the connection could not be saved: %v", err)
	}
}
