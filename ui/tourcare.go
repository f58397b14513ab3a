package ui

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// tourCare shows how the app looks after the tour's repository: its
// schedule, one look at every repository (the list, the details'
// freshness), the background dialog, and a full verification after a
// byte of the fixture's largest pack was flipped, all run for real.
func (a *App) tourCare(e library.Entry, onUI func(func()), waitIdle func(), shot func(string) error) error {
	onUI(func() {
		a.dialog.Hide()
		a.selectEntry(e.ID)
		a.showSchedule(e)
	})

	if err := shot("21-schedule"); err != nil {
		return err
	}

	onUI(func() { a.dialog.Hide() })
	a.careNow(context.Background())

	var looked bool
	onUI(func() { looked = a.care[e.ID] != nil; a.selectEntry(e.ID) })

	if !looked {
		return fmt.Errorf("the look at the repositories did not reach the tour's")
	}

	time.Sleep(500 * time.Millisecond) // its contents are read again

	// Down to the care rows, below what it holds and its maintenance.
	onUI(func() { a.detailsScroll.ScrollToOffset(fyne.NewPos(0, 240)) })

	if err := shot("22-care"); err != nil {
		return err
	}

	onUI(a.showBackground)

	if err := shot("23-background"); err != nil {
		return err
	}

	if err := flipLargestPack(os.Getenv("CORSO_TOUR_BACKUPS")); err != nil {
		return err
	}

	onUI(func() { a.dialog.Hide(); a.showVerify(e); a.verifyForm.SetSelected(verifyFullLabel) })

	if err := shot("24-verify"); err != nil {
		return err
	}

	onUI(func() { a.dialog.Hide(); a.runVerify(e, repo.VerifyRequest{Mode: repo.VerifyFull}) })
	waitIdle()

	var found bool
	onUI(func() { found = strings.Contains(a.lastInfo, "Touches the item data") })

	if !found {
		return fmt.Errorf("the verification did not name the damaged backup: %q %v", a.lastInfo, a.lastError)
	}

	return shot("25-verify-result")
}

// flipLargestPack damages the tour fixture: one byte in the middle of its
// largest data pack.
func flipLargestPack(dir string) error {
	var (
		largest string
		size    int64
	)

	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}

		// kopia's folders are sharded by the blob's first letters.
		if rel, _ := filepath.Rel(dir, p); !strings.HasPrefix(rel, "p") {
			return nil
		}

		if fi, err := d.Info(); err == nil && fi.Size() > size {
			largest, size = p, fi.Size()
		}

		return nil
	})
	if err != nil || largest == "" {
		return fmt.Errorf("no pack to damage in %s: %v", dir, err)
	}

	b, err := os.ReadFile(largest)
	if err != nil {
		return err
	}

	b[len(b)/2] ^= 0x40

	return os.WriteFile(largest, b, 0o600)
}
