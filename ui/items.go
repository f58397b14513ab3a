// Inside one backup: its items as `corso backup details` lists them, by
// folder and as a list, searched and filtered, picked, and handed to the
// Corso CLI as the restore or export command for exactly what is picked.

package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// itemsView is the items of one backup on screen. The items stay in the
// engine's session (repo.DetailsSession): the view holds the folders, the
// counts and the rows on screen, and asks for the rest.
type itemsView struct {
	a        *App
	e        library.Entry
	b        repo.Backup
	contents *repo.Contents
	session  repo.DetailsSession
	// work runs session calls that must keep their order (picks, then
	// the command for them) one after another; pending counts those not
	// answered yet.
	work    chan func(repo.DetailsSession)
	pending int
	closed  bool

	status itemsStatus
	tree   *folderTree
	q      itemQuery
	found  repo.ItemsFound
	rows   *pager[repo.ShownItem]
	picked repo.Picked
	// seq counts searches started, applied the one shown.
	seq, applied int
	cancel       context.CancelFunc

	view        fyne.CanvasObject
	compareView fyne.CanvasObject
	list        *widget.List
	treeW       *widget.Tree
	text        *keyEntry
	totals      *widget.Label
	said        *widget.Label
	dest        *widget.Entry
	compare     *widget.Select
	kind        *widget.Select
	about       *widget.Label
	// commands are the copy and compare controls, enabled once every item
	// is read.
	commands []fyne.Disableable
	load     *itemsLoad
}

// itemsStatus is what the view knows of the items read so far: their
// number, the folders, how many items each holds, their kinds.
type itemsStatus struct {
	items       int
	folders     [][]string
	folderItems []int32
	kinds       []repo.ItemKind
}

// showItems shows the items of backup b in e, none read yet.
func (a *App) showItems(e library.Entry, b repo.Backup, c *repo.Contents) *itemsView {
	v := &itemsView{a: a, e: e, b: b, contents: c}
	v.tree = newFolderTree(nil, nil)
	v.q = itemQuery{when: anyTime, size: anySize, order: itemsByFolder}
	v.rows = newPager(a, func(ctx context.Context, search, from, n int) ([]repo.ShownItem, error) {
		return v.session.Shown(ctx, search, from, n)
	})
	a.items = v

	v.text = a.newEntry("name, subject, sender, owner or folder", false)
	v.text.OnChanged = func(s string) { v.q.text = s; v.apply() }

	v.kind = widget.NewSelect(v.kindChoices(), func(s string) {
		v.q.kind = repo.KindUnknown
		for _, k := range repo.ItemKinds {
			if k.Name() == s {
				v.q.kind = k
			}
		}

		v.apply()
	})
	v.kind.SetSelected(anyKind)

	when := widget.NewSelect(whenChoices, func(s string) { v.q.when = s; v.apply() })
	when.SetSelected(anyTime)
	size := widget.NewSelect(sizeChoices, func(s string) { v.q.size = s; v.apply() })
	size.SetSelected(anySize)
	order := widget.NewSelect(itemOrders, func(s string) { v.q.order = s; v.apply() })
	order.SetSelected(itemsByFolder)

	v.list = widget.NewList(func() int { return v.found.Items }, newItemRow, v.updateRow)
	v.rows.list = v.list
	v.rows.failed = v.sayProblem
	v.list.OnSelected = func(id widget.ListItemID) {
		if row, ok := v.rows.row(id); ok {
			v.pick(repo.PickRequest{What: repo.PickItem, Index: row.Index, On: !row.Picked})
		}

		v.list.UnselectAll()
	}

	v.treeW = v.newTreeWidget()
	v.totals = widget.NewLabel("")
	v.said = widget.NewLabel("")
	v.said.Wrapping = fyne.TextWrapWord
	v.said.Hide()

	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), func() {
		a.showBackups(e, c)
	})
	title := widget.NewLabelWithStyle(fmt.Sprintf("%s backup of %s, %s", serviceName(b.Service), orNone(b.ResourceName, b.ResourceID), b.Created.Local().Format("2 January 2006, 15:04")), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.about = wrapped("")
	v.about.SizeName = theme.SizeNameCaptionText
	v.load = newItemsLoad(v)

	filters := container.NewBorder(nil, nil, nil, container.NewHBox(v.kind, when, size, order), v.text)
	top := container.NewVBox(container.NewBorder(nil, nil, title, container.NewHBox(v.compareSelect(), back)), v.about, v.load.row, filters)

	all := widget.NewButton("All folders", func() { v.treeW.UnselectAll(); v.q.scope = nil; v.apply() })
	split := container.NewHSplit(container.NewBorder(container.NewHBox(all), nil, nil, nil, v.treeW), v.list)
	split.Offset = 0.3

	bottom := container.NewVBox(v.actions(), v.said)

	v.view = container.NewPadded(container.NewBorder(top, bottom, nil, nil, split))
	a.setView(v.view)
	a.itemsOpen = v
	v.sayAbout()
	v.showPicks()

	return v
}

