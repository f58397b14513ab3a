package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

func names(es []library.Entry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name)
	}

	return strings.Join(out, ",")
}

// saved puts entries in the harness's library and restarts the view.
func (h *harness) saved(es ...library.Entry) {
	h.t.Helper()

	for _, e := range es {
		if err := h.a.lib.Save(context.Background(), e); err != nil {
			h.t.Fatal(err)
		}
	}

	h.loop.onUI(func() { h.a.reload(); h.a.showMain() })
}

func TestListSortsAndFiltersOnceLong(t *testing.T) {
	h := newHarness(t)
	now := time.Now().UTC()

	s3 := func(name, prefix string, opened time.Duration) library.Entry {
		e := library.NewEntry(name, repo.S3Compatible{S3: repo.S3{Bucket: "corso", Prefix: prefix}, Endpoint: "s3.example.net"})
		if opened > 0 {
			e.LastOpened = now.Add(-opened)
		}

		return e
	}

	h.saved(s3("Bravo", "tenant-b/", time.Hour), s3("alpha", "tenant-a/", 0), library.NewEntry("Charlie", repo.Filesystem{Path: "/srv/charlie"}))

	if got := names(h.a.visible); got != "alpha,Bravo,Charlie" {
		t.Fatalf("by name: %s", got)
	}

	if h.a.filterEntry != nil {
		t.Fatal("a filter for three repositories")
	}

	h.loop.onUI(func() { h.a.orderSelect.SetSelected(orderKind) })

	if got := names(h.a.visible); got != "Charlie,alpha,Bravo" {
		t.Fatalf("by kind (Local folder before S3-compatible): %s", got)
	}

	h.saved(s3("Delta", "tenant-d/", 2*time.Hour), s3("Echo", "tenant-e/", 3*time.Hour), s3("Foxtrot", "tenant-f/", 5*time.Minute))

	h.loop.onUI(func() { h.a.orderSelect.SetSelected(orderLastOpened) })

	if got := names(h.a.visible); got != "Foxtrot,Bravo,Delta,Echo,alpha,Charlie" {
		t.Fatalf("by last opened, never opened last: %s", got)
	}

	if h.a.filterEntry == nil {
		t.Fatal("no filter for six repositories")
	}

	h.typeInto(h.a.filterEntry, "tenant-d")

	if got := names(h.a.visible); got != "Delta" || h.a.list.Length() != 1 {
		t.Fatalf("filtered by location: %s", got)
	}
}

func TestRenameKeepsEverythingElse(t *testing.T) {
	h := newHarness(t)
	e := library.NewEntry("Old name", repo.Filesystem{Path: "/srv/r"})
	e.UniqueID = "abc"
	h.saved(e)

	h.loop.onUI(func() { h.a.askRename(e) })

	if _, ok := h.a.dialog.(interface{ Submit() }); !ok && h.a.dialog == nil {
		t.Fatal("no rename dialog")
	}

	h.loop.onUI(func() { h.a.dialog.Hide(); h.a.rename(e, "New name") })
	h.loop.until(t, "the rename", func() bool { got, _ := h.a.entry(e.ID); return got.Name == "New name" })

	got, _ := h.a.entry(e.ID)
	if got.UniqueID != "abc" || got.Settings().Describe() != e.Settings().Describe() {
		t.Fatalf("rename changed more than the name: %+v", got)
	}
}

func TestAddAnotherRepositoryInThisBucket(t *testing.T) {
	h := newHarness(t)
	e := library.NewEntry("Tenant A", repo.S3Compatible{
		S3:       repo.S3{Bucket: "corso", Prefix: "tenant-a/", Credentials: repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: "AKIA1"}},
		Endpoint: "minio.example:9000", DisableTLS: false, CAFile: "/etc/ca.pem",
	})
	h.saved(e)

	if _, err := h.a.lib.StoreSecrets(context.Background(), e, repo.Secrets{Passphrase: passphrase, S3: repo.S3Secrets{SecretAccessKey: "the-secret"}}); err != nil {
		t.Fatal(err)
	}

	h.loop.onUI(func() { h.a.addInBucket(e) })

	f := h.a.flow
	h.loop.until(t, "the secret key", func() bool { return f.secretKey.Text != "" })

	if f.kind != repo.KindS3Compatible || f.endpoint.Text != "minio.example:9000" || f.bucket.Text != "corso" || f.caFile.Text != "/etc/ca.pem" ||
		f.accessKey.Text != "AKIA1" || f.secretKey.Text != "the-secret" || f.prefix.Text != "" {
		t.Fatalf("not copied: %q %q %q %q %q", f.endpoint.Text, f.bucket.Text, f.caFile.Text, f.accessKey.Text, f.prefix.Text)
	}

	if h.a.win.Canvas().Focused() != f.prefix {
		t.Fatal("the prefix, the one thing to choose, is not focused")
	}
}

func TestShortcutsAndTabOrder(t *testing.T) {
	h := newHarness(t)
	e := library.NewEntry("Tenant A", repo.S3{Bucket: "corso", Prefix: "a/"})
	h.saved(e)

	// Fyne's test canvas cannot type a shortcut; the handlers bound to
	// Ctrl/Cmd+key are these.
	table := h.a.shortcuts()
	if len(table) != 3 || table[fyne.KeyQ] == nil {
		t.Fatalf("shortcuts: %v", table)
	}

	short := func(k fyne.KeyName) { h.loop.onUI(table[k]) }

	short(fyne.KeyN)

	if h.a.flow == nil || h.a.flow.step != 1 {
		t.Fatal("the add shortcut did not start the add flow")
	}

	h.loop.onUI(h.a.showMain)

	// Another instance saved a repository: refresh shows it.
	other := library.NewEntry("From elsewhere", repo.Filesystem{Path: "/srv/x"})
	if err := h.a.lib.Save(context.Background(), other); err != nil {
		t.Fatal(err)
	}

	short(fyne.KeyR)

	if _, ok := h.a.entry(other.ID); !ok || h.a.list.Length() != 2 {
		t.Fatal("refresh did not read the list again")
	}

	// Tab goes through the details' actions in their order, Forget last.
	var buttons []*widget.Button
	for _, o := range test.LaidOutObjects(h.a.details) {
		if b, ok := o.(*widget.Button); ok && b.Text != "Backups…" {
			buttons = append(buttons, b)
		}
	}

	if len(buttons) < 7 || buttons[len(buttons)-1].Text != "Forget…" {
		t.Fatalf("actions: %d, last %q", len(buttons), buttons[len(buttons)-1].Text)
	}

	h.loop.onUI(func() { h.a.win.Canvas().Focus(buttons[0]) })

	for _, want := range buttons[1:] {
		h.loop.onUI(func() { h.a.win.Canvas().FocusNext() })

		if got := h.a.win.Canvas().Focused(); got != want {
			t.Fatalf("Tab went to %v, want %q", got, want.Text)
		}
	}
}
