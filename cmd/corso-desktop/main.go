// Command corso-desktop is the Corso Desktop app: it wires the pieces
// together and starts the UI; everything else lives in ui, repo and platform.
package main

import (
	"flag"
	"os"
	"os/signal"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/ui"
)

func main() {
	screenshots := flag.String("screenshots", "", "walk the main screens, save PNGs in this folder and quit (uses an in-memory keychain)")
	flag.Parse()

	opts := ui.Options{}
	if *screenshots != "" {
		opts.Keychain = keychain.NewMemory()
	}

	fa := app.NewWithID(ui.AppID)
	a := ui.New(fa, opts)

	// A logout or `kill` ends the app the way closing its window does.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)

	go func() {
		<-stop
		fyne.Do(fa.Quit)
	}()

	if *screenshots != "" {
		a.Tour(*screenshots, fyne.NewSize(900, 600))
	}

	a.ShowAndRun()
}
