package compat

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/blob/filesystem"
	"github.com/kopia/kopia/repo/blob/s3"
	"github.com/kopia/kopia/repo/maintenance"
	"github.com/pelletier/go-toml/v2"
)

// corsoFile is what the Corso CLI reads from .corso.toml to find a
// repository (pkg/config and pkg/storage at v0.19.0).
type corsoFile struct {
	Provider               string `toml:"provider"`
	Bucket                 string `toml:"bucket"`
	Endpoint               string `toml:"endpoint"`
	Prefix                 string `toml:"prefix"`
	DisableTLS             bool   `toml:"disable_tls"`
	DisableTLSVerification bool   `toml:"disable_tls_verification"`
	Path                   string `toml:"path"`
	AccountProvider        string `toml:"account_provider"`
	RepoID                 string `toml:"repo_id"`
}

// TestForkOpensWhatTheExportedConfigDescribes does what the Corso CLI does
// with a .corso.toml Corso Desktop exported: it takes the location from the
// file alone (S3 keys from the environment, the passphrase from
// elsewhere), builds kopia's storage the way Corso does and opens the
// repository with the fork, expecting the repository the app created.
func TestForkOpensWhatTheExportedConfigDescribes(t *testing.T) {
	dir := exchangeDir(t)
	ctx := context.Background()
	pass := passphrase(t, dir)

	for _, name := range []string{"filesystem", "s3", "locked"} {
		t.Run(name, func(t *testing.T) {
			st := exportedStorage(t, ctx, dir, name)

			cfg := filepath.Join(t.TempDir(), "repository.config")
			if err := repo.Connect(ctx, cfg, st, pass, &repo.ConnectOptions{}); err != nil {
				t.Fatalf("the fork cannot connect to the exported location: %v", err)
			}

			r, err := repo.Open(ctx, cfg, pass, &repo.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close(ctx)

			want, _ := os.ReadFile(filepath.Join(dir, name+".unique-id"))
			if got := hex.EncodeToString(r.(repo.DirectRepository).FormatManager().UniqueID()); got != string(want) {
				t.Fatalf("opened repository %s, the app made %s", got, want)
			}

			// The immutable one: the fork reads the object lock Corso
			// Desktop wrote as Corso's init options write it, and lock
			// extension on, so Corso's own checks find them consistent.
			if name == "locked" {
				wantLock, _ := os.ReadFile(filepath.Join(dir, "locked.retention"))

				cfg, err := r.(repo.DirectRepository).FormatManager().BlobCfgBlob()
				if err != nil || string(cfg.RetentionMode)+" "+cfg.RetentionPeriod.String() != string(wantLock) {
					t.Fatalf("the fork reads retention %q %v (%v), want %q", cfg.RetentionMode, cfg.RetentionPeriod, err, wantLock)
				}

				p, err := maintenance.GetParams(ctx, r)
				if err != nil || !p.ExtendObjectLocks {
					t.Fatalf("maintenance does not extend the locks: %+v %v", p, err)
				}

				if err := maintenance.CheckExtendRetention(ctx, cfg, p); err != nil {
					t.Fatalf("the fork's own retention check: %v", err)
				}
			}
		})
	}
}

// exportedStorage opens the storage the exported .corso.toml named name
// describes, as the Corso CLI would: its keys, the S3 keys from the
// environment.
func exportedStorage(t *testing.T, ctx context.Context, dir, name string) blob.Storage {
	t.Helper()

	data, err := os.ReadFile(filepath.Join(dir, name+".corso.toml"))
	if err != nil {
		t.Fatal(err)
	}

	var f corsoFile
	if err := toml.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}

	if f.AccountProvider != "M365" || f.RepoID == "" {
		t.Fatalf("the CLI would refuse this file: %+v", f)
	}

	var st blob.Storage

	switch f.Provider {
	case "Filesystem":
		st, err = filesystem.New(ctx, &filesystem.Options{Path: f.Path}, false)
	case "S3":
		st, err = s3.New(ctx, &s3.Options{
			BucketName:      f.Bucket,
			Prefix:          f.Prefix,
			Endpoint:        f.Endpoint,
			DoNotUseTLS:     f.DisableTLS,
			DoNotVerifyTLS:  f.DisableTLSVerification,
			AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
			SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
			SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		}, false)
	default:
		t.Fatalf("provider %q", f.Provider)
	}

	if err != nil {
		t.Fatalf("storage from the exported file: %v", err)
	}

	return st
}
