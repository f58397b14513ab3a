package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// keyEntry is an Entry that passes Escape on to the window: Fyne's Entry
// swallows it, and Escape must cancel a dialog or step back from any field.
type keyEntry struct {
	widget.Entry
	escape func(*fyne.KeyEvent)
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
