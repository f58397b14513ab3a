// Command corso-desktop is the Corso Desktop app: it wires the pieces
// together and starts the UI; everything else lives in ui, repo and platform.
package main

import (
	"flag"

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

	a := ui.New(app.NewWithID(ui.AppID), opts)

	if *screenshots != "" {
		a.Tour(*screenshots, fyne.NewSize(900, 600))
	}

	a.ShowAndRun()
}
