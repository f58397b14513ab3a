package library_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/platform/keychain/keychaintest"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

func testDirs(t *testing.T) platform.Dirs {
	root := t.TempDir()
	return platform.Dirs{Config: filepath.Join(root, "config"), Cache: filepath.Join(root, "cache")}
}

func open(t *testing.T, dirs platform.Dirs, kc keychain.Keychain) *library.Library {
	t.Helper()

	lib, err := library.Open(context.Background(), dirs, kc)
	if err != nil {
		t.Fatal(err)
	}

	return lib
}

func TestSaveListForget(t *testing.T) {
	ctx := context.Background()
	dirs := testDirs(t)
	lib := open(t, dirs, keychain.NewMemory())

	fs := library.NewEntry("Laptop backups", repo.Filesystem{Path: "/srv/backups"})
	s3 := library.NewEntry("Tenant A", repo.S3{Bucket: "bkt", Prefix: "a/", Credentials: repo.Credentials{Source: repo.CredentialsProfile, Profile: "backup"}})

	for _, e := range []library.Entry{fs, s3} {
		if err := lib.Save(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	if fs.ID == s3.ID {
		t.Fatal("two entries share an ID")
	}

	fs.Name = "Renamed"
	if err := lib.Save(ctx, fs); err != nil {
		t.Fatal(err)
	}

	// A second instance (a restart) sees the same list.
	list, err := open(t, dirs, keychain.NewMemory()).List(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "Renamed" || list[1].Settings().Describe() != s3.Settings().Describe() {
		t.Fatalf("List = %+v, %v", list, err)
	}

	fi, _ := os.Stat(dirs.SettingsFile())
	if fi.Mode().Perm() != platform.FileMode {
		t.Fatalf("settings file mode %v", fi.Mode())
	}

	if err := lib.Forget(ctx, eng, fs.ID); err != nil {
		t.Fatal(err)
	}

	if _, ok, _ := lib.Get(ctx, fs.ID); ok {
		t.Fatal("forgotten entry still listed")
	}

	if _, ok, _ := lib.Get(ctx, s3.ID); !ok {
		t.Fatal("Forget removed the wrong entry")
	}
}

func TestDamagedSettingsFileIsKeptAside(t *testing.T) {
	cases := map[string]string{
		"truncated":     `{"schema":1,"repositories":[{"id":"a","na`,
		"newer version": `{"schema":99,"repositories":[]}`,
		"no version":    `{"repositories":[]}`,
		"no location":   `{"schema":1,"repositories":[{"id":"a","name":"x","kind":"s3"}]}`,
	}

	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			dirs := testDirs(t)
			if err := os.MkdirAll(dirs.Config, 0o700); err != nil {
				t.Fatal(err)
			}

			if err := os.WriteFile(dirs.SettingsFile(), []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}

			lib, err := library.Open(context.Background(), dirs, keychain.NewMemory())

			var perr *platform.Error
			if !errors.As(err, &perr) || perr.Code != platform.CodeDamaged {
				t.Fatalf("Open = %v, want a damaged-file error", err)
			}

			matches, _ := filepath.Glob(dirs.SettingsFile() + ".damaged-*")
			if len(matches) != 1 {
				t.Fatalf("backups: %v", matches)
			}

			if got, _ := os.ReadFile(matches[0]); string(got) != body {
				t.Fatal("the backup is not the damaged file")
			}

			if list, err := lib.List(context.Background()); err != nil || len(list) != 0 {
				t.Fatalf("after setting aside, List = %v, %v", list, err)
			}

			if err := lib.Save(context.Background(), library.NewEntry("x", repo.Filesystem{Path: "/x"})); err != nil {
				t.Fatalf("the app cannot save after a damaged file: %v", err)
			}
		})
	}
}

