package compat

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob/filesystem"
	"github.com/kopia/kopia/repo/compression"
	"github.com/kopia/kopia/snapshot/policy"
)

// The exchange folder layout shared with the main module's compat tests.
const (
	fromDesktop    = "from-desktop"
	fromFork       = "from-fork"
	passphraseFile = "passphrase"
)

func exchangeDir(t *testing.T) string {
	t.Helper()

	dir := os.Getenv("COMPAT_DIR")
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("COMPAT_DIR is not set; run these tests through `make compat`")
		}

		t.Skip("COMPAT_DIR is not set; run through `make compat`")
	}

	return dir
}

func passphrase(t *testing.T, dir string) string {
	t.Helper()

	b, err := os.ReadFile(filepath.Join(dir, passphraseFile))
	if err != nil {
		t.Fatal(err)
	}

	return string(b)
}

func openFilesystem(t *testing.T, ctx context.Context, path, pass string, create bool) repo.DirectRepository {
	t.Helper()

	st, err := filesystem.New(ctx, &filesystem.Options{Path: path}, create)
	if err != nil {
		t.Fatal(err)
	}

	if create {
		// Exactly what `corso repo init` does: kopia's defaults.
		if err := repo.Initialize(ctx, st, &repo.NewRepositoryOptions{}, pass); err != nil {
			t.Fatalf("initialize: %v", err)
		}
	}

	cfg := filepath.Join(t.TempDir(), "repository.config")
	if err := repo.Connect(ctx, cfg, st, pass, &repo.ConnectOptions{}); err != nil {
		t.Fatalf("the fork cannot connect: %v", err)
	}

	r, err := repo.Open(ctx, cfg, pass, &repo.Options{})
	if err != nil {
		t.Fatalf("the fork cannot open: %v", err)
	}

	t.Cleanup(func() { r.Close(ctx) })

	return r.(repo.DirectRepository)
}

// TestForkOpensDesktopRepository opens a repository Corso Desktop made with
// the kopia Corso pins and checks every format parameter and policy value.
func TestForkOpensDesktopRepository(t *testing.T) {
	dir := exchangeDir(t)
	ctx := context.Background()
	path := filepath.Join(dir, fromDesktop)

	dr := openFilesystem(t, ctx, path, passphrase(t, dir), false)
	fm := dr.FormatManager()
	cf := fm.ScrubbedContentFormat()
	mp, err := fm.GetMutableParameters()
	if err != nil {
		t.Fatal(err)
	}

	var formatBlob struct {
		KeyAlgo    string `json:"keyAlgo"`
		Encryption string `json:"encryption"`
	}

	raw, err := os.ReadFile(filepath.Join(path, "kopia.repository.f"))
	if err != nil {
		t.Fatal(err)
	}

	if err := json.Unmarshal(raw, &formatBlob); err != nil {
		t.Fatal(err)
	}

	checks := []struct {
		name      string
		got, want any
	}{
		{"format version", int(mp.Version), 3},
		{"key derivation", formatBlob.KeyAlgo, "scrypt-65536-8-1"},
		{"format encryption", formatBlob.Encryption, "AES256_GCM"},
		{"encryption", cf.Encryption, "AES256-GCM-HMAC-SHA256"},
		{"hash", cf.Hash, "BLAKE2B-256-128"},
		{"splitter", dr.ObjectFormat().Splitter, "DYNAMIC-4M-BUZHASH"},
		{"ecc", cf.ECC, ""},
		{"ecc overhead", cf.ECCOverheadPercent, 0},
		{"max pack size", mp.MaxPackSize, 20 << 20},
		{"min epoch duration", mp.EpochParameters.MinEpochDuration, 8 * time.Hour},
	}

	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	pol, err := policy.GetDefinedPolicy(ctx, dr, policy.GlobalPolicySourceInfo)
	if err != nil {
		t.Fatalf("global policy: %v", err)
	}

	if pol.CompressionPolicy.CompressorName != compression.Name("zstd-better-compression") {
		t.Errorf("compression %q", pol.CompressionPolicy.CompressorName)
	}

	r := pol.RetentionPolicy
	for name, v := range map[string]*policy.OptionalInt{
		"latest": r.KeepLatest, "hourly": r.KeepHourly, "daily": r.KeepDaily,
		"weekly": r.KeepWeekly, "monthly": r.KeepMonthly, "annual": r.KeepAnnual,
	} {
		if v == nil || *v != 0 {
			t.Errorf("keep-%s = %v, want 0", name, v)
		}
	}

	if iv := pol.SchedulingPolicy.Interval(); iv != 0 {
		t.Errorf("scheduling interval %v, want 0", iv)
	}
}

