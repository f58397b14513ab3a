package ui

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
)

func TestSummarize(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	c := &repo.Contents{
		Backups: []repo.Backup{
			{Service: "exchange", ResourceID: "u-1", Created: now.Add(-3 * time.Hour)},
			{Service: "exchange", ResourceID: "u-1", Created: now.Add(-30 * time.Hour)},
			{Service: "onedrive", ResourceID: "u-2", Created: now.Add(-5 * time.Hour)},
		},
		AssistBackups: 1,
		Storage:       repo.StorageUse{Bytes: 12_400_000_000, Blobs: 3120},
	}

	want := "3 backups of 2 resources, the last 3 hours ago (and 1 assist backup kept to resume interrupted backups, hidden as the CLI hides them); 12.4 GB in 3120 blobs"
	if got := summarize(c, now); got != want {
		t.Errorf("\n got %q\nwant %q", got, want)
	}

	if got := summarize(&repo.Contents{Storage: repo.StorageUse{Bytes: 999, Blobs: 1}}, now); got != "No Corso backups yet; 999 bytes in 1 blob" {
		t.Errorf("empty: %q", got)
	}

	for d, want := range map[time.Duration]string{30 * time.Second: "just now", 5 * time.Minute: "5 minutes ago", 47 * time.Hour: "47 hours ago", 72 * time.Hour: "3 days ago"} {
		if got := ago(now.Add(-d), now); got != want {
			t.Errorf("ago(%v) = %q, want %q", d, got, want)
		}
	}
}

// fixtureBackups are backups of every service, a failed one among them.
func fixtureBackups(now time.Time) []repo.Backup {
	return []repo.Backup{
		{ID: "b1", Service: "exchange", ResourceID: "u-adele", ResourceName: "adele@contoso.com", Status: "Completed", Created: now.Add(-1 * time.Hour), Started: now.Add(-70 * time.Minute), Completed: now.Add(-60 * time.Minute), ItemsWritten: 10, Type: "merge-backup"},
		{ID: "b2", Service: "onedrive", ResourceID: "u-bruno", ResourceName: "bruno@contoso.com", Status: "Completed", Created: now.Add(-2 * time.Hour), ItemsWritten: 500, Type: "merge-backup"},
		{ID: "b3", Service: "sharepoint", ResourceID: "s-hr", ResourceName: "HR site", Status: "Failed", Failure: "the site could not be reached", ErrorCount: 1, Created: now.Add(-3 * time.Hour), Type: "merge-backup"},
		{ID: "b4", Service: "chats", ResourceID: "u-adele", ResourceName: "adele@contoso.com", Status: "No Data", Created: now.Add(-4 * time.Hour), Type: "merge-backup"},
		{ID: "b5", Service: "groups", ResourceID: "g-sales", ResourceName: "Sales team", Status: "Completed", Created: now.Add(-5 * time.Hour), Type: "preview-backup"},
	}
}

func ids(bs []repo.Backup) string {
	var out []string
	for _, b := range bs {
		out = append(out, b.ID)
	}

	return strings.Join(out, ",")
}

func TestFilterBackups(t *testing.T) {
	all := fixtureBackups(time.Now())

	cases := []struct {
		f    backupFilter
		want string
	}{
		{backupFilter{order: sortNewest}, "b1,b2,b3,b4,b5"},
		{backupFilter{order: sortOldest}, "b5,b4,b3,b2,b1"},
		{backupFilter{service: "Exchange"}, "b1"},
		{backupFilter{service: anyService, status: "Failed"}, "b3"},
		{backupFilter{text: "ADELE"}, "b1,b4"},
		{backupFilter{text: "sales"}, "b5"},
		{backupFilter{order: sortResource}, "b1,b4,b2,b3,b5"},
		{backupFilter{order: sortService}, "b4,b1,b5,b2,b3"},
		{backupFilter{order: sortMostItems}, "b2,b1,b3,b4,b5"},
		{backupFilter{order: sortLongest}, "b1,b2,b3,b4,b5"},
	}

	for _, c := range cases {
		if got := ids(filterBackups(all, c.f)); got != c.want {
			t.Errorf("%+v: %s, want %s", c.f, got, c.want)
		}
	}
}

