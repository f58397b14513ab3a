// The system tray: each repository's state at a glance, the window a
// click away, and the app kept running in it when it started at login.

package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/corsodesktop/corso-desktop/platform/tray"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// setUpTray puts the app in the system tray where the desktop has one.
// Started at login, the window stays hidden, and closing it hides it
// again: the tray's Quit ends the app. On a desktop without a tray the
// app asks for none, so nothing complains that it cannot register.
func (a *App) setUpTray() {
	desk, ok := a.fa.(desktop.App)
	if !ok || !tray.Available() {
		return
	}

	a.tray = desk

	if icon := a.fa.Icon(); icon != nil {
		desk.SetSystemTrayIcon(icon)
	}

	desk.SetSystemTrayWindow(a.win)

	// Hidden only where a tray icon can show it again: on a desktop
	// without one (returned above), the window opens as usual.
	a.hidden = a.opts.Background
	if a.hidden {
		a.win.SetCloseIntercept(a.win.Hide)
	}

	a.refreshTray()
}

// refreshTray shows each repository's state in the tray's menu.
func (a *App) refreshTray() {
	if a.tray == nil {
		return
	}

	a.tray.SetSystemTrayMenu(a.trayMenu())
}

// trayMenu is the tray's menu: the window, each repository with its
// state (choosing one shows it), and Quit.
func (a *App) trayMenu() *fyne.Menu {
	items := []*fyne.MenuItem{fyne.NewMenuItem("Open Corso Desktop", a.showWindow), fyne.NewMenuItemSeparator()}

	for _, e := range a.entries {
		item := fyne.NewMenuItem(e.Name+": "+a.careLine(e), func() {
			a.showWindow()
			a.selected = e.ID
			a.showMain()
		})
		items = append(items, item)
	}

	if len(a.entries) == 0 {
		none := fyne.NewMenuItem("No repository yet", nil)
		none.Disabled = true
		items = append(items, none)
	}

	quit := fyne.NewMenuItem("Quit", a.fa.Quit)
	quit.IsQuit = true

	return fyne.NewMenu("Corso Desktop", append(items, fyne.NewMenuItemSeparator(), quit)...)
}

// Raise shows the window and brings it forward, from any goroutine (the
// app started a second time asks for it).
func (a *App) Raise() { a.post(a.showWindow) }

// showWindow shows the window and brings it forward.
func (a *App) showWindow() {
	a.win.Show()
	a.win.RequestFocus()
}

// careLine is one repository's state in a few words, for the tray and the
// list: what is running, else everything that needs a look, else that all
// is well.
func (a *App) careLine(e library.Entry) string {
	st := a.care[e.ID]
	care := e.CareOf()

	switch {
	case st == nil:
		return "not looked at yet"
	case st.running != "":
		return string(st.running) + " maintenance running"
	case st.needsPassphrase:
		return "needs its passphrase stored"
	case st.problem != "":
		return "could not be read"
	}

	var parts []string

	switch {
	case care.LastScheduled != nil && !care.LastScheduled.OK && st.decision.Due != "":
		parts = append(parts, "scheduled maintenance failed")
	case st.decision.Overdue:
		parts = append(parts, string(st.decision.Due)+" maintenance overdue")
	case st.decision.Due != "" && care.Plan.Scheduled:
		parts = append(parts, string(st.decision.Due)+" maintenance due, runs by itself")
	case st.decision.Due != "":
		parts = append(parts, string(st.decision.Due)+" maintenance due")
	}

	if n := len(st.flagged); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s need a look", n, pluralWord(n, "resource")))
	}

	if len(parts) == 0 {
		return "all well, looked at " + ago(st.checked, time.Now())
	}

	return strings.Join(parts, " · ")
}

func pluralWord(n int, word string) string {
	if n == 1 {
		return word
	}

	return word + "s"
}

// careAttention is the list's line on e's care: what needs a look (true),
// or what is running or due to run by itself, else that all is well; ""
// before the first look.
func (a *App) careAttention(e library.Entry) (string, bool) {
	st := a.care[e.ID]
	if st == nil {
		return "", false
	}

	line := a.careLine(e)

	switch {
	case st.running != "":
		return line, false
	case strings.HasPrefix(line, "all well"):
		return "all well", false
	case strings.HasSuffix(line, "runs by itself"):
		return line, false
	}

	return line, true
}
