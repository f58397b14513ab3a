package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// TestFormFocusesItsFirstField: typing starts in the first field shown,
// which for an S3-compatible store is its endpoint.
func TestFormFocusesItsFirstField(t *testing.T) {
	for kind, first := range map[repo.Kind]func(f *addFlow) *keyEntry{
		repo.KindFilesystem:   func(f *addFlow) *keyEntry { return f.path },
		repo.KindS3:           func(f *addFlow) *keyEntry { return f.bucket },
		repo.KindS3Compatible: func(f *addFlow) *keyEntry { return f.endpoint },
	} {
		h := newHarness(t)
		h.tap(h.a.addBtn)
		h.tap(h.a.flow.pickButtons[kind])

		if got := h.a.win.Canvas().Focused(); got != first(h.a.flow) {
			t.Errorf("%s form focuses %v", kind, got)
		}
	}
}

// TestWheelScrollsTheFormOverAField: the S3-compatible form is taller than
// the window; the mouse wheel over one of its fields scrolls the form (a
// field's own scroller used to keep the event and nothing moved).
func TestWheelScrollsTheFormOverAField(t *testing.T) {
	h := newHarness(t)
	h.tap(h.a.addBtn)
	h.tap(h.a.flow.pickButtons[repo.KindS3Compatible])

	f := h.a.flow
	if f.scroll.Content.MinSize().Height <= f.scroll.Size().Height {
		t.Fatalf("the form (%v) fits the window (%v): nothing to scroll", f.scroll.Content.MinSize(), f.scroll.Size())
	}

	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(f.bucket).Add(fyne.NewPos(10, 10))
	h.loop.onUI(func() { test.Scroll(h.a.win.Canvas(), pos, 0, -120) })

	if f.scroll.Offset.Y <= 0 {
		t.Fatal("the wheel over a field did not scroll the form")
	}
}

// TestCAFilePickerShowsCertificates: the CA picker lists certificate files
// and not everything else in a folder.
func TestCAFilePickerShowsCertificates(t *testing.T) {
	for name, want := range map[string]bool{"ca.pem": true, "minio.crt": true, "root.cer": true, "bundle.ca-bundle": true, "notes.txt": false, "key.json": false} {
		if got := caFileFilter.Matches(storage.NewFileURI("/certs/" + name)); got != want {
			t.Errorf("%s shown %v, want %v", name, got, want)
		}
	}
}

// TestListTellsRepositoriesInOneBucketApart: the list row names the most
// specific part first, so that two repositories in one bucket (or two
// folders side by side) differ in the part a narrow list still shows.
func TestListTellsRepositoriesInOneBucketApart(t *testing.T) {
	pairs := [][2]repo.Settings{
		{repo.S3Compatible{S3: repo.S3{Bucket: "corso-backups-for-the-whole-company", Prefix: "tenant-a/"}, Endpoint: "s3.eu-central-003.backblazeb2.com"},
			repo.S3Compatible{S3: repo.S3{Bucket: "corso-backups-for-the-whole-company", Prefix: "tenant-b/"}, Endpoint: "s3.eu-central-003.backblazeb2.com"}},
		{repo.S3{Bucket: "contoso-m365-backups", Prefix: "eu/"}, repo.S3{Bucket: "contoso-m365-backups", Prefix: "us/"}},
		{repo.Filesystem{Path: "/srv/backups/corso/tenant-a"}, repo.Filesystem{Path: "/srv/backups/corso/tenant-b"}},
	}

	const shown = 12 // what a narrow list row keeps before its ellipsis

	for _, p := range pairs {
		a, b := listLocation(p[0]), listLocation(p[1])
		if a[:shown] == b[:shown] {
			t.Errorf("%q and %q look the same in a narrow list", a, b)
		}
	}

	h := newHarness(t)
	e := library.NewEntry("A", pairs[0][0])

	row := newListRow()
	h.a.updateListRow(e, row)

	if got := row.(*fyne.Container).Objects[0].(*fyne.Container).Objects[1].(*widget.Label).Text; got != listLocation(pairs[0][0]) {
		t.Fatalf("the row shows %q", got)
	}
}

// TestStrengthLooksDifferentForEachRating: the meter fills more, and in
// another colour, as the rating goes up, and not at all for no
// passphrase; a dictionary word is refused for a new repository with a
// sentence on the field (no tick), a long passphrase is accepted.
func TestStrengthLooksDifferentForEachRating(t *testing.T) {
	m := newStrengthMeter()
	seen := map[string]bool{}

	for _, score := range []int{-1, 0, 1, 2, 3, 4} {
		m.set(score)
		seen[fmt.Sprintf("%d %s", m.filled(), m.colorName())] = true
	}

	if len(seen) != 6 || m.filled() != 5 {
		t.Fatalf("ratings drawn alike: %v", seen)
	}

	m.set(-1)
	if m.filled() != 0 {
		t.Fatal("an empty passphrase fills the meter")
	}

	if m.set(0); m.colorName() != theme.ColorNameError {
		t.Fatal("very weak is not drawn as an error")
	}

	if m.set(4); m.colorName() != theme.ColorNameSuccess {
		t.Fatal("very strong is not drawn as a success")
	}

	h := newHarness(t)
	h.checkFolder(filepath.Join(h.root, "weak"))
	h.tap(h.a.flow.primary)

	f := h.a.flow
	h.typeInto(f.pass, "sunflower")
	h.typeInto(f.confirm, "sunflower")
	h.loop.until(t, "the rating", f.ratingDone)

	if err := f.pass.Validator(f.pass.Text); err == nil || !strings.Contains(err.Error(), "Too easy to guess") {
		t.Fatalf("a 9-character dictionary word passes: %v", err)
	}

	if !f.submitButton.Disabled() {
		t.Fatal("Create is enabled for a dictionary word")
	}

	h.typeInto(f.pass, passphrase)
	h.typeInto(f.confirm, passphrase)
	h.loop.until(t, "the rating", f.ratingDone)

	if err := f.pass.Validator(f.pass.Text); err != nil || f.submitButton.Disabled() {
		t.Fatalf("a long passphrase is refused: %v", err)
	}
}
