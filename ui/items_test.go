package ui

import (
	"context"
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

	if err := h.a.items.load.err; err != nil {
		t.Fatal(err)
	}

	h.settled()

	return h, e
}

// settled waits for the items view's last search to be shown.
func (h *harness) settled() {
	h.t.Helper()
	h.loop.until(h.t, "the search", func() bool { return h.a.items != nil && h.a.items.applied == h.a.items.seq })
}

// TestItemsViewShowsAndFinds, over both engines: a backup's items open
// from the backups view as the CLI lists them, by folder, searched,
// filtered, sorted, with totals.
func TestItemsViewShowsAndFinds(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng repo.Engine) {
		h, _ := openItems(t, eng)
		v := h.a.items

		if len(v.shown) != 410 || v.ix.d.Len() != 410 {
			t.Fatalf("%d items shown of %d, want 410", len(v.shown), v.ix.d.Len())
		}

		if got := v.tree.children[""]; !slices.Equal(got, []string{"Calendars", "Contacts", "Mail"}) {
			t.Fatalf("tree tops %q", got)
		}

		if !strings.HasPrefix(v.totals.Text, "Showing 410 items") || !strings.HasSuffix(v.totals.Text, "picked 0 items (0 bytes)") {
			t.Fatalf("totals %q", v.totals.Text)
		}

		// Items 50, 100, … 400 carry "Invoice" in their names.
		h.typeInto(v.text, "INVOICE")
		h.settled()

		if len(v.shown) != 8 {
			t.Fatalf("%d items for invoice, want 8", len(v.shown))
		}

		h.loop.onUI(func() { v.text.SetText("日本語") })
		h.settled()

		for _, i := range v.shown {
			if !slices.Contains(v.ix.d.FolderOf(int(i)), "日本語のフォルダ") && !strings.Contains(v.ix.d.Item(int(i)).Name, "日本語") {
				t.Fatalf("%+v matched 日本語", v.ix.d.Item(int(i)))
			}
		}

		if len(v.shown) == 0 {
			t.Fatal("nothing matched 日本語")
		}

		// A folder's name finds the items in it.
		h.loop.onUI(func() { v.text.SetText("rechnungen &") })
		h.settled()

		inFolder := 0
		for i := range v.ix.d.Len() {
			if slices.Contains(v.ix.d.FolderOf(i), "Rechnungen & Belege") {
				inFolder++
			}
		}

		if inFolder == 0 || len(v.shown) != inFolder {
			t.Fatalf("%d items found by their folder's name, %d in it", len(v.shown), inFolder)
		}

		h.loop.onUI(func() { v.text.SetText(""); v.q.kind = repo.KindMail; v.q.order = itemsLargest; v.apply() })
		h.settled()

		for n, i := range v.shown {
			if v.ix.d.Kind(int(i)) != repo.KindMail || n > 0 && v.ix.d.Size(int(i)) > v.ix.d.Size(int(v.shown[n-1])) {
				t.Fatalf("not mail, largest first at %d", n)
			}
		}

		h.loop.onUI(func() { v.q.kind = repo.KindUnknown; v.treeW.Select(folderKey([]string{"Mail", "Inbox"})) })
		h.settled()

		for _, i := range v.shown {
			if f := v.ix.d.FolderOf(int(i)); len(f) < 2 || f[1] != "Inbox" {
				t.Fatalf("an item of %q under Mail/Inbox", f)
			}
		}

		if h.loop.longest > 2*time.Second {
			t.Errorf("the UI goroutine was held %v", h.loop.longest)
		}
	})
}

