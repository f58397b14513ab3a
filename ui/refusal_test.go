package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestRefusalSaysWhyAndCloses: the window shown when the app cannot start
// holds the sentence it is given, whole, and Close closes it.
func TestRefusalSaysWhyAndCloses(t *testing.T) {
	fa := test.NewTempApp(t)
	why := "Corso Desktop is already running for you on this computer, but it did not answer within 5 seconds. Quit it from its tray icon (or end it in the task manager), then start Corso Desktop again."
	before := len(fa.Driver().AllWindows())
	w := refusalWindow(fa, why)

	var (
		said        string
		closeButton *widget.Button
	)

	for _, o := range test.LaidOutObjects(w.Content()) {
		switch o := o.(type) {
		case *widget.Label:
			said += o.Text
		case *widget.Button:
			closeButton = o
		}
	}

	if said != why || closeButton == nil || closeButton.Text != "Close" {
		t.Fatalf("the window says %q, button %v", said, closeButton)
	}

	if n := len(fa.Driver().AllWindows()); n != before+1 {
		t.Fatalf("%d windows, %d before", n, before)
	}

	test.Tap(closeButton)

	if n := len(fa.Driver().AllWindows()); n != before {
		t.Fatalf("%d windows after Close, %d before", n, before)
	}
}