// attach gives the view its session, and starts the worker that runs
// its ordered calls.
func (v *itemsView) attach(s repo.DetailsSession) {
	v.session = s
	v.work = make(chan func(repo.DetailsSession), 256)

	go func() {
		for f := range v.work {
			f(s)
		}
	}()
}

// inOrder runs f on the session after the calls queued before it.
func (v *itemsView) inOrder(f func(repo.DetailsSession)) {
	if v.session == nil || v.closed {
		return
	}

	v.pending++
	v.work <- func(s repo.DetailsSession) {
		f(s)
		v.a.post(func() { v.pending-- })
	}
}

// settled says the view shows what it was last asked: every item read,
// the last search, picks and command answered, the rows on screen in.
func (v *itemsView) settled() bool {
	return v.load.done && v.applied == v.seq && v.pending == 0 && !v.rows.busy()
}

// close ends the view's session: its reading, its items and, for the
// shipped app, its helper process.
func (v *itemsView) close() {
	if v.closed {
		return
	}

	v.closed = true
	v.stop()
	v.load.end()

	if v.session != nil {
		close(v.work)
		go v.session.Close() //nolint:errcheck // nothing to say: the items are no longer shown
	}
}

// kindChoices are the kind filter's choices: every kind among the items.
func (v *itemsView) kindChoices() []string {
	kinds := []string{anyKind}
	for _, k := range v.status.kinds {
		kinds = append(kinds, k.Name())
	}

	return kinds
}

// sayAbout says what the view shows, and how the items were read.
func (v *itemsView) sayAbout() {
	st := v.status
	text := fmt.Sprintf("%s in %s, as `corso backup details %s --backup %s` lists them, read from the repository alone. Restoring stays with the Corso CLI: pick items or folders and copy its command.",
		plural(st.items, "item"), plural(len(st.folders), "folder"), v.b.Service, v.b.ID)

	if !v.load.done {
		text = fmt.Sprintf("%s read so far, in %s.", plural(st.items, "item"), plural(len(st.folders), "folder"))
	}

	v.about.SetText(text)
}

// stop ends a search still under way.
func (v *itemsView) stop() {
	if v.cancel != nil {
		v.cancel()
	}
}

// apply searches for what the filters ask, in the session, and shows
// the answer unless a newer search has started since.
func (v *itemsView) apply() {
	v.stop()
	v.seq++

	if v.session == nil || v.closed {
		v.applied = v.seq
		return
	}

	ctx, cancel := context.WithCancel(context.Background())
	v.cancel = cancel
	seq, q, s := v.seq, v.q.request(time.Now()), v.session

	go func() {
		found, err := s.Search(ctx, q)
		if ctx.Err() != nil {
			return
		}

		v.a.post(func() {
			if seq != v.seq || v.closed {
				return
			}

			v.applied = seq
			if err != nil {
				v.sayProblem(err)
				return
			}

			v.found = *found
			v.rows.reset(found.Search, found.Items)
			v.list.UnselectAll()
			v.list.ScrollToTop()
			v.list.Refresh()
			v.showPicks()
		})
	}()
}

// sayProblem says, under the buttons, that a question to the engine
// failed.
func (v *itemsView) sayProblem(err error) {
	if repo.CodeOf(err) == repo.CodeCanceled {
		return // replaced by a newer search, whose answer is on its way
	}

	v.said.SetText("The items could not be shown: " + err.Error())
	v.said.Show()
}

func newItemRow() fyne.CanvasObject {
	check := widget.NewCheck("", nil)
	name := widget.NewLabel("")
	name.Truncation = fyne.TextTruncateEllipsis
	where := widget.NewLabel("")
	where.Truncation = fyne.TextTruncateEllipsis
	where.SizeName = theme.SizeNameCaptionText
	when := widget.NewLabel("")
	when.SizeName = theme.SizeNameCaptionText

	return container.NewBorder(nil, nil, check, when, container.NewVBox(name, where))
}

func (v *itemsView) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	c := o.(*fyne.Container)
	texts := c.Objects[0].(*fyne.Container)
	check := c.Objects[1].(*widget.Check)
	when := c.Objects[2].(*widget.Label)
	check.OnChanged = nil

	row, ok := v.rows.row(id)
	if !ok {
		// Asked for; shown when it arrives.
		check.SetChecked(false)
		texts.Objects[0].(*widget.Label).SetText("…")
		texts.Objects[1].(*widget.Label).SetText("")
		when.SetText("")

		return
	}

	it := row.Item
	check.SetChecked(row.Picked)
	check.OnChanged = func(on bool) { v.pick(repo.PickRequest{What: repo.PickItem, Index: row.Index, On: on}) }

	texts.Objects[0].(*widget.Label).SetText(it.Kind.Name() + " · " + orNone(it.Name, "(no name)"))

	where := ""
	if int(it.Folder) < len(v.status.folders) {
		where = strings.Join(v.status.folders[it.Folder], " / ")
	}

	if it.By != "" {
		where += " · " + it.By
	}

	texts.Objects[1].(*widget.Label).SetText(where)

	date := ""
	if !it.Modified.IsZero() {
		date = it.Modified.Local().Format("2 Jan 2006 15:04")
	}

	when.SetText(strings.TrimSpace(date + "  " + itemSize(it)))
}

