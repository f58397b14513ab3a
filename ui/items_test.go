package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/itemindex"
	"github.com/corsodesktop/corso-desktop/repo/library"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
	"github.com/corsodesktop/corso-desktop/repo/shellcmd"
)

// Two backups of one mailbox a day apart: the newer drops items 0-9,
// adds 400-419 and changes every 40th.
var (
	itemsBase  = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	olderItems = repotest.DetailsBackup{ID: "0b5e0001-aaaa-4a5b-9d7e-6c1c2c5f3a10", ResourceName: "Adele Vance", Created: itemsBase,
		Details: repotest.DetailsSpec{Service: "exchange", Resource: "adele-id", To: 400, Base: itemsBase}}
	newerItems = repotest.DetailsBackup{ID: "0b5e0002-aaaa-4a5b-9d7e-6c1c2c5f3a10", ResourceName: "Adele Vance", Created: itemsBase.Add(24 * time.Hour),
		Details: repotest.DetailsSpec{Service: "exchange", Resource: "adele-id", From: 10, To: 420, Base: itemsBase, ChangedEvery: 40}}
)

// repoWithBackups creates a folder repository named name, writes bs
// into it and reads its contents again.
func repoWithBackups(t *testing.T, eng repo.Engine, name string, bs ...repotest.DetailsBackup) (*harness, library.Entry, *repo.Contents) {
	t.Helper()

	h := newHarnessOver(t, eng)
	h.checkFolder(filepath.Join(h.root, name))
	e := h.createHere(name)

	for _, b := range bs {
		if _, err := repotest.WriteBackupWithDetails(context.Background(), h.a.lib.Local(e.ID).ConfigFile, passphrase, b); err != nil {
			t.Fatal(err)
		}
	}

	h.loop.until(t, "the first read of contents", func() bool { st := h.a.contents[e.ID]; return st != nil && !st.loading })
	h.loop.onUI(func() { h.a.loadContents(e) })
	h.loop.until(t, "the contents", func() bool { st := h.a.contents[e.ID]; return st != nil && !st.loading })

	c := h.a.contents[e.ID].result
	if c == nil || len(c.Backups) != len(bs) {
		t.Fatalf("contents %+v, %v", c, h.a.contents[e.ID].err)
	}

	return h, e, c
}

// buttonIn is the button labelled text laid out in o, or nil.
func buttonIn(o fyne.CanvasObject, text string) *widget.Button {
	for _, x := range test.LaidOutObjects(o) {
		if b, ok := x.(*widget.Button); ok && b.Text == text {
			return b
		}
	}

	return nil
}

// openItems makes a repository holding both backups, reads its contents
// and opens the newer backup's items from the backups view.
func openItems(t *testing.T, eng repo.Engine) (*harness, library.Entry) {
	t.Helper()

	h, e, c := repoWithBackups(t, eng, "items", olderItems, newerItems)
	h.loop.onUI(func() { h.a.showBackups(e, c); h.a.backups.list.Select(0) })

	items := buttonIn(h.a.backups.detail, "Items…")
	if items == nil {
		t.Fatal("no Items… button for a backup with details")
	}

	h.tap(items)
	h.loop.until(t, "every item", func() bool { return h.a.items != nil && h.a.items.load.done })
	h.settled()

	if err := h.a.items.load.err; err != nil {
		t.Fatal(err)
	}

	h.settled()

	return h, e
}

// settled waits for the items view to show what it was last asked.
func (h *harness) settled() {
	h.t.Helper()
	h.loop.until(h.t, "the view to settle", func() bool {
		v := h.a.items
		return v != nil && v.applied == v.seq && v.pending == 0 && !v.rows.busy()
	})
}

// shownItems is every row of the view's search, asked of its session.
func shownItems(t *testing.T, v *itemsView) []repo.ShownItem {
	t.Helper()

	var out []repo.ShownItem

	for from := 0; from < v.found.Items; from += repo.MaxShown {
		rows, err := v.session.Shown(context.Background(), v.found.Search, from, repo.MaxShown)
		if err != nil {
			t.Fatal(err)
		}

		out = append(out, rows...)
	}

	if len(out) != v.found.Items {
		t.Fatalf("%d rows of %d", len(out), v.found.Items)
	}

	return out
}

// rowTexts are the texts of the list's rows laid out on screen.
func rowTexts(v *itemsView) []string {
	var out []string

	for _, o := range test.LaidOutObjects(v.list) {
		if l, ok := o.(*widget.Label); ok && l.SizeName == "" && l.Text != "" {
			out = append(out, l.Text)
		}
	}

	return out
}

