// What runs in the background, said in one place, and the switch that
// starts the app at login in the tray.

package ui

import (
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/platform/autostart"
)

// BackgroundFlag is the flag the login item starts the app with.
const BackgroundFlag = "background"

// autostartInstalled says whether the app starts at login, and where the
// OS keeps that; tests point it elsewhere.
func (a *App) autostartInstalled() (bool, string) {
	if a.opts.Autostart != nil {
		return a.opts.Autostart.Installed()
	}

	return autostart.Installed()
}

// Autostart is the login item's switch (platform/autostart by default).
type Autostart interface {
	Install(autostart.Item) error
	Remove() error
	Installed() (bool, string)
}

type systemAutostart struct{}

func (systemAutostart) Install(it autostart.Item) error { return autostart.Install(it) }
func (systemAutostart) Remove() error                   { return autostart.Remove() }
func (systemAutostart) Installed() (bool, string)       { return autostart.Installed() }

func (a *App) autostarter() Autostart {
	if a.opts.Autostart != nil {
		return a.opts.Autostart
	}

	return systemAutostart{}
}

// backgroundText says what runs in the background, when and as whom.
// Each string is a paragraph.
func backgroundText() []string {
	return []string{
		"While Corso Desktop is open, it looks at each connected repository every " + durationWords(careEvery) +
			" (the first time " + durationWords(careFirst) + " after it starts): what it holds, when its maintenance last ran (by anyone), " +
			"and which protected resources have no recent complete backup. Looking only reads.",
		"Maintenance that a repository's schedule says is due runs by itself, one repository at a time and never beside an operation of yours on it, " +
			"as the identity that owns that repository's maintenance (or the one saved with it when nobody does yet), " +
			"and only for repositories whose passphrase it has: stored in the keychain, or typed since it started. " +
			"Nothing else is written: verification runs only when you ask for it.",
		"A notification says when scheduled maintenance fails or raises Corso's alerts, is overdue, or a resource's backups need a look; each at most once a day.",
	}
}

// durationWords is a whole number of minutes or an hour, in words.
func durationWords(d time.Duration) string {
	if d == time.Minute {
		return "a minute"
	}

	if d%time.Hour == 0 {
		return plural(int(d/time.Hour), "hour")
	}

	return plural(int(d/time.Minute), "minute")
}

// showBackground says what runs in the background and holds the switch
// that starts the app at login, in the tray, without its window.
func (a *App) showBackground() {
	on, where := a.autostartInstalled()

	status := wrapped("")
	say := func(on bool, where string) {
		if on {
			status.SetText("Starts at login, in the tray (kept in " + where + ").")
		} else {
			status.SetText("Does not start at login: scheduled maintenance runs only while the window is open.")
		}
	}

	say(on, where)

	login := widget.NewCheck("Start at login, in the tray, without opening the window", nil)
	login.SetChecked(on)
	login.OnChanged = func(want bool) {
		exe, err := os.Executable()
		if err == nil && want {
			err = a.autostarter().Install(autostart.Item{Program: exe, Args: []string{"-" + BackgroundFlag}})
		} else if err == nil {
			err = a.autostarter().Remove()
		}

		on, where := a.autostartInstalled()
		say(on, where)

		if err != nil {
			a.showError("Start at login", err)
		}
	}

	off := wrapped("To turn it all off: turn each repository's schedule off (Schedule… in its details) and this switch off; " +
		"quitting Corso Desktop stops whatever runs: closing its window, or Quit in the tray (started at login, closing the window only hides it).")
	off.SizeName = theme.SizeNameCaptionText

	body := container.NewVBox()
	for _, p := range backgroundText() {
		body.Add(wrapped(p))
	}

	body.Add(widget.NewSeparator())
	body.Add(login)
	body.Add(status)
	body.Add(off)

	d := dialog.NewCustom("In the background", "Close", body, a.win)
	d.Resize(fyne.NewSize(600, body.MinSize().Height+120))
	a.backgroundForm = login
	a.showDialog(d)
}
