package library_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/platform/keychain/keychaintest"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/library"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

func randomSecret(t *testing.T, label string) string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}

	return label + "-" + hex.EncodeToString(b)
}

// encodings are the forms a secret could leak in: as is, hex, and base64
// (standard and URL alphabets) at each of the three byte alignments it can
// have inside a longer encoded value.
func encodings(secret string) []string {
	out := []string{secret, hex.EncodeToString([]byte(secret))}

	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for pad := 0; pad < 3; pad++ {
			full := enc.EncodeToString(append(make([]byte, pad), secret...))
			// Skip characters that mix in the padding bytes or what follows.
			out = append(out, full[4:len(full)-4])
		}
	}

	return out
}

// scanForSecrets reads every byte of every file under each root.
func scanForSecrets(t *testing.T, secrets []string, roots ...string) (files int) {
	t.Helper()

	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}

			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}

			files++

			for _, s := range secrets {
				for _, form := range encodings(s) {
					if bytes.Contains(data, []byte(form)) {
						label, _, _ := strings.Cut(s, "-")
						if len(label) > 12 {
							label = label[:4] + "…" // a key without a label: never print it whole
						}

						t.Errorf("%s holds a secret (%q, as %q)", p, label, form)
					}
				}
			}

			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	return files
}

// TestNoSecretOnDisk runs the app's whole create / connect / restart /
// reopen / export flow against a real keychain, a real folder and a real
// MinIO with temporary keys, then reads every file the app, kopia or the
// OS temp dir could have written and fails on any trace of a secret.
func TestNoSecretOnDisk(t *testing.T) {
	noSecretOnDisk(t, keychaintest.Require(t), true, library.InKeychain)
}

// TestNoSecretOnDiskRememberOff: the same with "Remember" off: secrets live
// in memory only, and nothing on disk has them either.
func TestNoSecretOnDiskRememberOff(t *testing.T) {
	noSecretOnDisk(t, keychaintest.Require(t), false, library.ForSession)
}

// TestNoSecretOnDiskWithoutKeychain: the same with no Secret Service at
// all (a private session bus with nobody on it): the secrets are kept for
// the session, and nothing falls back to a file.
func TestNoSecretOnDiskWithoutKeychain(t *testing.T) {
	if !keychaintest.Isolated(t) {
		return
	}

	keychaintest.NewBus(t).Use(t)
	noSecretOnDisk(t, keychain.System{}, true, library.ForSession)
}

func noSecretOnDisk(t *testing.T, kc keychain.Keychain, remember bool, wantHome library.SecretsHome) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)

	user, userSecret := randomSecret(t, "user")[:20], randomSecret(t, "usersecret")
	m.AddUser(t, user, userSecret, bucket, []string{"s3:PutObject", "s3:GetObject", "s3:ListBucket", "s3:DeleteObject", "s3:GetBucketLocation"})
	accessKey, secretKey, token := m.TemporaryCredentials(t, user, userSecret)

	root := t.TempDir()
	for _, env := range []string{"HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "TMPDIR"} {
		dir := filepath.Join(root, strings.ToLower(env))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}

		t.Setenv(env, dir)
	}

	dirs, err := platform.UserDirs()
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	lib := open(t, dirs, kc)
	passphrase := randomSecret(t, "passphrase")
	folderRepo := filepath.Join(root, "home", "Corso backups", "dépôt")

	entries := []struct {
		entry   library.Entry
		secrets repo.Secrets
	}{
		{library.NewEntry("folder", repo.Filesystem{Path: folderRepo}), repo.Secrets{Passphrase: passphrase}},
		{library.NewEntry("minio", repo.S3Compatible{
			S3:       repo.S3{Bucket: bucket, Prefix: "tenant/", Credentials: repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: accessKey}},
			Endpoint: m.Endpoint, DisableTLS: true,
		}), repo.Secrets{Passphrase: passphrase, S3: repo.S3Secrets{SecretAccessKey: secretKey, SessionToken: token}}},
	}

	for _, c := range entries {
		e := c.entry
		e.RememberPassphrase = remember

		if err := lib.Save(ctx, e); err != nil {
			t.Fatal(err)
		}

		if home, err := lib.StoreSecrets(ctx, e, c.secrets); home != wantHome || (wantHome == library.InKeychain && err != nil) {
			t.Fatalf("%s: StoreSecrets = %v, %v", e.Name, home, err)
		}

		if _, err := eng.Check(ctx, e.Settings(), c.secrets.S3, repo.CheckWrite); err != nil {
			t.Fatalf("%s: check: %v", e.Name, err)
		}

		if _, err := eng.Initialize(ctx, e.Settings(), c.secrets, lib.Local(e.ID)); err != nil {
			t.Fatalf("%s: initialize: %v", e.Name, err)
		}

		if err := eng.Disconnect(ctx, lib.Local(e.ID)); err != nil {
			t.Fatal(err)
		}

		// A restart: secrets come back from the keychain only, or are
		// asked for again.
		restarted := open(t, dirs, kc)

		got, err := restarted.Secrets(ctx, e)

		switch {
		case wantHome == library.InKeychain && (err != nil || got != c.secrets):
			t.Fatalf("%s: secrets after restart: %v", e.Name, err)
		case wantHome == library.ForSession && !errors.Is(err, library.ErrNeedPassphrase) && keychain.CodeOf(err) != keychain.CodeUnavailable:
			t.Fatalf("%s: secrets kept for the session survived a restart: %v", e.Name, err)
		case wantHome == library.ForSession:
			got = c.secrets                     // typed in again
			restarted.StoreSecrets(ctx, e, got) //nolint:errcheck // the keychain's refusal is the point
		}

		if _, err := eng.Connect(ctx, e.Settings(), got, restarted.Local(e.ID)); err != nil {
			t.Fatalf("%s: connect: %v", e.Name, err)
		}

		if _, err := eng.Reopen(ctx, restarted.Local(e.ID), got); err != nil {
			t.Fatalf("%s: reopen: %v", e.Name, err)
		}

		if _, err := corsoconfig.Export(filepath.Join(root, "home", e.Name+".corso.toml"), e.Settings(), corsoconfig.ExportOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	files := scanForSecrets(t, []string{passphrase, secretKey, token}, root)
	if files < 10 {
		t.Fatalf("only %d files scanned: the flow did not write what it should have", files)
	}

	// The scan must be able to fail: the secrets were really used, and
	// with a keychain they were really in it.
	if v, _ := kc.Get(ctx, entries[1].entry.ID+"/s3-session-token"); wantHome == library.InKeychain && v != token {
		t.Fatal("the session token was not in the keychain")
	}

	for _, c := range entries {
		lib.Forget(ctx, eng, c.entry.ID) //nolint:errcheck
	}
}

// TestSecretScanFindsLeaks proves the scanner above sees each form.
func TestSecretScanFindsLeaks(t *testing.T) {
	secret := randomSecret(t, "leak")

	for i, form := range []string{
		"plain " + secret,
		`{"x":"` + base64.StdEncoding.EncodeToString([]byte("ab"+secret+"cd")) + `"}`,
		base64.URLEncoding.EncodeToString([]byte("a" + secret)),
		hex.EncodeToString([]byte(secret)),
	} {
		found := false

		for _, enc := range encodings(secret) {
			if strings.Contains(form, enc) {
				found = true
			}
		}

		if !found {
			t.Fatalf("form %d of the leak is not detected: %s", i, form)
		}
	}
}
