package repo_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
)

// TestCorsoForkCompatibility hands repositories across on disk between
// this module's kopia and the fork Corso pins (module ../compat): the fork
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

	if err := os.WriteFile(filepath.Join(exchange, "passphrase"), []byte(testPassphrase), 0o600); err != nil {
		t.Fatal(err)
	}

	if _, err := repo.Initialize(ctx, repo.Filesystem{Path: filepath.Join(exchange, "from-desktop")}, repo.Secrets{Passphrase: testPassphrase}, localIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(goBin, "test", "-count=1", "-v", "./...")
	cmd.Dir = filepath.Join("..", "compat")
	cmd.Env = append(os.Environ(), "COMPAT_DIR="+exchange)

	out, err := cmd.CombinedOutput()
	t.Logf("compat module (Corso's kopia fork):\n%s", out)

	if err != nil {
		t.Fatalf("the compat module failed: %v", err)
	}

	info, err := repo.Connect(ctx, repo.Filesystem{Path: filepath.Join(exchange, "from-fork")}, repo.Secrets{Passphrase: testPassphrase}, localIn(t.TempDir()))
	if err != nil {
		t.Fatalf("cannot connect to the fork's repository: %v", err)
	}

	requireCorsoFormat(t, info)
}
