package kopiaengine_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

func TestFilesystemLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	repoPath := filepath.Join(dir, "missing", "parents", "corso-repo")
	local := repotest.LocalIn(filepath.Join(dir, "app"))
	settings := repo.Filesystem{Path: repoPath}

	var info *repo.Info

	withUmask(0, func() {
		var err error

		info, err = eng.Initialize(ctx, settings, repo.Secrets{Passphrase: repotest.Passphrase}, local)
		if err != nil {
			t.Fatalf("initialize: %v", err)
		}
	})

	repotest.RequireCorsoFormat(t, info)

	if !strings.Contains(info.Storage, repoPath) {
		t.Errorf("storage description %q does not name %s", info.Storage, repoPath)
	}

	t.Run("modes are private", func(t *testing.T) {
		for _, root := range []string{filepath.Join(dir, "missing"), filepath.Join(dir, "app")} {
			requirePrivateTree(t, root)
		}
	})

	t.Run("reopen", func(t *testing.T) {
		again, err := eng.Reopen(ctx, local, repo.Secrets{Passphrase: repotest.Passphrase})
		if err != nil {
			t.Fatal(err)
		}

		if again.UniqueID != info.UniqueID {
			t.Fatalf("reopened %s, created %s", again.UniqueID, info.UniqueID)
		}
	})

	t.Run("wrong passphrase", func(t *testing.T) {
		other := repotest.LocalIn(t.TempDir())

		_, err := eng.Connect(ctx, settings, repo.Secrets{Passphrase: "not the passphrase"}, other)
		repotest.RequireCode(t, err, repo.CodeWrongPassphrase)

		var e *repo.Error
		if !errors.As(err, &e) || e.Field != repo.FieldPassphrase {
			t.Fatalf("wrong passphrase error does not point at the passphrase field: %#v", err)
		}

		if _, err := os.Stat(other.ConfigFile); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("a failed connect left its connection file behind: %v", err)
		}
	})

	t.Run("a mistyped passphrase keeps the working connection", func(t *testing.T) {
		before, _ := os.ReadFile(local.ConfigFile)

		_, err := eng.Connect(ctx, settings, repo.Secrets{Passphrase: "typo"}, local)
		repotest.RequireCode(t, err, repo.CodeWrongPassphrase)

		if after, _ := os.ReadFile(local.ConfigFile); string(after) != string(before) {
			t.Fatal("the failed connect changed or removed the existing connection file")
		}

		if _, err := eng.Reopen(ctx, local, repo.Secrets{Passphrase: repotest.Passphrase}); err != nil {
			t.Fatalf("the earlier connection no longer opens: %v", err)
		}
	})

	t.Run("connect", func(t *testing.T) {
		other := repotest.LocalIn(t.TempDir())

		got, err := eng.Connect(ctx, settings, repo.Secrets{Passphrase: repotest.Passphrase}, other)
		if err != nil {
			t.Fatal(err)
		}

		repotest.RequireCorsoFormat(t, got)

		if got.UniqueID != info.UniqueID {
			t.Fatalf("connected to %s, created %s", got.UniqueID, info.UniqueID)
		}
	})

	t.Run("init over a repository changes nothing", func(t *testing.T) {
		before := repotest.TreeDigest(t, repoPath)

		_, err := eng.Initialize(ctx, settings, repo.Secrets{Passphrase: "another passphrase"}, repotest.LocalIn(t.TempDir()))
		repotest.RequireCode(t, err, repo.CodeAlreadyRepository)

		if after := repotest.TreeDigest(t, repoPath); !slices.Equal(before, after) {
			t.Fatalf("repository changed:\n%v\n%v", before, after)
		}
	})

	t.Run("disconnect", func(t *testing.T) {
		if err := eng.Disconnect(ctx, local); err != nil {
			t.Fatal(err)
		}

		for _, p := range []string{local.ConfigFile, local.CacheDir} {
			if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s still exists after disconnect", p)
			}
		}

		_, err := eng.Reopen(ctx, local, repo.Secrets{Passphrase: repotest.Passphrase})
		repotest.RequireCode(t, err, repo.CodeNotConnected)

		if _, err := os.Stat(filepath.Join(repoPath, "kopia.repository.f")); err != nil {
			t.Fatalf("disconnect touched the repository: %v", err)
		}
	})
}

func requirePrivateTree(t *testing.T, root string) {
	t.Helper()

	n := 0

	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}

		fi, err := d.Info()
		if err != nil {
			return err
		}

		n++

		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}

		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", p, fi.Mode().Perm(), want)
		}

		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	if n < 3 {
		t.Fatalf("only %d entries under %s: nothing was checked", n, root)
	}
}

func TestFilesystemRefusesForeignData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}

	before := repotest.TreeDigest(t, dir)

	_, err := eng.Initialize(ctx, repo.Filesystem{Path: dir}, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeNotEmpty)

	if after := repotest.TreeDigest(t, dir); !slices.Equal(before, after) {
		t.Fatalf("folder changed:\n%v\n%v", before, after)
	}

	_, err = eng.Connect(ctx, repo.Filesystem{Path: dir}, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeNoRepository)
}

func TestFilesystemConnectToEmptyFolder(t *testing.T) {
	_, err := eng.Connect(context.Background(), repo.Filesystem{Path: t.TempDir()}, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeNoRepository)
}

func TestFilesystemRefusesPrefix(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")

	_, err := eng.Initialize(context.Background(), repo.Filesystem{Path: dir, Prefix: "backups"}, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))

	var fe repo.FieldErrors
	if !errors.As(err, &fe) || fe.For(repo.FieldPrefix) == "" {
		t.Fatalf("prefix not refused: %v", err)
	}

	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a refused initialize created the folder")
	}
}

func TestMissingPassphraseIsAFieldError(t *testing.T) {
	_, err := eng.Initialize(context.Background(), repo.Filesystem{Path: t.TempDir()}, repo.Secrets{}, repotest.LocalIn(t.TempDir()))

	var fe repo.FieldErrors
	if !errors.As(err, &fe) || fe.For(repo.FieldPassphrase) == "" {
		t.Fatalf("empty passphrase not refused as a field error: %v", err)
	}
}

func TestFilesystemCancelledBeforeWriting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	dir := filepath.Join(t.TempDir(), "repo")

	_, err := eng.Initialize(ctx, repo.Filesystem{Path: dir}, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeCanceled)

	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel error does not unwrap to context.Canceled: %v", err)
	}
}

// TestExistingFolderIsMadePrivate: a folder the user picked with mode 0755
// is narrowed to 0700 when the repository is created in it, and the check
// said beforehand that it would be.
func TestExistingFolderIsMadePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "picked")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	rep, err := eng.Check(context.Background(), repo.Filesystem{Path: dir}, repo.S3Secrets{}, repo.CheckWrite)
	if err != nil || !strings.Contains(rep.Lines[0].Message, "0755") || !strings.Contains(rep.Lines[0].Message, "0700") {
		t.Fatalf("the check does not say the permissions will change: %+v %v", rep.Lines, err)
	}

	if _, err := eng.Initialize(context.Background(), repo.Filesystem{Path: dir}, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("the repository folder has mode %v", fi.Mode())
	}
}
