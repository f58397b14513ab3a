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

// itemsView is the items of one backup on screen.
type itemsView struct {
	a        *App
	e        library.Entry
	b        repo.Backup
	contents *repo.Contents
	ix       *itemIndex
	picks    *picks
	tree     *folderTree

	q     itemQuery
	shown []int32
	// seq counts searches started, applied the one shown.
	seq, applied int
	cancel       context.CancelFunc

	view    fyne.CanvasObject
	list    *widget.List
	treeW   *widget.Tree
	text    *keyEntry
	totals  *widget.Label
	said    *widget.Label
	dest    *widget.Entry
	compare *widget.Select
	kind    *widget.Select
	about   *widget.Label
	// commands are the copy and compare controls, enabled once every item
	// is read.
	commands []fyne.Disableable
	load     *itemsLoad
}

// showItems shows d, the details of backup b in e, read so far.
func (a *App) showItems(e library.Entry, b repo.Backup, c *repo.Contents, d *repo.BackupDetails) *itemsView {
	ix := newItemIndex(d)
	v := &itemsView{a: a, e: e, b: b, contents: c, ix: ix, picks: newPicks(ix), tree: newFolderTree(d)}
	v.q = itemQuery{when: anyTime, size: anySize, order: itemsByFolder}
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

	v.list = widget.NewList(func() int { return len(v.shown) }, newItemRow, v.updateRow)
	v.list.OnSelected = func(id widget.ListItemID) {
		i := int(v.shown[id])
		v.picks.pickItem(i, !v.picks.item[i])
		v.list.UnselectAll()
		v.refreshPicks()
	}

	v.treeW = v.newTreeWidget()
	v.totals = widget.NewLabel("")
	v.said = widget.NewLabel("")
	v.said.Wrapping = fyne.TextWrapWord
	v.said.Hide()

	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), func() {
		v.stop()
		v.load.stop()
		a.items = nil
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
	v.sayAbout()
	v.apply()

	return v
}

// kindChoices are the kind filter's choices: every kind among the items.
func (v *itemsView) kindChoices() []string {
	kinds := []string{anyKind}
	for _, k := range repo.ItemKinds {
		if v.tree.kinds[k] {
			kinds = append(kinds, k.Name())
		}
	}

	return kinds
}

// sayAbout says what the view shows, and how the items were read.
func (v *itemsView) sayAbout() {
	d := v.ix.d
	text := fmt.Sprintf("%s in %s, as `corso backup details %s --backup %s` lists them, read from the repository alone. Restoring stays with the Corso CLI: pick items or folders and copy its command.",
		plural(d.Len(), "item"), plural(len(d.Folders), "folder"), v.b.Service, v.b.ID)

	if !v.load.done {
		text = fmt.Sprintf("%s read so far, in %s.", plural(d.Len(), "item"), plural(len(d.Folders), "folder"))
	}

	v.about.SetText(text)
}

// stop ends a search still under way.
func (v *itemsView) stop() {
	if v.cancel != nil {
		v.cancel()
	}
}

// apply searches for what the filters ask, off the UI goroutine, and
// shows the answer unless a newer search has started since.
func (v *itemsView) apply() {
	v.stop()

	ctx, cancel := context.WithCancel(context.Background())
	v.cancel = cancel
	v.seq++
	seq, q, ix := v.seq, v.q, v.ix.snapshot()
	q.now = time.Now()

	go func() {
		shown := ix.match(ctx, q)
		if ctx.Err() != nil {
			return
		}

		v.a.post(func() {
			if seq != v.seq || v.a.items != v {
				return
			}

			v.shown, v.applied = shown, seq
			v.list.UnselectAll()
			v.list.ScrollToTop()
			v.list.Refresh()
			v.refreshPicks()
		})
	}()
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
	if id >= len(v.shown) {
		return
	}

	i := int(v.shown[id])
	it := v.ix.d.Item(i)
	c := o.(*fyne.Container)
	texts := c.Objects[0].(*fyne.Container)
	check := c.Objects[1].(*widget.Check)
	when := c.Objects[2].(*widget.Label)

	check.OnChanged = nil
	check.SetChecked(v.picks.item[i])
	check.OnChanged = func(on bool) { v.picks.pickItem(i, on); v.refreshPicks() }

	texts.Objects[0].(*widget.Label).SetText(it.Kind.Name() + " · " + orNone(it.Name, "(no name)"))

	where := strings.Join(v.ix.d.FolderOf(i), " / ")
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

// refreshPicks redraws what depends on the picks: the totals, the rows'
// and the tree's checks.
func (v *itemsView) refreshPicks() {
	var shownBytes int64

	for _, i := range v.shown {
		shownBytes += v.ix.d.Size(int(i))
	}

	v.totals.SetText(fmt.Sprintf("Showing %s (%s) · picked %s (%s)",
		plural(len(v.shown), "item"), byteSize(shownBytes), plural(v.picks.count, "item"), byteSize(v.picks.bytes)))
	v.list.Refresh()
	v.treeW.Refresh()
	v.said.Hide()
}

// actions are the buttons under the list: picking, the commands, and
// comparing with another backup.
func (v *itemsView) actions() fyne.CanvasObject {
	a := v.a

	pickShown := widget.NewButton("Pick all shown", func() { v.picks.pickShown(v.shown, true); v.refreshPicks() })
	clearPicks := widget.NewButton("Clear picks", func() { v.picks.clear(); v.refreshPicks() })

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
// says, under the buttons, why there is none.
func (v *itemsView) copyCommand(verb string) {
	items, folders := v.picks.selection()
	sel := corsoconfig.Selection{Verb: verb, Details: v.ix.d, Items: items, Folders: folders, Destination: v.dest.Text}
	sh := v.a.handoff.shell

	text, err := corsoconfig.SelectionCommand(v.e.Settings(), v.a.commandOptions(v.e, false), sel, sh, v.a.handoff.form)
	if err != nil {
		msg := err.Error()
		v.said.SetText("No command copied: " + msg + ".")
		v.said.Show()

		return
	}

	v.a.fa.Clipboard().SetContent(text)
	v.said.Hide()
	v.a.notice(fmt.Sprintf("Copied the %s command for %s (%s) for %s.", verb, plural(v.picks.count, "item"), byteSize(v.picks.bytes), sh.Name()))
}

// compareSelect offers the other backups of the same resource and
// service, newest first, to compare this one with.
func (v *itemsView) compareSelect() fyne.CanvasObject {
	var (
		labels []string
		others []repo.Backup
	)

	for _, o := range v.contents.Backups {
		if o.ID != v.b.ID && o.Service == v.b.Service && o.ResourceID == v.b.ResourceID && o.StreamStoreID != "" {
			others = append(others, o)
			labels = append(labels, "Compare with "+o.Created.Local().Format("2 Jan 2006 15:04"))
		}
	}

	v.compare = widget.NewSelect(labels, func(s string) {
		if !v.load.done {
			return
		}

		if i := slices.Index(labels, s); i >= 0 {
			v.compareWith(others[i])
		}
	})
	v.compare.PlaceHolder = "Compare with another backup…"

	if len(others) == 0 {
		v.compare.PlaceHolder = "No other backup of this resource to compare with"
		v.compare.Disable()
	}

	return v.compare
}
