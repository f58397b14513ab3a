// Command corsofixture makes a folder repository with Corso backups in it,
// as Corso's model store writes them, for the screenshot tour:
//
//	go run ./scripts/corsofixture -dir /tmp/x/repo -passphrase '…' -backups 40
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

func main() {
	dir := flag.String("dir", "", "folder of the new repository")
	pass := flag.String("passphrase", "", "its passphrase")
	n := flag.Int("backups", 40, "how many backups")
	flag.Parse()

	if err := run(*dir, *pass, *n); err != nil {
		fmt.Fprintln(os.Stderr, "corsofixture:", err)
		os.Exit(1)
	}
}

func run(dir, pass string, n int) error {
	ctx := context.Background()

	state, err := os.MkdirTemp("", "corsofixture-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(state)

	local := repo.Local{ConfigFile: filepath.Join(state, "repository.config"), CacheDir: filepath.Join(state, "cache")}
	if _, err := kopiaengine.New().Initialize(ctx, repo.Filesystem{Path: dir}, repo.Secrets{Passphrase: pass}, local); err != nil {
		return err
	}

	// Two backups with item data, so that a verification has packs to read.
	if _, err := repotest.WriteCorsoBackupsWithData(ctx, local.ConfigFile, pass, []string{"adele@contoso.com", "bruno@contoso.com"}, 8, 64<<10); err != nil {
		return err
	}

	return repotest.WriteCorsoBackups(ctx, local.ConfigFile, pass, n, time.Now().Add(-2*time.Hour))
}