// fixedContents is the in-process engine, except that Contents returns
// backups a test chose: the view's own logic is under test here (reading
// Corso's backups is proven against the Corso fork in kopiaengine).
type fixedContents struct {
	repo.Engine
	c *repo.Contents
}

func (f fixedContents) Contents(ctx context.Context, local repo.Local, sec repo.Secrets) (*repo.Contents, error) {
	real, err := f.Engine.Contents(ctx, local, sec)
	if err != nil {
		return nil, err
	}

	// The backups and storage are the test's; who maintains the
	// repository, unless the test says, is what the engine read.
	c := *f.c
	if c.Maintenance == (repo.Maintenance{}) {
		c.Maintenance = real.Maintenance
	}

	return &c, nil
}

// TestBackupsView: after a repository opens, its details read what it
// holds in the background and sum it up; the backups view filters and
// sorts, shows one backup, and copies the CLI commands for it.
func TestBackupsView(t *testing.T) {
	c := &repo.Contents{Backups: fixtureBackups(time.Now()), Storage: repo.StorageUse{Bytes: 5_000_000, Blobs: 40}}
	h := newHarnessOver(t, fixedContents{Engine: inProcess, c: c})
	h.checkFolder(filepath.Join(h.root, "held"))
	e := h.createHere("Held")

	h.loop.until(t, "the contents to be read", func() bool { st := h.a.contents[e.ID]; return st != nil && !st.loading })

	if st := h.a.contents[e.ID]; st.err != nil || !strings.HasPrefix(summarize(st.result, time.Now()), "5 backups of 4 resources, the last 1 hour ago") {
		t.Fatalf("contents: %v %v", st.err, st.result)
	}

	h.loop.onUI(func() { h.a.showBackups(e, c) })
	v := h.a.backups

	if len(v.shown) != 5 {
		t.Fatalf("%d shown", len(v.shown))
	}

	h.loop.onUI(func() { v.service.SetSelected("SharePoint") })

	if ids(v.shown) != "b3" {
		t.Fatalf("SharePoint: %s", ids(v.shown))
	}

	h.loop.onUI(func() {
		v.service.SetSelected(anyService)
		v.status.SetSelected("Completed")
		v.order.SetSelected(sortOldest)
	})

	if ids(v.shown) != "b5,b2,b1" {
		t.Fatalf("completed, oldest first: %s", ids(v.shown))
	}

	h.typeInto(v.text, "bruno")

	if ids(v.shown) != "b2" {
		t.Fatalf("bruno: %s", ids(v.shown))
	}

	h.loop.onUI(func() { v.list.Select(0) })

	buttons := map[string]*widget.Button{}
	for _, o := range test.LaidOutObjects(v.detail) {
		if b, ok := o.(*widget.Button); ok {
			buttons[b.Text] = b
		}
	}

	if buttons["Copy details command"] == nil || buttons["Copy restore command"] == nil {
		t.Fatalf("buttons %v", buttons)
	}

	h.tap(buttons["Copy restore command"])

	if got := h.a.fa.Clipboard().Content(); !strings.Contains(got, "restore onedrive") || !strings.Contains(got, "--backup b2") || !strings.Contains(got, "CORSO_PASSPHRASE") {
		t.Fatalf("clipboard %q", got)
	}

	// Teams chats cannot be restored by the CLI: no restore command.
	h.loop.onUI(func() { v.text.SetText(""); v.status.SetSelected(anyStatus); v.service.SetSelected("Chats") })
	h.loop.onUI(func() { v.list.Select(0) })

	for _, o := range test.LaidOutObjects(v.detail) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Copy restore command" {
			t.Fatal("a restore command for Teams chats")
		}
	}
}

