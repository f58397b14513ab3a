package repotest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/corsodesktop/corso-desktop/internal/testdir"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/engineproto"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
)

// Passphrase is the passphrase of test repositories.
const Passphrase = "correct horse battery staple 42"

var (
	helperOnce sync.Once
	helperPath string
	helperErr  error
)

// HelperPath builds the real corso-desktop-engine helper once per test
// binary and returns its path; Main removes it (it is 40 MB). With
// CORSO_ENGINE_HELPER set it is that helper instead: the Windows test
// (scripts/wine-test.sh) hands these tests the packaged engine.
func HelperPath(t testing.TB) string {
	t.Helper()

	if p := os.Getenv("CORSO_ENGINE_HELPER"); p != "" {
		return p
	}

	helperOnce.Do(func() {
		dir, err := os.MkdirTemp("", "corso-desktop-engine-")
		if err != nil {
			helperErr = err
			return
		}

		helperPath = filepath.Join(dir, engineproto.HelperName)
		// go test puts its own go command first in PATH.
		out, err := exec.Command("go", "build", "-o", helperPath, "github.com/corsodesktop/corso-desktop/cmd/corso-desktop-engine").CombinedOutput()
		if err != nil {
			helperErr = errors.New(string(out))
		}
	})

	if helperErr != nil {
		t.Fatalf("building the engine helper: %v", helperErr)
	}

	return helperPath
}

func removeHelper() {
	if helperPath != "" {
		os.RemoveAll(filepath.Dir(helperPath)) //nolint:errcheck
	}
}

// Helper is a client of the real helper binary: the engine of the release
// app.
func Helper(t testing.TB) *engineproto.Client {
	return engineproto.NewClient(HelperPath(t))
}

// Engines are both implementations of repo.Engine, by name, for tests that
// hold them to one contract.
func Engines(t testing.TB) map[string]repo.Engine {
	return map[string]repo.Engine{"in-process": kopiaengine.New(), "helper": Helper(t)}
}

// TempDir is a temporary folder removed even under Wine (testdir.New).
func TempDir(t testing.TB) string {
	t.Helper()

	return testdir.New(t)
}

// LocalIn is a connection state under dir.
func LocalIn(dir string) repo.Local {
	return repo.Local{
		ConfigFile: filepath.Join(dir, "state", "repository.config"),
		CacheDir:   filepath.Join(dir, "cache"),
	}
}

// TreeDigest maps every path under root to its mode and content hash, so a
// test can prove an operation changed nothing.
func TreeDigest(t testing.TB, root string) []string {
	t.Helper()

	var out []string

	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}

		fi, err := d.Info()
		if err != nil {
			return err
		}

		entry := p + " " + fi.Mode().String()

		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}

			sum := sha256.Sum256(b)
			entry += " " + hex.EncodeToString(sum[:8])
		}

		out = append(out, entry)

		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	sort.Strings(out)

	return out
}

// RequireCode fails unless err is a repo error with code want.
func RequireCode(t testing.TB, err error, want repo.Code) {
	t.Helper()

	if err == nil {
		t.Fatalf("got no error, want code %v", want)
	}

	if got := repo.CodeOf(err); got != want {
		t.Fatalf("got code %v (%v), want %v", got, err, want)
	}
}

// RequireCorsoFormat checks every format parameter Corso's CLI creates.
func RequireCorsoFormat(t testing.TB, info *repo.Info) {
	t.Helper()

	checks := []struct {
		name      string
		got, want any
	}{
		{"format version", info.FormatVersion, 3},
		{"key derivation", info.KeyDerivation, "scrypt-65536-8-1"},
		{"encryption", info.Encryption, "AES256-GCM-HMAC-SHA256"},
		{"hash", info.Hash, "BLAKE2B-256-128"},
		{"splitter", info.Splitter, "DYNAMIC-4M-BUZHASH"},
		{"ecc", info.ECC, ""},
		{"max pack size", info.MaxPackSize, 20 << 20},
		{"min epoch duration", info.MinEpochDuration.String(), "8h0m0s"},
		{"corso settings", info.CorsoSettings, true},
	}

	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v (differences: %v)", c.name, c.got, c.want, info.Differences)
		}
	}

	if len(info.UniqueID) != 64 {
		t.Errorf("unique ID %q is not 32 hex bytes", info.UniqueID)
	}

	if info.Created.IsZero() {
		t.Error("creation time unknown")
	}
}
