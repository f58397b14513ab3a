// What the details say of a repository's care (its schedule, the last
// and next runs, the backups that need a look) and the schedule's dialog.

package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/health"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// scheduleText is the details' line on e's schedule: what it is, the last
// run by anyone (from the repository's own record) and by this app, and
// the next.
func (a *App) scheduleText(e library.Entry, now time.Time) string {
	care := e.CareOf()
	p := care.Plan

	text := "Off: maintenance runs only when you run it."
	if p.Scheduled {
		text = fmt.Sprintf("Metadata maintenance every %d backups, complete every %s, run by Corso Desktop while it is open", p.MetadataEvery, daysText(p.CompleteEvery))
		if on, _ := a.autostartInstalled(); on {
			text += " or in the tray after login"
		}

		text += "."
	}

	if st := a.care[e.ID]; st != nil {
		switch {
		case st.running != "":
			text += " Running now: " + string(st.running) + " maintenance."
		case st.problem != "":
			text += " " + st.problem
		default:
			text += " Next: " + st.decision.Next + "."
		}
	}

	if run := care.LastScheduled; run != nil {
		text += " Its last scheduled run, " + ago(run.At, now) + ", " + map[bool]string{true: "went well", false: "did not go well"}[run.OK] + ": " + run.Said
	}

	return text
}

// freshnessText is the details' line on the protected resources whose
// backups need a look, from what the repository was last read to hold.
func freshnessText(e library.Entry, c *repo.Contents, now time.Time) string {
	plan := e.CareOf().Plan

	var lines []string

	for _, r := range health.Freshness(c.Backups, plan.StaleAfter, now) {
		if r.Flagged() {
			lines = append(lines, orNone(r.Name, r.ID)+" ("+serviceName(r.Service)+"): "+freshnessLine(r, now))
		}
	}

	switch {
	case len(c.Backups) == 0:
		return "No protected resource yet: the Corso CLI's first backup adds one."
	case len(lines) == 0:
		return "Every protected resource has a complete backup less than " + daysText(plan.StaleAfter) + " old."
	}

	return strings.Join(lines, "\n")
}

// verifiedText is the details' line on the last verification.
func verifiedText(e library.Entry, now time.Time) string {
	run := e.CareOf().LastVerified
	if run == nil {
		return "Never verified by Corso Desktop."
	}

	return "Last " + run.Mode + " verification " + ago(run.At, now) + ": " + run.Said
}

// careRows are the details' lines on e's schedule, the backups that need
// a look and its verification, with their buttons.
func (a *App) careRows(e library.Entry, c *repo.Contents) []fyne.CanvasObject {
	now := time.Now()
	schedule := widget.NewButtonWithIcon("Schedule…", theme.HistoryIcon(), func() { a.showSchedule(e) })
	verify := widget.NewButtonWithIcon("Verify…", theme.SearchIcon(), func() { a.showVerify(e) })

	return []fyne.CanvasObject{
		fieldLabel("Schedule"), container.NewVBox(wrapped(a.scheduleText(e, now)), container.NewHBox(schedule)),
		fieldLabel("Freshness"), wrapped(freshnessText(e, c, now)),
		fieldLabel("Verified"), container.NewVBox(wrapped(verifiedText(e, now)), container.NewHBox(verify)),
	}
}

// freshnessLine says why a resource is flagged.
func freshnessLine(r health.Resource, now time.Time) string {
	var parts []string

	if r.Failed {
		parts = append(parts, "its last backup, "+ago(r.Last.Created, now)+", "+strings.ToLower(orNone(r.Last.Status, "did not complete")))
	}

	switch {
	case r.LastComplete.ID == "":
		parts = append(parts, "it has no complete backup")
	case r.Stale:
		parts = append(parts, "its last complete backup is "+ago(r.LastComplete.Created, now))
	}

	return strings.Join(parts, "; ")
}

// daysText is a whole number of days or weeks.
func daysText(d time.Duration) string {
	days := int(d / (24 * time.Hour))

	switch {
	case days >= 7 && days%7 == 0 && days/7 == 1:
		return "week"
	case days >= 7 && days%7 == 0:
		return strconv.Itoa(days/7) + " weeks"
	case days == 1:
		return "day"
	case days > 1:
		return strconv.Itoa(days) + " days"
	}

	return strconv.Itoa(int(d/time.Hour)) + " hours"
}

// showSchedule edits e's schedule: on or off, how often each maintenance
// runs (Corso's recommendations the defaults), and when a backup is
// stale.
func (a *App) showSchedule(e library.Entry) {
	care := e.CareOf()
	p := care.Plan

	on := widget.NewCheck("Run the maintenance that is due by itself", nil)
	on.SetChecked(p.Scheduled)

	every := a.newEntry("25", false)
	every.SetText(strconv.Itoa(p.MetadataEvery))
	every.Validator = wholeNumber(1, 10000, "backups")

	complete := a.newEntry("7", false)
	complete.SetText(strconv.Itoa(int(p.CompleteEvery / (24 * time.Hour))))
	complete.Validator = wholeNumber(1, 365, "days")

	stale := a.newEntry("2", false)
	stale.SetText(strconv.Itoa(max(1, int(p.StaleAfter/(24*time.Hour)))))
	stale.Validator = wholeNumber(1, 365, "days")

	items := []*widget.FormItem{
		{Text: "", Widget: on, HintText: "While Corso Desktop is open, or in the tray when it starts at login (In the background…)."},
		{Text: "Metadata", Widget: every, HintText: "After this many backups. Corso recommends every 20 to 30."},
		{Text: "Complete", Widget: complete, HintText: "Every this many days. Corso recommends every 7 to 14."},
		{Text: "Stale after", Widget: stale, HintText: "Days without a complete backup before a resource is flagged."},
	}

	d := dialog.NewForm("Schedule of "+e.Name, "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}

		// The form's Save waits for its validation; a figure typed just
		// before it is checked here again, and nothing is saved.
		for _, f := range []*keyEntry{every, complete, stale} {
			if err := f.Validator(f.Text); err != nil {
				a.showError("Schedule of "+e.Name, err)
				return
			}
		}

		n, _ := strconv.Atoi(strings.TrimSpace(every.Text))
		c, _ := strconv.Atoi(strings.TrimSpace(complete.Text))
		s, _ := strconv.Atoi(strings.TrimSpace(stale.Text))

		plan := health.Plan{Scheduled: on.Checked, MetadataEvery: n, CompleteEvery: time.Duration(c) * 24 * time.Hour, StaleAfter: time.Duration(s) * 24 * time.Hour}

		go func() {
			err := a.lib.UpdateCare(context.Background(), e.ID, func(c *library.Care) { c.Plan = plan })

			a.post(func() {
				if err != nil {
					a.showError("Schedule", err)
					return
				}

				a.reload()
				a.showDetails()
			})
		}()
	}, a.win)

	for _, f := range []*keyEntry{every, complete, stale} {
		f.OnSubmitted = func(string) { d.Submit() }
	}

	d.Resize(fyne.NewSize(560, d.MinSize().Height))
	a.scheduleForm = d
	a.showDialog(d)
}

// wholeNumber checks a field of a whole number from lo to hi.
func wholeNumber(lo, hi int, unit string) fyne.StringValidator {
	return func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < lo || n > hi {
			return errors.New("Type a whole number of " + unit + ", from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi) + ".")
		}

		return nil
	}
}