// TestDetailsSayWhatARepositoryHolds: over the real engine, a repository
// just created holds no backup, and the details say so with its size.
func TestDetailsSayWhatARepositoryHolds(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng repo.Engine) {
		h := newHarnessOver(t, eng)
		h.checkFolder(filepath.Join(h.root, "new"))
		e := h.createHere("New")

		h.loop.until(t, "the contents to be read", func() bool { st := h.a.contents[e.ID]; return st != nil && !st.loading })

		st := h.a.contents[e.ID]
		if st.err != nil || len(st.result.Backups) != 0 || st.result.Storage.Blobs == 0 {
			t.Fatalf("contents of a new repository: %v %+v", st.err, st.result)
		}

		if got := summarize(st.result, time.Now()); !strings.HasPrefix(got, "No Corso backups yet; ") {
			t.Fatalf("summary %q", got)
		}
	})
}

func TestStorageText(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	u := repo.StorageUse{Bytes: 10_250_000_000, Blobs: 3005, LastWrite: now.Add(-2 * time.Hour), Kinds: []repo.BlobUse{
		{Kind: repo.BlobDataPacks, Blobs: 3000, Bytes: 10_200_000_000}, {Kind: repo.BlobMetadataPacks, Blobs: 3, Bytes: 49_000_000}, {Kind: repo.BlobFormat, Blobs: 2, Bytes: 1_000_000},
	}}

	want := "Storage: 10.2 GB in 3005 blobs: data packs 10.2 GB (3000), metadata packs 49.0 MB (3), format 1.0 MB (2); last written 2 hours ago."
	if got := storageText(u, now); got != want {
		t.Errorf("\n got %q\nwant %q", got, want)
	}
}

// blockingContents reads nothing until it is cancelled: the details must
// stay usable meanwhile, and Cancel must end the reading.
type blockingContents struct{ repo.Engine }

func (blockingContents) Contents(ctx context.Context, _ repo.Local, _ repo.Secrets) (*repo.Contents, error) {
	repo.Progress(ctx, repo.StepListing)
	<-ctx.Done()

	return nil, repo.CanceledError(ctx.Err())
}

func TestReadingContentsCanBeCancelled(t *testing.T) {
	h := newHarnessOver(t, blockingContents{inProcess})
	h.checkFolder(filepath.Join(h.root, "slow"))
	e := h.createHere("Slow")

	h.loop.until(t, "the reading to start", func() bool { st := h.a.contents[e.ID]; return st != nil && st.step == string(repo.StepListing) })

	// The rest of the app stays usable: nothing modal holds it.
	if h.a.busy != nil {
		t.Fatal("reading the contents holds the app")
	}

	cancel := buttonIn(h.a.details, "Cancel")
	if cancel == nil {
		t.Fatal("no Cancel while reading")
	}

	h.tap(cancel)
	h.loop.until(t, "the reading to stop", func() bool { return !h.a.contents[e.ID].loading })

	if repo.CodeOf(h.a.contents[e.ID].err) != repo.CodeCanceled {
		t.Fatalf("after Cancel: %v", h.a.contents[e.ID].err)
	}
}

// aheadContents hands the backups over, then lists the storage until
// release is closed.
type aheadContents struct {
	repo.Engine
	c       *repo.Contents
	release chan struct{}
	// storageFirst hands the storage summary ahead instead of the backups.
	storageFirst bool
}

func (f aheadContents) Contents(ctx context.Context, _ repo.Local, _ repo.Secrets) (*repo.Contents, error) {
	if f.storageFirst {
		repo.StorageAhead(ctx)(f.c.Storage)
		repo.Progress(ctx, repo.StepBackups)
	} else {
		part := *f.c
		part.Storage = repo.StorageUse{}
		repo.ContentsAhead(ctx)(part)
		repo.Progress(ctx, repo.StepListing)
	}

	select {
	case <-f.release:
		return f.c, nil
	case <-ctx.Done():
		return nil, repo.CanceledError(ctx.Err())
	}
}

