package repo_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

func TestMain(m *testing.M) {
	repotest.Main(m, func() {
		// The helper built for these tests is 40 MB: never leave it behind.
		if enginePath != "" {
			os.RemoveAll(filepath.Dir(enginePath)) //nolint:errcheck
		}
	})
}

const testPassphrase = "correct horse battery staple 42"

func localIn(dir string) repo.Local {
	return repo.Local{
		ConfigFile: filepath.Join(dir, "state", "repository.config"),
		CacheDir:   filepath.Join(dir, "cache"),
	}
}

// treeDigest maps every path under root to its mode and content hash, so a
// test can prove an operation changed nothing.
func treeDigest(t *testing.T, root string) []string {
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

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}

	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}

	return true
}

func requireCode(t *testing.T, err error, want repo.Code) {
	t.Helper()

	if err == nil {
		t.Fatalf("got no error, want code %v", want)
	}

	if got := repo.CodeOf(err); got != want {
		t.Fatalf("got code %v (%v), want %v", got, err, want)
	}
}

// requireCorsoFormat checks every format parameter Corso's CLI creates.
func requireCorsoFormat(t *testing.T, info *repo.Info) {
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