// TestForkCreatesRepositoryForDesktop makes a repository the way the Corso
// CLI does (kopia defaults, then Corso's policy and epoch duration), for
// the main module to connect to.
func TestForkCreatesRepositoryForDesktop(t *testing.T) {
	dir := exchangeDir(t)
	ctx := context.Background()

	dr := openFilesystem(t, ctx, filepath.Join(dir, fromFork), passphrase(t, dir), true)
	fm := dr.FormatManager()

	mp, err := fm.GetMutableParameters()
	if err != nil {
		t.Fatal(err)
	}

	blobCfg, err := fm.BlobCfgBlob()
	if err != nil {
		t.Fatal(err)
	}

	features, err := fm.RequiredFeatures()
	if err != nil {
		t.Fatal(err)
	}

	mp.EpochParameters.MinEpochDuration = 8 * time.Hour
	if err := fm.SetParameters(ctx, mp, blobCfg, features); err != nil {
		t.Fatal(err)
	}

	zero := policy.OptionalInt(0)
	pol := &policy.Policy{}
	pol.CompressionPolicy.CompressorName = "zstd-better-compression"
	pol.RetentionPolicy = policy.RetentionPolicy{
		KeepLatest: &zero, KeepHourly: &zero, KeepDaily: &zero,
		KeepWeekly: &zero, KeepMonthly: &zero, KeepAnnual: &zero,
	}

	err = repo.WriteSession(ctx, dr, repo.WriteSessionOptions{Purpose: "compat"}, func(ctx context.Context, w repo.RepositoryWriter) error {
		return policy.SetPolicy(ctx, w, policy.GlobalPolicySourceInfo, pol)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The passphrase-change exchange: a repository whose passphrase Corso
// Desktop changed, for the fork to open, and one whose passphrase the fork
// changed as `corso repo update-passphrase` does, for Corso Desktop.
const (
	passChangedByDesktop = "passphrase-changed-by-desktop"
	passChangedByFork    = "passphrase-changed-by-fork"
	newPassphraseFile    = "new-passphrase"
)

// TestForkOpensAfterDesktopPassphraseChange: the fork opens it with the
// new passphrase and refuses the old one.
func TestForkOpensAfterDesktopPassphraseChange(t *testing.T) {
	dir := exchangeDir(t)
	ctx := context.Background()
	path := filepath.Join(dir, passChangedByDesktop)

	newPass, err := os.ReadFile(filepath.Join(dir, newPassphraseFile))
	if err != nil {
		t.Fatal(err)
	}

	st, err := filesystem.New(ctx, &filesystem.Options{Path: path}, false)
	if err != nil {
		t.Fatal(err)
	}

	cfg := filepath.Join(t.TempDir(), "repository.config")
	if err := repo.Connect(ctx, cfg, st, passphrase(t, dir), &repo.ConnectOptions{}); !errors.Is(err, repo.ErrInvalidPassword) {
		t.Fatalf("the old passphrase: %v, want kopia's invalid password", err)
	}

	dr := openFilesystem(t, ctx, path, string(newPass), false)
	if _, err := policy.GetDefinedPolicy(ctx, dr, policy.GlobalPolicySourceInfo); err != nil {
		t.Fatalf("the global policy after the change: %v", err)
	}
}

// TestForkChangesPassphraseForDesktop changes a repository's passphrase
// with the fork's FormatManager().ChangePassword, which is what `corso repo
// update-passphrase` runs.
func TestForkChangesPassphraseForDesktop(t *testing.T) {
	dir := exchangeDir(t)
	ctx := context.Background()

	newPass, err := os.ReadFile(filepath.Join(dir, newPassphraseFile))
	if err != nil {
		t.Fatal(err)
	}

	dr := openFilesystem(t, ctx, filepath.Join(dir, passChangedByFork), passphrase(t, dir), true)
	if err := dr.FormatManager().ChangePassword(ctx, string(newPass)); err != nil {
		t.Fatal(err)
	}
}
