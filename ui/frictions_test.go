package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/corsodesktop/corso-desktop/repo"
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
