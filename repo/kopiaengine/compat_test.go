package kopiaengine_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestCorsoForkCompatibility hands repositories across on disk between
// this module's kopia and the fork Corso pins (module compat/ at the top): the fork
// must open what we create with Corso's exact format and policy, and we
// must connect to what the fork creates the way the Corso CLI does.
func TestCorsoForkCompatibility(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a second kopia; skipped with -short")
	}

	goBin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the go tool is needed to build the compat module")
		}

		t.Skip("no go tool on PATH")
	}

	ctx := context.Background()
	exchange := t.TempDir()

	if err := os.WriteFile(filepath.Join(exchange, "passphrase"), []byte(repotest.Passphrase), 0o600); err != nil {
		t.Fatal(err)
	}

	fsRepo := repo.Filesystem{Path: filepath.Join(exchange, "from-desktop")}

	fsInfo, err := eng.Initialize(ctx, fsRepo, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}

	// The hand-off: .corso.toml files exported here, which the fork side
	// reads (not this side's settings) to find and open each repository,
	// with the S3 keys in the environment as the Corso CLI takes them.
	m := repotest.Shared(t, repotest.Options{})
	s3Repo := m.Settings(m.Bucket(t), "handed off")

	s3Info, err := eng.Initialize(ctx, s3Repo, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}

	for name, c := range map[string]struct {
		s  repo.Settings
		id string
	}{"filesystem": {fsRepo, fsInfo.UniqueID}, "s3": {s3Repo, s3Info.UniqueID}} {
		if _, err := corsoconfig.Export(filepath.Join(exchange, name+".corso.toml"), c.s, corsoconfig.ExportOptions{}); err != nil {
			t.Fatal(err)
		}

		if err := os.WriteFile(filepath.Join(exchange, name+".unique-id"), []byte(c.id), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	cmd := exec.Command(goBin, "test", "-count=1", "-v", "./...")
	cmd.Dir = filepath.Join("..", "..", "compat")
	cmd.Env = append(os.Environ(), "COMPAT_DIR="+exchange,
		"AWS_ACCESS_KEY_ID="+repotest.RootUser, "AWS_SECRET_ACCESS_KEY="+repotest.RootPassword)

	out, err := cmd.CombinedOutput()
	t.Logf("compat module (Corso's kopia fork):\n%s", out)

	if err != nil {
		t.Fatalf("the compat module failed: %v", err)
	}

	info, err := eng.Connect(ctx, repo.Filesystem{Path: filepath.Join(exchange, "from-fork")}, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatalf("cannot connect to the fork's repository: %v", err)
	}

	repotest.RequireCorsoFormat(t, info)
}