// TestBackupsShownWhileTheStorageIsListed: the backups are there to open
// while a large bucket is still being listed; the storage line says it is
// being listed, never "0 bytes", and fills in when the listing ends, in
// the details and in a backups view opened meanwhile.
func TestBackupsShownWhileTheStorageIsListed(t *testing.T) {
	c := &repo.Contents{Backups: fixtureBackups(time.Now()), Storage: repo.StorageUse{Bytes: 5_000_000, Blobs: 40}}
	release := make(chan struct{})
	h := newHarnessOver(t, aheadContents{Engine: inProcess, c: c, release: release})
	h.checkFolder(filepath.Join(h.root, "listing"))
	e := h.createHere("Listing")

	h.loop.until(t, "the backups to be handed over", func() bool { st := h.a.contents[e.ID]; return st != nil && st.ahead != nil })

	var show *widget.Button

	h.loop.onUI(func() { show = buttonIn(h.a.details, "Backups…") })

	if show == nil || buttonIn(h.a.details, "Cancel") == nil {
		t.Fatal("no Backups… and Cancel while the storage is listed")
	}

	h.tap(show)

	v := h.a.backups
	if v == nil || len(v.shown) != 5 || v.storage.Text != "Storage: still being listed…" || strings.Contains(v.count.Text, "blob") {
		t.Fatalf("while listing: %+v / %q / %q", v, v.storage.Text, v.count.Text)
	}

	close(release)
	h.loop.until(t, "the storage to be listed", func() bool { return !h.a.contents[e.ID].loading })

	if want := storageText(c.Storage, time.Now()); v.storage.Text != want || v.count.Text != summarize(c, time.Now()) {
		t.Fatalf("after the listing: %q, want %q; %q", v.storage.Text, want, v.count.Text)
	}

	// Opened again with what was handed over (as the items view, opened
	// during the listing, comes back): the whole contents now.
	h.loop.onUI(func() { h.a.showBackups(e, h.a.contents[e.ID].ahead) })

	if got := h.a.backups.storage.Text; got != storageText(c.Storage, time.Now()) || h.a.backups.contents != c {
		t.Fatalf("opened again: %q", got)
	}
}

// TestStorageShownWhileTheBackupsAreRead: a bucket listed before its
// backups are read shows its size at once, with the reading of the
// backups under way (and Cancel); the whole summary replaces both when
// the backups are read.
func TestStorageShownWhileTheBackupsAreRead(t *testing.T) {
	c := &repo.Contents{Backups: fixtureBackups(time.Now()), Storage: repo.StorageUse{Bytes: 5_000_000, Blobs: 40}}
	release := make(chan struct{})
	h := newHarnessOver(t, aheadContents{Engine: inProcess, c: c, release: release, storageFirst: true})
	h.checkFolder(filepath.Join(h.root, "storage-first"))
	e := h.createHere("Storage first")

	h.loop.until(t, "the storage to be handed over", func() bool {
		st := h.a.contents[e.ID]
		return st != nil && st.storageAhead != nil && st.step == string(repo.StepBackups)
	})

	var (
		text       string
		stop, show *widget.Button
	)

	h.loop.onUI(func() {
		text = strings.Join(labelTexts(h.a.details), "\n")
		stop, show = buttonIn(h.a.details, "Cancel"), buttonIn(h.a.details, "Backups…")
	})

	if !strings.Contains(text, "Storage: 5.0 MB in 40 blobs.") || !strings.Contains(text, string(repo.StepBackups)) || stop == nil || show != nil {
		t.Fatalf("while the backups are read:\n%s", text)
	}

	close(release)
	h.loop.until(t, "the backups to be read", func() bool { return !h.a.contents[e.ID].loading })

	h.loop.onUI(func() { text = strings.Join(labelTexts(h.a.details), "\n") })

	if !strings.Contains(text, summarize(c, time.Now())) || strings.Contains(text, string(repo.StepBackups)) {
		t.Fatalf("once read:\n%s", text)
	}
}