// TestItemsViewCopiesTheCommandForThePicks: picks by folder and by item
// become the restore and export commands, per shell, as corsoconfig
// renders them for that selection (run in real shells there); what the
// CLI cannot take is said under the buttons and nothing is copied.
func TestItemsViewCopiesTheCommandForThePicks(t *testing.T) {
	h, e := openItems(t, inProcess)
	v := h.a.items

	buttons := map[string]*widget.Button{}
	for _, verb := range []string{"restore", "export"} {
		buttons["Copy "+verb+" command"] = buttonIn(h.a.win.Content(), "Copy "+verb+" command")
	}

	h.a.fa.Clipboard().SetContent("before")
	h.tap(buttons["Copy restore command"])

	if !v.said.Visible() || !strings.Contains(v.said.Text, "select the items or folders to restore first") || h.a.fa.Clipboard().Content() != "before" {
		t.Fatalf("nothing picked: said %q, clipboard %q", v.said.Text, h.a.fa.Clipboard().Content())
	}

	h.loop.onUI(func() {
		v.picks.pickFolder([]string{"Mail", "Inbox"}, true)
		v.picks.pickItem(1, true)
		v.refreshPicks()
	})

	for _, sh := range shellcmd.Shells {
		h.a.handoff.shell = sh

		for _, verb := range []string{"restore", "export"} {
			h.tap(buttons["Copy "+verb+" command"])

			items, folders := v.picks.selection()
			want, err := corsoconfig.SelectionCommand(e.Settings(), h.a.commandOptions(e, false), corsoconfig.Selection{Verb: verb, Details: v.ix.d, Items: items, Folders: folders, Destination: v.dest.Text}, sh, h.a.handoff.form)

			got := h.a.fa.Clipboard().Content()
			if err != nil || got != want || !strings.Contains(got, "--email-folder") || !strings.Contains(got, "--event") || !strings.Contains(got, newerItems.ID) {
				t.Fatalf("%s %s: %v\n%s", sh.Name(), verb, err, got)
			}
		}
	}

	if !strings.Contains(h.a.lastNotice, "for 47 items") {
		t.Errorf("notice %q", h.a.lastNotice)
	}

	h.loop.onUI(func() { v.picks.pickItem(1, false); v.picks.pickItem(2, true); v.refreshPicks() })

	if _, folders := v.picks.selection(); len(folders) != 1 || v.picks.count != 47 {
		t.Fatalf("picks: %d, folders %q", v.picks.count, folders)
	}

	h.loop.onUI(func() { v.picks.pickItem(int(firstIn(v, "Mail", "Inbox")), false); v.refreshPicks() })

	if _, folders := v.picks.selection(); len(folders) != 0 {
		t.Fatalf("a folder with an item unpicked is still whole: %q", folders)
	}
}

func firstIn(v *itemsView, folder ...string) int32 {
	for i := range v.ix.d.Len() {
		if slices.Equal(v.ix.d.FolderOf(i), folder) {
			return int32(i)
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
		h.loop.until(t, "the first items", func() bool { return h.a.items.ix.d.Len() > 0 })

		h.loop.onUI(func() { h.a.items.text.SetText("report-00") })
		h.loop.until(t, "every item", func() bool { return h.a.items.load.done })
		h.settled()

		v := h.a.items
		if v.load.err != nil || v.ix.d.Len() != 60000 || v.load.parts < 3 {
			t.Fatalf("%d items in %d parts: %v", v.ix.d.Len(), v.load.parts, v.load.err)
		}

		// report-000000 … report-009999, less the odd names every 50th.
		want := 0
		for i := 0; i < 10000; i++ {
			if i%50 >= 4 {
				want++
			}
		}

		if len(v.shown) != want || v.about.Text == "" || strings.Contains(v.about.Text, "so far") {
			t.Fatalf("%d found, want %d; about %q", len(v.shown), want, v.about.Text)
		}

		for _, w := range v.commands {
			if w.Disabled() {
				t.Fatal("a command stayed disabled after every item was read")
			}
		}
	})
}

// partThenWait hands over one part of the real details, then waits for
// the cancel: for the UI's handling of Cancel while items arrive.
type partThenWait struct{ repo.Engine }

func (p partThenWait) Details(ctx context.Context, local repo.Local, sec repo.Secrets, req repo.DetailsRequest) (*repo.BackupDetails, error) {
	d, err := p.Engine.Details(context.Background(), local, sec, req)
	if err != nil {
		return nil, err
	}

	part := &repo.BackupDetails{Folders: d.Folders}
	part.Append(d.Slice(0, 100))
	repo.ItemParts(ctx)(part)

	<-ctx.Done()

	return nil, repo.CanceledError(ctx.Err())
}

// TestItemsReadingCanBeCancelled: Cancel stops the reading, what arrived
// stays shown, the view says it is not every item and offers no command.
func TestItemsReadingCanBeCancelled(t *testing.T) {
	h, e, c := repoWithBackups(t, partThenWait{Engine: inProcess}, "slow", newerItems)
	h.loop.onUI(func() { h.a.openBackupItems(e, c.Backups[0], c) })
	h.loop.until(t, "the first part", func() bool { return h.a.items.ix.d.Len() == 100 })

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

	if !strings.HasPrefix(said, "Cancelled. The 100 items shown are not all of this backup's, so no command is offered") || len(v.shown) != 100 {
		t.Fatalf("said %q, %d shown", said, len(v.shown))
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
