// What still opens a repository with an old passphrase after a change,
// said from what its store keeps, and the removal of older format
// versions where the store allows it.

package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// oldCopiesBefore says, on the change dialog, what a change leaves
// opening with the old passphrase, for the kind of store.
func oldCopiesBefore(kind repo.Kind) string {
	lead := "kopia wraps the repository's key anew for the new passphrase and re-encrypts no backup, so the old passphrase still opens any copy of the old kopia.repository"
	if kind == repo.KindFilesystem {
		return lead + ": a backup of the folder, or a snapshot of its disk, made before the change."
	}

	return lead + ": an older version the bucket keeps, if it keeps versions (looked up after the change, with an offer to remove them), or a copy of the bucket."
}

// oldCopiesAfter says what the store was found to keep after a change.
func oldCopiesAfter(old *repo.OldFormats, err error) string {
	if err != nil {
		return "Whether the store keeps older versions of the format could not be looked up (" + err.Error() + "). If it does, each older kopia.repository still opens the repository with the old passphrase."
	}

	switch old.Versioning {
	case repo.VersioningNotABucket:
		return "A folder keeps no older versions itself, but any copy of it made before now (a backup, a snapshot of the disk) still opens the repository with the old passphrase."
	case repo.VersioningOff:
		return "This bucket keeps no older versions, so no older kopia.repository is in it; a copy of the bucket made before now would still open with the old passphrase."
	}

	if old.Refused != "" && len(old.Versions) == 0 {
		return "Whether this bucket keeps older versions could not be read: these credentials may not " + old.Refused + ". If it does, each older kopia.repository in it still opens the repository with the old passphrase."
	}

	copies := old.Copies()
	if copies == 0 {
		return "This bucket keeps versions, but holds no older kopia.repository that the old passphrase would open."
	}

	text := fmt.Sprintf("This bucket keeps versions: %s of kopia.repository %s in it, and each still opens the repository with the old passphrase for anyone who can read the bucket.",
		plural(copies, "older version"), map[bool]string{true: "is", false: "are"}[copies == 1])

	if locked, until := lockedCopies(old); locked > 0 {
		text += fmt.Sprintf(" %s locked until %s by the bucket's object lock: nobody can remove %s before then.",
			map[bool]string{true: "It is", false: fmt.Sprintf("%d of them are", locked)}[copies == 1 && locked == 1],
			until.Local().Format("2 January 2006, 15:04"), map[bool]string{true: "it", false: "them"}[locked == 1])
	}

	return text
}

// lockedCopies counts the older kopia.repository versions a lock holds,
// and when the last lock runs out.
func lockedCopies(old *repo.OldFormats) (int, time.Time) {
	var (
		n     int
		until time.Time
	)

	for _, v := range old.Versions {
		if v.Opens() && v.Locked(time.Now()) {
			n++

			if v.LockedUntil.After(until) {
				until = v.LockedUntil
			}
		}
	}

	return n, until
}

// countUnlocked counts the older versions no known lock holds.
func countUnlocked(old *repo.OldFormats) int {
	n := 0

	for _, v := range old.Versions {
		if !v.Locked(time.Now()) {
			n++
		}
	}

	return n
}

// removeOldFormatsButton removes, after a confirmation, the older
// versions of e's format no lock holds.
func (a *App) removeOldFormatsButton(e library.Entry, secrets repo.Secrets, old *repo.OldFormats) fyne.CanvasObject {
	b := widget.NewButtonWithIcon("Remove the older versions…", theme.DeleteIcon(), func() {
		n := countUnlocked(old)
		d := dialog.NewConfirm("Remove older versions of the format?",
			fmt.Sprintf("%s of kopia.repository and kopia.blobcfg (and the delete marks a change leaves) will be deleted from the bucket for good; the current ones are not touched, and the repository keeps opening with the new passphrase. Locked versions stay.",
				plural(n, "older version")),
			func(ok bool) {
				if ok {
					a.removeOldFormats(e, secrets)
				}
			}, a.win)
		a.showDialog(d)
	})
	b.Importance = widget.DangerImportance

	return container.NewHBox(b)
}

// removeOldFormats runs the removal off the UI goroutine and says what it
// did and what stays.
func (a *App) removeOldFormats(e library.Entry, secrets repo.Secrets) {
	if a.careBusy(e) {
		return
	}

	var res *repo.OldFormats

	a.run("Removing older versions of "+e.Name+"'s format", "Listing the older versions…", func(ctx context.Context) error {
		var err error
		res, err = a.eng.OldFormats(ctx, a.lib.Local(e.ID), secrets, true)

		return err
	}, func(err error) {
		if err != nil {
			a.showError("Removing older versions", err)
			return
		}

		lines := []string{fmt.Sprintf("Removed %s.", plural(res.Removed, "older version"))}

		if locked, until := lockedCopies(res); locked > 0 {
			lines = append(lines, fmt.Sprintf("%s of kopia.repository stay%s, locked until %s; the old passphrase opens %s until someone removes %s after that.",
				plural(locked, "older version"), map[bool]string{true: "s", false: ""}[locked == 1], until.Local().Format("2 January 2006, 15:04"),
				map[bool]string{true: "it", false: "them"}[locked == 1], map[bool]string{true: "it", false: "them"}[locked == 1]))
		}

		if refused := countUnlocked(res); res.Refused != "" && refused > 0 {
			lines = append(lines, fmt.Sprintf("The store refused to delete %s: these credentials may not %s, or a lock the store did not report holds %s.",
				plural(refused, "version"), res.Refused, map[bool]string{true: "it", false: "them"}[refused == 1]))
		}

		a.showInfo("Older versions", strings.Join(lines, " "))
	})
}
