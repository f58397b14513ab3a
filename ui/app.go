// Package ui holds Corso Desktop's Fyne screens. It drives repo and
// platform and never imports kopia or the AWS SDK itself.
package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// AppID is the reverse-DNS identity the OS keys settings and keychain by.
const AppID = "io.github.corsodesktop.CorsoDesktop"

// NewMainWindow builds the main window. The repository flows arrive with
// the desktop-app work; until then the window explains what the app is for.
func NewMainWindow(a fyne.App) fyne.Window {
	w := a.NewWindow("Corso Desktop")

	title := widget.NewLabelWithStyle("No repositories yet", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	body := widget.NewLabelWithStyle(
		"A repository is where Corso keeps encrypted backups of a Microsoft 365 tenant:\n"+
			"a folder on this computer or a network drive, or a bucket in Amazon S3 or\n"+
			"any S3-compatible store. Its data is encrypted with keys derived from your passphrase.",
		fyne.TextAlignCenter, fyne.TextStyle{})

	w.SetContent(container.NewCenter(container.NewVBox(title, body)))
	w.Resize(fyne.NewSize(760, 480))

	return w
}
