// Command peer is the yardstick for Corso Desktop's start-up benchmark: the
// smallest Fyne app with a window, built the same way, so the figures show
// what Corso Desktop adds on top of Fyne itself.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("io.github.corsodesktop.BenchPeer")
	w := a.NewWindow("Fyne peer")
	w.SetContent(widget.NewLabel("Hello"))
	w.Resize(fyne.NewSize(960, 640))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)

	go func() { <-stop; fyne.Do(a.Quit) }()

	w.ShowAndRun()
}