// TestLibraryWriterProcess is one running instance adding entries.
func TestLibraryWriterProcess(t *testing.T) {
	config := os.Getenv("LIBRARY_CONFIG")
	if config == "" {
		t.Skip("only run as a child of TestTwoInstancesMergeTheirChanges")
	}

	lib := open(t, platform.Dirs{Config: config, Cache: config}, keychain.NewMemory())
	for i := 0; i < 15; i++ {
		e := library.NewEntry(os.Getenv("LIBRARY_WRITER")+strconv.Itoa(i), repo.Filesystem{Path: "/r/" + strconv.Itoa(i)})
		if err := lib.Save(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTwoInstancesMergeTheirChanges(t *testing.T) {
	dirs := testDirs(t)

	var wg sync.WaitGroup

	for w := 0; w < 2; w++ {
		wg.Add(1)

		go func(w int) {
			defer wg.Done()

			cmd := exec.Command(os.Args[0], "-test.run=^TestLibraryWriterProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), "LIBRARY_CONFIG="+dirs.Config, "LIBRARY_WRITER=w"+strconv.Itoa(w))

			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("writer %d: %v\n%s", w, err, out)
			}
		}(w)
	}

	wg.Wait()

	list, err := open(t, dirs, keychain.NewMemory()).List(context.Background())
	if err != nil || len(list) != 30 {
		t.Fatalf("%d entries after two instances added 15 each (%v)", len(list), err)
	}
}

// secretsContract runs against the real keychain and the in-memory one.
func secretsContract(t *testing.T, kc keychain.Keychain) {
	ctx := context.Background()
	dirs := testDirs(t)
	lib := open(t, dirs, kc)

	keys := library.NewEntry("s3", repo.S3{Bucket: "bkt", Credentials: repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: "AKIA1"}})
	secrets := repo.Secrets{Passphrase: "pass phrase ✓", S3: repo.S3Secrets{SecretAccessKey: "secret/key", SessionToken: "token"}}

	home, err := lib.StoreSecrets(ctx, keys, secrets)
	if err != nil || home != library.InKeychain {
		t.Fatalf("StoreSecrets = %v, %v", home, err)
	}

	if got, err := lib.Secrets(ctx, keys); err != nil || got != secrets {
		t.Fatalf("Secrets = %+v, %v", got, err)
	}

	// After a restart the session copy is gone; the keychain answers.
	restarted := open(t, dirs, kc)
	if got, err := restarted.Secrets(ctx, keys); err != nil || got != secrets {
		t.Fatalf("after restart: %+v, %v", got, err)
	}

	// Remember off: kept for this session, gone from the keychain.
	keys.RememberPassphrase = false

	home, err = lib.StoreSecrets(ctx, keys, secrets)
	if err != nil || home != library.ForSession {
		t.Fatalf("StoreSecrets without remember = %v, %v", home, err)
	}

	if got, err := lib.Secrets(ctx, keys); err != nil || got != secrets {
		t.Fatalf("same session: %+v, %v", got, err)
	}

	if _, err := kc.Get(ctx, keys.ID+"/passphrase"); keychain.CodeOf(err) != keychain.CodeNotFound {
		t.Fatalf("remember off left the passphrase in the keychain: %v", err)
	}

	if _, err := open(t, dirs, kc).Secrets(ctx, keys); !errors.Is(err, library.ErrNeedPassphrase) {
		t.Fatalf("next session must ask: %v", err)
	}

	// Forget deletes every entry of that repository, and only those.
	other := library.NewEntry("other", repo.Filesystem{Path: "/o"})
	keys.RememberPassphrase = true

	for _, e := range []library.Entry{keys, other} {
		if err := lib.Save(ctx, e); err != nil {
			t.Fatal(err)
		}

		if _, err := lib.StoreSecrets(ctx, e, secrets); err != nil {
			t.Fatal(err)
		}
	}

	if err := lib.Forget(ctx, eng, keys.ID); err != nil {
		t.Fatal(err)
	}

	for _, account := range []string{"/passphrase", "/s3-secret-access-key", "/s3-session-token"} {
		if _, err := kc.Get(ctx, keys.ID+account); keychain.CodeOf(err) != keychain.CodeNotFound {
			t.Fatalf("Forget left %s in the keychain (%v)", account, err)
		}
	}

	if got, err := open(t, dirs, kc).Secrets(ctx, other); err != nil || got.Passphrase != secrets.Passphrase {
		t.Fatalf("Forget touched another repository's secrets: %v", err)
	}

	lib.Forget(ctx, eng, other.ID) //nolint:errcheck
}

func TestSecretsInTheSystemKeychain(t *testing.T) {
	secretsContract(t, keychaintest.Require(t))
}

func TestSecretsWithoutAnyKeychain(t *testing.T) {
	if !keychaintest.Isolated(t) {
		return
	}

	keychaintest.NewBus(t).Use(t)

	ctx := context.Background()
	lib := open(t, testDirs(t), keychain.System{})
	e := library.NewEntry("fs", repo.Filesystem{Path: "/r"})
	secrets := repo.Secrets{Passphrase: "kept in memory only"}

	home, err := lib.StoreSecrets(ctx, e, secrets)
	if home != library.ForSession || keychain.CodeOf(err) != keychain.CodeUnavailable {
		t.Fatalf("StoreSecrets with no Secret Service = %v, %v", home, err)
	}

	if got, err := lib.Secrets(ctx, e); err != nil || got != secrets {
		t.Fatalf("the session copy is not used: %+v, %v", got, err)
	}
}