// TestCancelWhileListingKeepsTheBackups: Cancel while the storage is
// still being listed stops the listing only; the backups already read
// stay in the details (with Backups… to open them) and in a backups view
// opened meanwhile, and the storage line says it was not listed.
func TestCancelWhileListingKeepsTheBackups(t *testing.T) {
	c := &repo.Contents{Backups: fixtureBackups(time.Now()), Storage: repo.StorageUse{Bytes: 5_000_000, Blobs: 40}}
	h := newHarnessOver(t, aheadContents{Engine: inProcess, c: c, release: make(chan struct{})})
	h.checkFolder(filepath.Join(h.root, "cancel-listing"))
	e := h.createHere("Cancel listing")

	h.loop.until(t, "the backups to be handed over", func() bool { st := h.a.contents[e.ID]; return st != nil && st.ahead != nil })

	var show, stop *widget.Button

	h.loop.onUI(func() { show, stop = buttonIn(h.a.details, "Backups…"), buttonIn(h.a.details, "Cancel") })
	h.tap(show)

	v := h.a.backups

	h.tap(stop)
	h.loop.until(t, "the listing to end", func() bool { return !h.a.contents[e.ID].loading })

	var detailsText string

	h.loop.onUI(func() {
		show = buttonIn(h.a.details, "Backups…")
		detailsText = strings.Join(labelTexts(h.a.details), "\n")
	})

	if show == nil || !strings.Contains(detailsText, backupsLine(c, time.Now())) || !strings.Contains(detailsText, "Storage: not listed, cancelled.") || strings.Contains(detailsText, "Not read") {
		t.Fatalf("the details after Cancel during the listing:\n%s", detailsText)
	}

	if v.storage.Text != "Storage: not listed, cancelled." || len(v.shown) != len(c.Backups) {
		t.Fatalf("the backups view after Cancel: %q, %d backups", v.storage.Text, len(v.shown))
	}
}

// orderedCalls is the in-process engine, recording the order of its
// Prepare and Contents calls.
type orderedCalls struct {
	repo.Engine
	mu    *sync.Mutex
	calls *[]string
}

func (o orderedCalls) record(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()

	*o.calls = append(*o.calls, s)
}

func (o orderedCalls) Prepare(next repo.Upcoming) {
	o.record("prepare " + next.Local.ConfigFile)
	o.Engine.Prepare(next)
}

func (o orderedCalls) Contents(ctx context.Context, local repo.Local, sec repo.Secrets) (*repo.Contents, error) {
	o.record("contents " + local.ConfigFile)
	return o.Engine.Contents(ctx, local, sec)
}

// TestReadAgainPreparesTheEngine: "Read again" has the engine prepared
// for the repository (its process started, its connections opened) while
// the keychain is read, before it reads.
func TestReadAgainPreparesTheEngine(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	h := newHarnessOver(t, orderedCalls{Engine: inProcess, mu: &mu, calls: &calls})
	h.checkFolder(filepath.Join(h.root, "again"))
	e := h.createHere("Again")
	config := h.a.lib.Local(e.ID).ConfigFile

	h.loop.until(t, "the contents to be read", func() bool { st := h.a.contents[e.ID]; return st != nil && !st.loading })

	mu.Lock()
	calls = nil
	mu.Unlock()

	h.loop.onUI(func() { test.Tap(h.a.readAgain(e)) })
	h.loop.until(t, "the contents to be read again", func() bool { st := h.a.contents[e.ID]; return st != nil && !st.loading })

	mu.Lock()
	defer mu.Unlock()

	if want := []string{"prepare " + config, "contents " + config}; !slices.Equal(calls, want) {
		t.Fatalf("calls %q, want %q", calls, want)
	}
}
