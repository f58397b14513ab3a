// The window shown instead of the app when it cannot start: one sentence
// saying why and what to do, and Close.

package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// RunRefusal shows why the app did not start, until it is closed.
func RunRefusal(fa fyne.App, why string) {
	refusalWindow(fa, why).ShowAndRun()
}

func refusalWindow(fa fyne.App, why string) fyne.Window {
	w := fa.NewWindow(Title)

	text := widget.NewLabel(why)
	text.Wrapping = fyne.TextWrapWord

	closeButton := widget.NewButton("Close", w.Close)
	closeButton.Importance = widget.HighImportance

	w.SetContent(container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), closeButton), nil, nil, text))
	w.Resize(fyne.NewSize(520, 180))

	return w
}
