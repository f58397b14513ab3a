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

// itemsLoad is the reading of a backup's items, in the engine's session,
// while the view shows those read so far: its step, Cancel, and how it
// ended.
type itemsLoad struct {
	v *itemsView
	// cancel stops the opening, then the reading; end stops the opening
	// and the asking, for a view that is left.
	cancel, end context.CancelFunc
	done        bool
	// unshown says a status brought something not shown yet.
	unshown bool
	err     error
	// polls counts the statuses that brought new items.
	polls int
	row   *fyne.Container
	step  *widget.Label
}

// The view asks how far the reading is every refreshEvery, and sooner
// until the first items are in, for a first screen at once.
const (
	refreshEvery = 400 * time.Millisecond
	firstEvery   = 50 * time.Millisecond
)

func newItemsLoad(v *itemsView) *itemsLoad {
	l := &itemsLoad{v: v, cancel: func() {}, end: func() {}, step: widget.NewLabel("Opening the repository…")}
	stop := widget.NewButton("Cancel", func() { l.cancel() })
	l.row = container.NewVBox(container.NewHBox(widget.NewActivity(), l.step, stop))

	return l
}

// openBackupItems shows b's items at once and has the engine read them
// into a session: the view asks every so often how far it is, and shows
// the folders and a search of what is in; the commands that need every
// item (restore, export, compare) wait for the end. c is the
// repository's contents the backups view came from.
func (a *App) openBackupItems(e library.Entry, b repo.Backup, c *repo.Contents) {
	v := a.showItems(e, b, c)
	l := v.load

	ctx, cancel := context.WithCancel(context.Background())
	l.cancel, l.end = cancel, cancel

	for _, w := range v.commands {
		w.Disable()
	}

	v.compare.Disable()

	go func() {
		secrets, err := a.lib.Secrets(ctx, e)

		var s repo.DetailsSession
		if err == nil {
			s, err = a.eng.OpenDetails(ctx, a.lib.Local(e.ID), secrets, repo.DetailsRequest{BackupID: b.ID})
		}

		a.post(func() {
			if err == nil && v.closed {
				go s.Close() //nolint:errcheck // opened after the view was left
				return
			}

			if err != nil {
				l.finish(err)
				return
			}

			v.attach(s)
			l.cancel = func() {
				go s.StopReading(context.Background()) //nolint:errcheck // the next status says how it ended
			}

			go l.poll(ctx, s)
		})
	}()
}

// poll asks the session how far the reading is until it ends or the
// view is left, and shows what is new.
func (l *itemsLoad) poll(ctx context.Context, s repo.DetailsSession) {
	every := firstEvery

	for {
		var folders int

		l.v.a.postWait(func() { folders = len(l.v.status.folders) })

		st, err := s.Status(ctx, folders)
		if ctx.Err() != nil {
			return
		}

		if err != nil {
			st = &repo.DetailsStatus{Done: true, Err: err}
		}

		more := false

		l.v.a.postWait(func() { more = l.update(st) })

		if st.Done && !more {
			return
		}

		if st.Items > 0 {
			every = refreshEvery
		}

		if !more {
			select {
			case <-ctx.Done():
				return
			case <-time.After(every):
			}
		}
	}
}

// update shows st; more says it did not carry every folder yet.
func (l *itemsLoad) update(st *repo.DetailsStatus) (more bool) {
	v := l.v
	if v.closed || l.done {
		return false
	}

	if st.Step != "" {
		l.step.SetText(string(st.Step))
	}

	v.status.folders = append(v.status.folders, st.Folders...)
	more = len(v.status.folders) < st.FolderCount

	if st.Items != v.status.items || len(st.Folders) > 0 || st.Done {
		v.status.items, v.status.folderItems, v.status.kinds = st.Items, st.FolderItems, st.Kinds
		l.polls++
		l.unshown = true

		if st.Items > 0 {
			l.step.SetText(fmt.Sprintf("Reading the backup's items… %s so far", plural(st.Items, "item")))
		}
	}

	if l.unshown && !more {
		l.unshown = false
		l.show()
	}

	if st.Done && !more {
		l.finish(st.Err)
	}

	return more
}

// show redoes the tree, the kind filter and the search for what is read.
func (l *itemsLoad) show() {
	v := l.v
	v.tree = newFolderTree(v.status.folders, v.status.folderItems)
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
	v.sayAbout()

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

		said := wrapped(fmt.Sprintf("%s. The %s shown are not all of this backup's, so no command is offered; go back and open it again to read them all.", text, plural(v.status.items, "item")))
		l.row.Objects = []fyne.CanvasObject{said}
		l.row.Refresh()
	}
}
