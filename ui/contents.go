// What an opened repository holds: read in the background after it opens,
// summed up in its details, and listed backup by backup.

package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// contentsState is the reading of one repository's contents: under way
// (with its step and Cancel), done, or failed.
type contentsState struct {
	loading bool
	step    string
	cancel  context.CancelFunc
	// ahead is what was read before the storage summary, shown while the
	// storage is still being listed.
	ahead *repo.Contents
	// storageAhead is the storage summary, listed before the backups
	// were read, shown while they still are.
	storageAhead *repo.StorageUse
	result       *repo.Contents
	err          error
}

// loadContents reads e's contents off the UI goroutine; the details show
// its progress and the rest of the app stays usable meanwhile.
func (a *App) loadContents(e library.Entry) {
	ctx, cancel := context.WithCancel(context.Background())
	st := &contentsState{loading: true, cancel: cancel, step: "Reading what the repository holds…"}
	a.contents[e.ID] = st

	refresh := func() {
		if a.selected == e.ID && a.contents[e.ID] == st {
			a.showDetails()
		}
	}

	ctx = repo.WithProgress(ctx, func(s repo.Step) {
		a.post(func() { st.step = string(s); refresh() })
	})
	ctx = repo.WithContentsAhead(ctx, func(c repo.Contents) {
		a.post(func() { st.ahead = &c; refresh() })
	})
	ctx = repo.WithStorageAhead(ctx, func(u repo.StorageUse) {
		a.post(func() { st.storageAhead = &u; refresh() })
	})

	go func() {
		// The engine's process starts and opens its connections while the
		// keychain is read; after a pick, the open left one waiting, and
		// this changes nothing.
		a.eng.Prepare(a.upcoming(e))
		secrets, err := a.lib.Secrets(ctx, e)

		var c *repo.Contents
		if err == nil {
			c, err = a.eng.Contents(ctx, a.lib.Local(e.ID), secrets)
		}

		a.post(func() {
			st.loading, st.result, st.err = false, c, err
			cancel()
			refresh()

			if v := a.backups; v != nil && v.e.ID == e.ID && v.listing {
				v.listed(c, err)
			}
		})
	}()
}

// setInfo records what an open repository is (nil: it is no longer open).
// What was read of its contents goes with it: the repository was opened
// anew, changed, or closed.
func (a *App) setInfo(id string, info *repo.Info) {
	a.forgetContents(id)

	if info == nil {
		delete(a.infos, id)
	} else {
		a.infos[id] = info
	}
}

// forgetContents drops what was read of id's contents (and stops a reading
// still under way).
func (a *App) forgetContents(id string) {
	if st := a.contents[id]; st != nil && st.cancel != nil {
		st.cancel()
	}

	delete(a.contents, id)
}

// contentsRows are the details' lines about what the repository holds.
func (a *App) contentsRows(e library.Entry) []fyne.CanvasObject {
	st := a.contents[e.ID]

	switch {
	case st == nil:
		return nil
	case st.loading && st.ahead != nil:
		// The backups are read; the storage is still being listed.
		listing := underWay(string(repo.StepListing), st.cancel)

		return a.readRows(e, st.ahead, []fyne.CanvasObject{wrapped(backupsLine(st.ahead, time.Now()) + "."), listing})
	case st.loading && st.storageAhead != nil:
		// The storage is listed; the backups are still being read.
		size := wrapped("Storage: " + storageSize(*st.storageAhead) + ".")

		return []fyne.CanvasObject{fieldLabel("Contents"), container.NewVBox(size, underWay(st.step, st.cancel))}
	case st.loading:
		return []fyne.CanvasObject{fieldLabel("Contents"), underWay(st.step, st.cancel)}
	case st.err != nil && st.ahead != nil:
		// The backups were read; only the storage's listing did not end
		// (cancelled, or the store stopped answering): what was read stays.
		lines := []fyne.CanvasObject{wrapped(backupsLine(st.ahead, time.Now()) + "."), wrapped(notListedText(st.err))}

		return append(a.readRows(e, st.ahead, lines, a.readAgain(e)), a.careRows(e, st.ahead)...)
	case st.err != nil:
		text := "Not read: " + st.err.Error()

		switch {
		case errors.Is(st.err, library.ErrNeedPassphrase):
			text = "Not read: the passphrase is needed; open the repository with it first."
		case repo.CodeOf(st.err) == repo.CodeCanceled:
			text = "Not read: cancelled."
		}

		return []fyne.CanvasObject{fieldLabel("Contents"), container.NewVBox(wrapped(text), container.NewHBox(a.readAgain(e)))}
	}

	return append(a.readRows(e, st.result, []fyne.CanvasObject{wrapped(summarize(st.result, time.Now()))}), a.careRows(e, st.result)...)
}