// itemSize is an item's size as the CLI counts it: bytes, or a chat's
// messages.
func itemSize(it repo.DetailItem) string {
	if it.Kind == repo.KindChat {
		return plural(int(it.Size), "message")
	}

	if it.Size == 0 {
		return ""
	}

	return byteSize(it.Size)
}

// pick asks the session to pick or unpick, after the picks asked before,
// and shows what is picked then.
func (v *itemsView) pick(p repo.PickRequest) {
	if p.What == repo.PickItem {
		// Shown at once; the session's answer confirms it.
		v.rows.each(func(r *repo.ShownItem) {
			if r.Index == p.Index {
				r.Picked = p.On
			}
		})
	}

	v.inOrder(func(s repo.DetailsSession) {
		picked, err := s.Pick(context.Background(), p)

		v.a.post(func() {
			if v.closed {
				return
			}

			if err != nil {
				v.sayProblem(err)
				return
			}

			v.picked = *picked
			v.rows.stale()
			v.showPicks()
		})
	})
}

// folderPicked says whether f is picked whole (itself or a folder above).
func (v *itemsView) folderPicked(f []string) bool {
	for _, g := range v.picked.Folders {
		if len(f) >= len(g) && slices.Equal(f[:len(g)], g) {
			return true
		}
	}

	return false
}

// showPicks redraws what depends on the picks: the totals, the rows'
// and the tree's checks.
func (v *itemsView) showPicks() {
	v.totals.SetText(fmt.Sprintf("Showing %s (%s) · picked %s (%s)",
		plural(v.found.Items, "item"), byteSize(v.found.Bytes), plural(v.picked.Items, "item"), byteSize(v.picked.Bytes)))
	v.list.Refresh()
	v.treeW.Refresh()
	v.said.Hide()
}

// actions are the buttons under the list: picking, the commands, and
// comparing with another backup.
func (v *itemsView) actions() fyne.CanvasObject {
	a := v.a

	pickShown := widget.NewButton("Pick all shown", func() {
		v.pick(repo.PickRequest{What: repo.PickShown, Search: v.found.Search, On: true})
	})
	clearPicks := widget.NewButton("Clear picks", func() { v.pick(repo.PickRequest{What: repo.PickNone}) })

	shell, form := a.handoffPickers(func() {})
	v.dest = widget.NewEntry()
	v.dest.SetPlaceHolder("folder the export writes to")
	v.dest.SetText("corso-export-" + shortID(v.b.ID))

	restore := widget.NewButtonWithIcon("Copy restore command", theme.ContentCopyIcon(), func() { v.copyCommand("restore") })
	export := widget.NewButtonWithIcon("Copy export command", theme.ContentCopyIcon(), func() { v.copyCommand("export") })

	v.commands = []fyne.Disableable{restore, export}

	top := container.NewBorder(nil, nil, v.totals, container.NewHBox(pickShown, clearPicks))
	cmds := container.NewBorder(nil, nil, container.NewHBox(restore, export), nil, v.dest)

	return container.NewVBox(top, container.NewHBox(shell, form), cmds)
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}

	return id
}

// copyCommand copies the restore or export command for the picks, or
// says, under the buttons, why there is none. The session makes the
// CLI's flags where the items are, after the picks asked before.
func (v *itemsView) copyCommand(verb string) {
	sh, form, dest := v.a.handoff.shell, v.a.handoff.form, v.dest.Text

	v.inOrder(func(s repo.DetailsSession) {
		flags, err := s.SelectionFlags(context.Background(), verb)

		v.a.post(func() {
			if v.closed {
				return
			}

			text := ""
			if err == nil {
				picked := corsoconfig.Picked{Verb: verb, Service: v.b.Service, BackupID: v.b.ID, Destination: dest, Flags: flags.Flags, Items: flags.Items}
				text, err = corsoconfig.PickedCommand(v.e.Settings(), v.a.commandOptions(v.e, false), picked, sh, form)
			}

			if err != nil {
				v.said.SetText("No command copied: " + strings.TrimSuffix(err.Error(), ".") + ".")
				v.said.Show()

				return
			}

			v.a.fa.Clipboard().SetContent(text)
			v.said.Hide()
			v.a.notice(fmt.Sprintf("Copied the %s command for %s (%s) for %s.", verb, plural(flags.Items, "item"), byteSize(flags.Bytes), sh.Name()))
		})
	})
}
