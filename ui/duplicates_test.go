package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// TestConnectingTwiceAddsNoDuplicate: check → connect on a location that is
// already in the list selects that entry and says so.
func TestConnectingTwiceAddsNoDuplicate(t *testing.T) {
	h := newHarness(t)
	folder := filepath.Join(h.root, "existing")

	if _, err := inProcess.Initialize(context.Background(), repo.Filesystem{Path: folder}, repo.Secrets{Passphrase: passphrase},
		repo.Local{ConfigFile: filepath.Join(h.root, "cli", "c.config")}); err != nil {
		t.Fatal(err)
	}

	connect := func() {
		h.checkFolder(folder + "/") // typed a little differently: the same folder
		f := h.a.flow
		h.tap(f.primary)
		h.typeInto(f.pass, passphrase)
		h.tap(f.submitButton)
		h.idle()
	}

	connect()

	first := h.a.selected
	if len(h.a.entries) != 1 {
		t.Fatalf("%d entries after the first connect", len(h.a.entries))
	}

	connect()

	if len(h.a.entries) != 1 || h.a.selected != first {
		t.Fatalf("a second entry for the same repository: %d entries", len(h.a.entries))
	}

	if !strings.Contains(h.a.lastInfo, "already saved") || h.a.lastError != nil {
		t.Fatalf("no word that it was already there: %q (error %v)", h.a.lastInfo, h.a.lastError)
	}
}

// TestProblemSaysItsCause: a repository the app last found in trouble says
// why, in the list and in the details, not just "Problem".
func TestProblemSaysItsCause(t *testing.T) {
	h := newHarness(t)
	e := library.NewEntry("Broken", repo.Filesystem{Path: filepath.Join(h.root, "gone")})
	e.State, e.StateDetail = library.StateProblem, "No repository found at folder "+filepath.Join(h.root, "gone")

	if err := h.a.lib.Save(context.Background(), e); err != nil {
		t.Fatal(err)
	}

	h.loop.onUI(func() { h.a.reload(); h.a.showMain(); h.a.selectEntry(e.ID) })

	row := h.a.list.CreateItem()
	h.loop.onUI(func() { h.a.updateListRow(e, row) })

	where := row.(*fyne.Container).Objects[0].(*fyne.Container).Objects[1].(*widget.Label).Text
	if where != e.StateDetail {
		t.Errorf("the list row says %q, not the cause", where)
	}

	if !labelWithText(h.a.details, "Problem: "+e.StateDetail) {
		t.Error("the details do not say the cause")
	}
}

// labelWithText says whether a label under o shows text.
func labelWithText(o fyne.CanvasObject, text string) bool {
	switch v := o.(type) {
	case *widget.Label:
		return v.Text == text
	case *fyne.Container:
		for _, c := range v.Objects {
			if labelWithText(c, text) {
				return true
			}
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			if labelWithText(c, text) {
				return true
			}
		}
	}

	return false
}