// readRows are the details' Contents and Maintenance rows for what was
// read of e: lines, then Backups… (and more buttons), then the
// maintenance.
func (a *App) readRows(e library.Entry, c *repo.Contents, lines []fyne.CanvasObject, more ...fyne.CanvasObject) []fyne.CanvasObject {
	show := widget.NewButtonWithIcon("Backups…", theme.ListIcon(), func() { a.showBackups(e, c) })
	maint := widget.NewButtonWithIcon("Maintenance…", theme.SettingsIcon(), func() { a.showMaintenance(e) })

	return []fyne.CanvasObject{
		fieldLabel("Contents"), container.NewVBox(append(lines, container.NewHBox(append([]fyne.CanvasObject{show}, more...)...))...),
		fieldLabel("Maintenance"), container.NewVBox(wrapped(maintenanceText(entryMaintenance(e, c.Maintenance), time.Now())), container.NewHBox(maint)),
	}
}

// readAgain reads e's contents anew.
func (a *App) readAgain(e library.Entry) *widget.Button {
	return widget.NewButtonWithIcon("Read again", theme.ViewRefreshIcon(), func() { a.loadContents(e); a.showDetails() })
}

// notListedText says why the storage has no summary.
func notListedText(err error) string {
	if repo.CodeOf(err) == repo.CodeCanceled {
		return "Storage: not listed, cancelled."
	}

	return "Storage: not listed: " + err.Error()
}

// summarize is the details' one line about a repository's contents, e.g.
// "7 backups of 5 resources, the last 3 hours ago; 12.4 MB in 31 blobs".
func summarize(c *repo.Contents, now time.Time) string {
	return backupsLine(c, now) + "; " + storageSize(c.Storage)
}

// storageSize is e.g. "12.4 MB in 31 blobs".
func storageSize(u repo.StorageUse) string {
	return byteSize(u.Bytes) + " in " + plural(u.Blobs, "blob")
}

// underWay is a step under way, with Cancel.
func underWay(step string, cancel func()) fyne.CanvasObject {
	return container.NewHBox(widget.NewActivity(), widget.NewLabel(step), widget.NewButton("Cancel", cancel))
}

// backupsLine is what summarize says of c's backups.
func backupsLine(c *repo.Contents, now time.Time) string {
	resources := map[string]bool{}
	var last time.Time

	for _, b := range c.Backups {
		// A resource (a user, a site, a team) is one whatever its services.
		resources[orNone(b.ResourceID, b.ResourceName)] = true

		if b.Created.After(last) {
			last = b.Created
		}
	}

	var s string

	switch len(c.Backups) {
	case 0:
		s = "No Corso backups yet"
	default:
		s = fmt.Sprintf("%s of %s, the last %s", plural(len(c.Backups), "backup"), plural(len(resources), "resource"), ago(last, now))
	}

	if c.AssistBackups > 0 {
		s += fmt.Sprintf(" (and %s kept to resume interrupted backups, hidden as the CLI hides them)", plural(c.AssistBackups, "assist backup"))
	}

	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}

	return fmt.Sprintf("%d %ss", n, what)
}

// ago says how long before now t was, in the largest whole unit.
func ago(t, now time.Time) string {
	d := now.Sub(t)

	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	}

	return plural(int(d/(24*time.Hour)), "day") + " ago"
}

// byteSize is n bytes in decimal units, as storage is billed: "12.4 GB".
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return plural(int(n), "byte")
	}

	v, i := float64(n), -1
	for v >= unit && i < 4 {
		v /= unit
		i++
	}

	return fmt.Sprintf("%.1f %cB", v, "kMGTP"[i])
}

// fieldLabel is the label of a details line, as field draws it.
func fieldLabel(label string) *widget.Label {
	return widget.NewLabelWithStyle(label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
}