// readDetails is the backup's details as the engine reads them whole,
// to hold the view's answers against.
func readDetails(t *testing.T, h *harness, e library.Entry, id string) *repo.BackupDetails {
	t.Helper()

	secrets, err := h.a.lib.Secrets(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}

	d, err := h.a.eng.Details(context.Background(), h.a.lib.Local(e.ID), secrets, repo.DetailsRequest{BackupID: id})
	if err != nil {
		t.Fatal(err)
	}

	return d
}

// TestItemsViewShowsAndFinds, over both engines: a backup's items open
// from the backups view as the CLI lists them, by folder, searched,
// filtered, sorted, with totals; the rows on screen come from the
// engine's session a page at a time.
func TestItemsViewShowsAndFinds(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng repo.Engine) {
		h, _ := openItems(t, eng)
		v := h.a.items

		if v.found.Items != 410 || v.status.items != 410 {
			t.Fatalf("%d items shown of %d, want 410", v.found.Items, v.status.items)
		}

		if got := v.tree.children[""]; !slices.Equal(got, []string{"Calendars", "Contacts", "Mail"}) {
			t.Fatalf("tree tops %q", got)
		}

		if !strings.HasPrefix(v.totals.Text, "Showing 410 items") || !strings.HasSuffix(v.totals.Text, "picked 0 items (0 bytes)") {
			t.Fatalf("totals %q", v.totals.Text)
		}

		first := shownItems(t, v)[0]
		if texts := rowTexts(v); len(texts) == 0 || texts[0] != first.Item.Kind.Name()+" · "+first.Item.Name {
			t.Fatalf("the first row on screen says %q, the first item is %+v", texts, first.Item)
		}

		// Items 50, 100, … 400 carry "Invoice" in their names.
		h.typeInto(v.text, "INVOICE")
		h.settled()

		if v.found.Items != 8 {
			t.Fatalf("%d items for invoice, want 8", v.found.Items)
		}

		h.loop.onUI(func() { v.text.SetText("日本語") })
		h.settled()

		for _, r := range shownItems(t, v) {
			if !slices.Contains(v.status.folders[r.Item.Folder], "日本語のフォルダ") && !strings.Contains(r.Item.Name, "日本語") {
				t.Fatalf("%+v matched 日本語", r.Item)
			}
		}

		if v.found.Items == 0 {
			t.Fatal("nothing matched 日本語")
		}

		// A folder's name finds the items in it.
		h.loop.onUI(func() { v.text.SetText("rechnungen &") })
		h.settled()

		inFolder := 0
		for f, n := range v.status.folderItems {
			if slices.Contains(v.status.folders[f], "Rechnungen & Belege") {
				inFolder += int(n)
			}
		}

		if inFolder == 0 || v.found.Items != inFolder {
			t.Fatalf("%d items found by their folder's name, %d in it", v.found.Items, inFolder)
		}

		h.loop.onUI(func() { v.text.SetText(""); v.q.kind = repo.KindMail; v.q.order = itemsLargest; v.apply() })
		h.settled()

		rows := shownItems(t, v)
		for n, r := range rows {
			if r.Item.Kind != repo.KindMail || n > 0 && r.Item.Size > rows[n-1].Item.Size {
				t.Fatalf("not mail, largest first at %d", n)
			}
		}

		h.loop.onUI(func() { v.q.kind = repo.KindUnknown; v.treeW.Select(folderKey([]string{"Mail", "Inbox"})) })
		h.settled()

		for _, r := range shownItems(t, v) {
			if f := v.status.folders[r.Item.Folder]; len(f) < 2 || f[1] != "Inbox" {
				t.Fatalf("an item of %q under Mail/Inbox", f)
			}
		}

		if h.loop.longest > 2*time.Second {
			t.Errorf("the UI goroutine was held %v", h.loop.longest)
		}
	})
}

