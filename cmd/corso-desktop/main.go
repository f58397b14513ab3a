// Command corso-desktop is the Corso Desktop app: it wires the pieces
// together and starts the UI; everything else lives in ui, repo and platform.
package main

import (
	"fyne.io/fyne/v2/app"

	"github.com/corsodesktop/corso-desktop/ui"
)

func main() {
	a := app.NewWithID(ui.AppID)
	ui.NewMainWindow(a).ShowAndRun()
}
