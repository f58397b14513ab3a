package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// keyEntry is an Entry that passes Escape on to the window: Fyne's Entry
// swallows it, and Escape must cancel a dialog or step back from any field.
type keyEntry struct {
	widget.Entry
	escape func(*fyne.KeyEvent)
	// focused hears the field gain (true) and lose (false) focus.
	focused func(bool)
}

// FocusGained implements fyne.Focusable.
func (e *keyEntry) FocusGained() {
	e.Entry.FocusGained()

	if e.focused != nil {
		e.focused(true)
	}
}

// FocusLost implements fyne.Focusable.
func (e *keyEntry) FocusLost() {
	e.Entry.FocusLost()

	if e.focused != nil {
		e.focused(false)
	}
}

func (a *App) newEntry(placeholder string, password bool) *keyEntry {
	e := &keyEntry{escape: a.typedKey}
	e.Password = password
	e.SetPlaceHolder(placeholder)
	e.ExtendBaseWidget(e)

	return e
}

// TypedKey implements fyne.Focusable.
func (e *keyEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && e.escape != nil {
		e.escape(ev)
		return
	}

	e.Entry.TypedKey(ev)
}

// wheelScroll is a vertical scroll whose mouse wheel works everywhere over
// it. Fyne gives a wheel event to the deepest scrollable object under the
// pointer, and every text field holds a scroller of its own that keeps the
// event even when it has nothing to scroll, so a long form would not move
// while the pointer is over a field (most of the form). A transparent layer
// on top, scrollable and nothing else (taps, hovers and focus still reach
// the fields), takes the wheel for the form instead.
func wheelScroll(content fyne.CanvasObject) (fyne.CanvasObject, *container.Scroll) {
	s := container.NewVScroll(content)
	layer := &wheelLayer{target: s}
	layer.ExtendBaseWidget(layer)

	return container.NewStack(s, layer), s
}

type wheelLayer struct {
	widget.BaseWidget
	target *container.Scroll
}

// Scrolled implements fyne.Scrollable.
func (w *wheelLayer) Scrolled(ev *fyne.ScrollEvent) { w.target.Scrolled(ev) }

func (w *wheelLayer) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}