// TestItemsViewCopiesTheCommandForThePicks, over both engines: picks by
// folder and by item become the restore and export commands, per shell,
// as corsoconfig renders them for that selection of the details read
// whole (run in real shells there); what the CLI cannot take is said
// under the buttons and nothing is copied.
func TestItemsViewCopiesTheCommandForThePicks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng repo.Engine) {
		h, e := openItems(t, eng)
		v := h.a.items
		d := readDetails(t, h, e, newerItems.ID)

		buttons := map[string]*widget.Button{}
		for _, verb := range []string{"restore", "export"} {
			buttons["Copy "+verb+" command"] = buttonIn(h.a.win.Content(), "Copy "+verb+" command")
		}

		h.a.fa.Clipboard().SetContent("before")
		h.tap(buttons["Copy restore command"])
		h.settled()

		if !v.said.Visible() || !strings.Contains(v.said.Text, "select the items or folders to restore first") || h.a.fa.Clipboard().Content() != "before" {
			t.Fatalf("nothing picked: said %q, clipboard %q", v.said.Text, h.a.fa.Clipboard().Content())
		}

		inbox := []string{"Mail", "Inbox"}

		h.loop.onUI(func() {
			v.pick(repo.PickRequest{What: repo.PickFolder, Folder: inbox, On: true})
			v.pick(repo.PickRequest{What: repo.PickItem, Index: 1, On: true})
		})
		h.settled()

		var items []int
		for i := range d.Len() {
			if f := d.FolderOf(i); i == 1 || len(f) >= 2 && slices.Equal(f[:2], inbox) {
				items = append(items, i)
			}
		}

		for _, sh := range shellcmd.Shells {
			h.a.handoff.shell = sh

			for _, verb := range []string{"restore", "export"} {
				h.a.fa.Clipboard().SetContent("")
				h.tap(buttons["Copy "+verb+" command"])
				h.settled()

				want, err := corsoconfig.SelectionCommand(e.Settings(), h.a.commandOptions(e, false), corsoconfig.Selection{Verb: verb, Details: d, Items: items, Folders: [][]string{inbox}, Destination: v.dest.Text}, sh, h.a.handoff.form)

				got := h.a.fa.Clipboard().Content()
				if err != nil || got != want || !strings.Contains(got, "--email-folder") || !strings.Contains(got, "--event") || !strings.Contains(got, newerItems.ID) {
					t.Fatalf("%s %s: %v\n%s\nwant\n%s", sh.Name(), verb, err, got, want)
				}
			}
		}

		if want := fmt.Sprintf("for %d items", len(items)); !strings.Contains(h.a.lastNotice, want) {
			t.Errorf("notice %q, want %q", h.a.lastNotice, want)
		}

		h.loop.onUI(func() {
			v.pick(repo.PickRequest{What: repo.PickItem, Index: 1, On: false})
			v.pick(repo.PickRequest{What: repo.PickItem, Index: 2, On: true})
		})
		h.settled()

		if len(v.picked.Folders) != 1 || v.picked.Items != len(items) || !strings.Contains(v.totals.Text, fmt.Sprintf("picked %d items", len(items))) {
			t.Fatalf("picks: %+v; totals %q", v.picked, v.totals.Text)
		}

		h.loop.onUI(func() { v.pick(repo.PickRequest{What: repo.PickItem, Index: int32(firstIn(d, inbox...)), On: false}) })
		h.settled()

		if len(v.picked.Folders) != 0 {
			t.Fatalf("a folder with an item unpicked is still whole: %q", v.picked.Folders)
		}
	})
}

func firstIn(d *repo.BackupDetails, folder ...string) int {
	for i := range d.Len() {
		if slices.Equal(d.FolderOf(i), folder) {
			return i
		}
	}

	return -1
}

// TestItemsViewComparesBackups, over both engines: comparing with the
// backup a day older says what was added, changed and removed.
func TestItemsViewComparesBackups(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng repo.Engine) {
		h, _ := openItems(t, eng)
		v := h.a.items

		if len(v.compare.Options) != 1 {
			t.Fatalf("compare options %q", v.compare.Options)
		}

		h.loop.onUI(func() { v.compare.SetSelected(v.compare.Options[0]) })
		h.idle()

		var said string

		for _, o := range test.LaidOutObjects(h.a.win.Content()) {
			if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, "From the backup of") {
				said = l.Text
			}
		}

		// 20 added (400-419), 9 changed (40, 80, … 360: 400 is new), 10
		// removed (0-9).
		if !strings.Contains(said, ": 20 added, 9 changed (another size or modification time), 10 removed.") {
			t.Fatalf("comparison says %q; last error %v", said, h.a.lastError)
		}

		// The changes' rows come from the session a page at a time.
		h.loop.until(t, "the changes' rows", func() bool {
			for _, o := range test.LaidOutObjects(v.compareView) {
				if l, ok := o.(*widget.Label); ok && (strings.HasPrefix(l.Text, "Changed: ") || strings.HasPrefix(l.Text, "Added: ")) {
					return true
				}
			}

			return false
		})

		back := buttonIn(v.compareView, "Back to the items")
		h.tap(back)

		if v.closed || h.a.items != v {
			t.Fatal("going back from the comparison closed the items")
		}

		// Leaving the items for the backups ends the session.
		h.tap(buttonIn(v.view, "Back"))
		h.loop.until(t, "the session to close", func() bool {
			found, err := v.session.Search(context.Background(), repo.ItemsQuery{})
			return v.closed && (err != nil || found.Items == 0)
		})
	})
}

