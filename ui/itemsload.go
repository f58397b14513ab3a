package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// itemsLoad is the reading of a backup's items while the view shows
// those read so far: its step, Cancel, and how it ended.
type itemsLoad struct {
	v      *itemsView
	cancel context.CancelFunc
	done   bool
	err    error
	// parts counts the parts that arrived.
	parts int
	// shown is when what arrived was last shown: parts come many a
	// second, the tree and the search are redone at most every
	// refreshEvery.
	shown time.Time
	row   *fyne.Container
	step  *widget.Label
}

const refreshEvery = 400 * time.Millisecond

func newItemsLoad(v *itemsView) *itemsLoad {
	l := &itemsLoad{v: v, cancel: func() {}, step: widget.NewLabel("Opening the repository…")}
	stop := widget.NewButton("Cancel", func() { l.cancel() })
	l.row = container.NewVBox(container.NewHBox(widget.NewActivity(), l.step, stop))

	return l
}

func (l *itemsLoad) stop() {
	if !l.done {
		l.cancel()
	}
}

// openBackupItems shows b's items at once and reads them in the
// background: each part that arrives is added to the view, the tree and
// the search redone every so often; the commands that need every item
// (restore, export, compare) wait for the end. c is the repository's
// contents the backups view came from.
func (a *App) openBackupItems(e library.Entry, b repo.Backup, c *repo.Contents) {
	if a.items != nil {
		a.items.load.stop()
	}

	v := a.showItems(e, b, c, &repo.BackupDetails{BackupID: b.ID, Service: b.Service})
	l := v.load

	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel

	for _, w := range v.commands {
		w.Disable()
	}

	v.compare.Disable()

	ctx = repo.WithProgress(ctx, func(s repo.Step) { a.post(func() { l.step.SetText(string(s)) }) })
	ctx = repo.WithItemParts(ctx, func(p *repo.BackupDetails) { a.post(func() { l.add(p) }) })

	go func() {
		secrets, err := a.lib.Secrets(ctx, e)

		var rest *repo.BackupDetails
		if err == nil {
			rest, err = a.eng.Details(ctx, a.lib.Local(e.ID), secrets, repo.DetailsRequest{BackupID: b.ID})
		}

		a.post(func() {
			if rest != nil {
				l.add(rest)
			}

			l.finish(err)
			cancel()
		})
	}()
}

// add puts part after what was read, and shows it unless it showed
// something a moment ago.
func (l *itemsLoad) add(part *repo.BackupDetails) {
	v := l.v
	d := v.ix.d
	before := len(d.Folders)

	d.Append(part)
	l.parts++
	v.ix.grow(before)
	v.picks.grow()
	l.step.SetText(fmt.Sprintf("Reading the backup's items… %s so far", plural(d.Len(), "item")))

	if time.Since(l.shown) >= refreshEvery {
		l.show()
	}
}

// show redoes the tree, the kind filter and the search for what is read.
func (l *itemsLoad) show() {
	v := l.v
	l.shown = time.Now()
	v.tree = newFolderTree(v.ix.d)
	v.kind.Options = v.kindChoices()
	v.kind.Refresh()
	v.treeW.Refresh()
	v.openTops(v.treeW)
	v.sayAbout()
	v.apply()
}

// finish ends the reading: every item is in, or err says why not.
func (l *itemsLoad) finish(err error) {
	v := l.v
	l.done, l.err = true, err
	l.show()

	switch {
	case err == nil:
		l.row.Hide()

		if corsoconfig.Restorable(v.b.Service) {
			for _, w := range v.commands {
				w.Enable()
			}
		} else {
			v.said.SetText(fmt.Sprintf("The Corso CLI has no restore or export for %s backups (v0.19.0 restores and exports Exchange, OneDrive, SharePoint and Groups).", serviceName(v.b.Service)))
			v.said.Show()
		}

		if len(v.compare.Options) > 0 {
			v.compare.Enable()
		}
	default:
		text := "Not every item was read: " + err.Error()
		if repo.CodeOf(err) == repo.CodeCanceled {
			text = "Cancelled"
		}

		said := wrapped(fmt.Sprintf("%s. The %s shown are not all of this backup's, so no command is offered; go back and open it again to read them all.", text, plural(v.ix.d.Len(), "item")))
		l.row.Objects = []fyne.CanvasObject{said}
		l.row.Refresh()
	}
}
