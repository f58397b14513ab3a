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

	if err := repotest.WriteCorsoBackups(ctx, local.ConfigFile, pass, n, time.Now().Add(-2*time.Hour)); err != nil {
		return err
	}

	// Backups whose items the tour looks inside: two of one mailbox, a day
	// apart (20 items added, some changed, 10 gone), and a OneDrive.
	now := time.Now().Add(-30 * time.Minute).Truncate(time.Minute)
	for _, b := range []repotest.DetailsBackup{
		{ID: "5e1ec7ed-0001-4a5b-9d7e-6c1c2c5f3a10", ResourceName: "Adele Vance", Created: now.Add(-24 * time.Hour), Details: repotest.DetailsSpec{Service: "exchange", Resource: "adele-id", To: 400, Base: now.Add(-25 * time.Hour)}},
		{ID: "5e1ec7ed-0002-4a5b-9d7e-6c1c2c5f3a10", ResourceName: "Adele Vance", Created: now, Details: repotest.DetailsSpec{Service: "exchange", Resource: "adele-id", From: 10, To: 420, Base: now.Add(-25 * time.Hour), ChangedEvery: 40}},
		{ID: "5e1ec7ed-0003-4a5b-9d7e-6c1c2c5f3a10", ResourceName: "Bruno Silva", Created: now.Add(-time.Hour), Details: repotest.DetailsSpec{Service: "onedrive", Resource: "bruno-id", To: 250, Base: now.Add(-2 * time.Hour)}},
	} {
		if _, err := repotest.WriteBackupWithDetails(ctx, local.ConfigFile, pass, b); err != nil {
			return err
		}
	}

	return nil
}