// TestItemsArriveWhileShown, over both engines: a large backup's items
// show as they are read, in parts, and a search typed meanwhile runs on
// what is there (under -race: the search reads while parts are added).
func TestItemsArriveWhileShown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng repo.Engine) {
		b := repotest.DetailsBackup{ID: "0b5e0003-aaaa-4a5b-9d7e-6c1c2c5f3a10", ResourceName: "Bruno", Created: itemsBase,
			Details: repotest.DetailsSpec{Service: "onedrive", Resource: "bruno-id", To: 60000, Base: itemsBase}}
		h, e, c := repoWithBackups(t, eng, "large", b)

		h.loop.onUI(func() { h.a.openBackupItems(e, c.Backups[0], c) })
		h.loop.until(t, "the first items", func() bool { return h.a.items.status.items > 0 })

		h.loop.onUI(func() { h.a.items.text.SetText("report-00") })
		h.loop.until(t, "every item", func() bool { return h.a.items.load.done })
		h.settled()

		v := h.a.items
		if v.load.err != nil || v.status.items != 60000 || v.load.polls < 2 {
			t.Fatalf("%d items in %d polls: %v", v.status.items, v.load.polls, v.load.err)
		}

		// report-000000 … report-009999, less the odd names every 50th.
		want := 0
		for i := 0; i < 10000; i++ {
			if i%50 >= 4 {
				want++
			}
		}

		if v.found.Items != want || v.about.Text == "" || strings.Contains(v.about.Text, "so far") {
			t.Fatalf("%d found, want %d; about %q", v.found.Items, want, v.about.Text)
		}

		for _, w := range v.commands {
			if w.Disabled() {
				t.Fatal("a command stayed disabled after every item was read")
			}
		}
	})
}

// partThenWait reads its sessions with a reader that hands over one part
// of the real details, then waits for the stop: for the UI's handling of
// Cancel while items arrive.
type partThenWait struct{ repo.Engine }

func (p partThenWait) OpenDetails(_ context.Context, local repo.Local, sec repo.Secrets, req repo.DetailsRequest) (repo.DetailsSession, error) {
	return itemindex.Open(func(ctx context.Context, r repo.DetailsRequest) (*repo.BackupDetails, error) {
		d, err := p.Engine.Details(context.Background(), local, sec, r)
		if err != nil {
			return nil, err
		}

		part := &repo.BackupDetails{Folders: d.Folders}
		part.Append(d.Slice(0, 100))
		repo.ItemParts(ctx)(part)

		<-ctx.Done()

		return nil, repo.CanceledError(ctx.Err())
	}, req), nil
}

// TestItemsReadingCanBeCancelled: Cancel stops the reading, what arrived
// stays shown, the view says it is not every item and offers no command.
func TestItemsReadingCanBeCancelled(t *testing.T) {
	h, e, c := repoWithBackups(t, partThenWait{Engine: inProcess}, "slow", newerItems)
	h.loop.onUI(func() { h.a.openBackupItems(e, c.Backups[0], c) })
	h.loop.until(t, "the first part", func() bool { return h.a.items.status.items == 100 })

	v := h.a.items

	cancel := buttonIn(v.load.row, "Cancel")
	if cancel == nil {
		t.Fatal("no Cancel while the items are read")
	}

	h.tap(cancel)
	h.loop.until(t, "the reading to stop", func() bool { return v.load.done })
	h.settled()

	said := ""
	for _, o := range test.LaidOutObjects(v.load.row) {
		if l, ok := o.(*widget.Label); ok {
			said += l.Text
		}
	}

	if !strings.HasPrefix(said, "Cancelled. The 100 items shown are not all of this backup's, so no command is offered") || v.found.Items != 100 {
		t.Fatalf("said %q, %d shown", said, v.found.Items)
	}

	for _, w := range v.commands {
		if !w.Disabled() {
			t.Fatal("a command is offered for a backup not read whole")
		}
	}

	if !v.compare.Disabled() {
		t.Fatal("compare is offered for a backup not read whole")
	}
}
