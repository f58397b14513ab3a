// Running Corso's maintenance on a connected repository, with its
// ownership, and saying what it did.

package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// Labels of the two modes, as the dialog offers them, and what each does.
const (
	modeMetadataLabel = "Metadata (kopia quick)"
	modeCompleteLabel = "Complete (kopia full)"
	modeMetadataText  = "Compacts indexes and metadata; takes seconds to minutes."
	modeCompleteText  = "First Corso's clean-up of incomplete backups older than 7 days, then kopia removes data no backup uses any more (once its safety delay has passed). Reads every index; can take long."
)

// maintenanceForm is what the maintenance dialog shows.
type maintenanceForm struct {
	e          library.Entry
	mode       *widget.RadioGroup
	user, host *keyEntry
	owner      string
	// ownerLine says who owns maintenance and what a run as the typed
	// identity means; take claims it from another identity.
	ownerLine *widget.Label
	take      *widget.Check
	asOwner   *widget.Button
	run       *widget.Button
	dialog    *dialog.CustomDialog
}

// maintenanceText is the details' line about who owns maintenance and
// when it last ran.
func maintenanceText(m repo.Maintenance, now time.Time) string {
	if m.Owner == "" && m.Identity == "" {
		return "Never run. The first run makes the identity it runs as the owner."
	}

	if m.Owner == "" {
		return "Never run. The first run makes the identity it runs as (" + m.Identity + " on this computer) the owner."
	}

	text := "Owned by " + m.Owner
	if m.Owner == m.Identity {
		text += " (this computer)"
	} else {
		text += "; this computer runs as " + m.Identity
	}

	if !m.LastRun.IsZero() {
		text += "; last run " + ago(m.LastRun, now)
	}

	if !m.LastFull.IsZero() {
		text += ", last complete run " + ago(m.LastFull, now)
	}

	if m.ExtendObjectLocks {
		text += "; extends object locks"
	}

	return text + "."
}

// entryMaintenance is m with the identity this entry runs maintenance as,
// when one was chosen (or imported) for it.
func entryMaintenance(e library.Entry, m repo.Maintenance) repo.Maintenance {
	if e.MaintenanceUser != "" || e.MaintenanceHost != "" {
		m.Identity = repo.Identity(e.MaintenanceUser, e.MaintenanceHost)
	}

	return m
}

// showMaintenance opens the maintenance dialog; who owns it comes from
// the contents read in the background.
func (a *App) showMaintenance(e library.Entry) {
	if a.careBusy(e) {
		return
	}

	st := a.contents[e.ID]
	if st == nil || st.result == nil {
		a.showInfo("Maintenance", "Corso Desktop is still reading this repository; try again in a moment.")
		return
	}

	m := entryMaintenance(e, st.result.Maintenance)
	f := &maintenanceForm{e: e, owner: m.Owner, user: a.newEntry("user", false), host: a.newEntry("host", false)}

	user, host := e.MaintenanceUser, e.MaintenanceHost
	if user == "" && host == "" {
		user, host, _ = strings.Cut(m.Identity, "@")
	}

	f.user.SetText(user)
	f.host.SetText(host)

	modeText := wrapped(modeMetadataText)
	modeText.SizeName = theme.SizeNameCaptionText
	f.mode = widget.NewRadioGroup([]string{modeMetadataLabel, modeCompleteLabel}, func(s string) {
		modeText.SetText(map[string]string{modeMetadataLabel: modeMetadataText, modeCompleteLabel: modeCompleteText}[s])
	})
	f.mode.Horizontal = true
	f.mode.SetSelected(modeMetadataLabel)

	f.ownerLine = wrapped("")
	f.take = widget.NewCheck("Take ownership from "+m.Owner, func(bool) { f.update() })
	f.user.OnChanged = func(string) { f.update() }
	f.host.OnChanged = func(string) { f.update() }

	f.run = widget.NewButtonWithIcon("Run maintenance", theme.MediaPlayIcon(), func() { a.confirmMaintenance(f) })
	f.run.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { f.dialog.Hide() })

	form := &widget.Form{Items: []*widget.FormItem{
		{Text: "Mode", Widget: container.NewVBox(f.mode, modeText)},
		{Text: "Run as user", Widget: f.user, HintText: "Corso's --user (corso_user in .corso.toml)."},
		{Text: "on host", Widget: f.host, HintText: "Corso's --host (corso_host)."},
	}}

	asOwner := fyne.CanvasObject(container.NewVBox())
	if m.Owner != "" && m.Owner != repo.Identity(user, host) {
		owner := m.Owner
		f.asOwner = widget.NewButton("Run as "+owner, func() {
			u, h, _ := strings.Cut(owner, "@")
			f.user.SetText(u)
			f.host.SetText(h)
		})
		asOwner = container.NewHBox(f.asOwner, f.take)
	}

	content := container.NewVBox(form, f.ownerLine, asOwner)
	if info := a.infos[e.ID]; info != nil && info.Retention.Enabled() {
		// Object lock decides what maintenance can do: restated here.
		lock := wrapped(lockedMaintenanceText(info))
		lock.Importance = widget.WarningImportance
		content.Add(lock)
	}

	f.dialog = dialog.NewCustomWithoutButtons("Maintenance of "+e.Name, content, a.win)
	f.dialog.SetButtons([]fyne.CanvasObject{cancel, f.run})
	f.dialog.Resize(fyne.NewSize(600, content.MinSize().Height+140))
	f.update()
	a.maintForm = f
	a.showDialog(f.dialog)
}

// identity is the user@host the form would run as.
func (f *maintenanceForm) identity() string {
	return repo.Identity(strings.TrimSpace(f.user.Text), strings.TrimSpace(f.host.Text))
}

// update says what a run as the typed identity does, and allows it only
// when it would not be refused.
func (f *maintenanceForm) update() {
	me := f.identity()
	f.take.Hidden = f.owner == "" || f.owner == me

	switch {
	case strings.TrimSpace(f.user.Text) == "" || strings.TrimSpace(f.host.Text) == "":
		f.ownerLine.SetText("Type the user and host maintenance runs as.")
		f.run.Disable()

		return
	case f.owner == "":
		f.ownerLine.SetText("Nobody owns this repository's maintenance yet: this run makes " + me + " its owner, as the Corso CLI does, and turns kopia's automatic maintenance off.")
	case f.owner == me:
		f.ownerLine.SetText("Runs as " + me + ", the owner.")
	case f.take.Checked:
		f.ownerLine.SetText("Takes ownership from " + f.owner + ": you will be asked to confirm.")
	default:
		f.ownerLine.SetText(f.owner + " owns this repository's maintenance; kopia refuses a run as " + me + ". Run as " + f.owner + ", or take ownership.")
		f.run.Disable()

		return
	}

	f.run.Enable()
}

// confirmMaintenance asks before taking ownership, then runs.
func (a *App) confirmMaintenance(f *maintenanceForm) {
	f.dialog.Hide()

	mode := repo.MaintenanceMetadata
	if f.mode.Selected == modeCompleteLabel {
		mode = repo.MaintenanceComplete
	}

	req := repo.MaintenanceRequest{Mode: mode, User: strings.TrimSpace(f.user.Text), Host: strings.TrimSpace(f.host.Text)}

	if f.owner == "" || f.owner == f.identity() || !f.take.Checked {
		a.runMaintenance(f.e, req)
		return
	}

	owner := f.owner
	host := owner[strings.LastIndex(owner, "@")+1:]
	text := fmt.Sprintf("%s becomes the owner of this repository's maintenance in place of %s. "+
		"From then on kopia refuses maintenance run as %s: a Corso CLI scheduled on %s (corso repo maintenance) fails with \"maintenance must be run by designated user\" "+
		"until it runs with --force, or with --user and --host set to %s. Take ownership?", f.identity(), owner, owner, host, f.identity())

	d := dialog.NewConfirm("Take ownership of maintenance?", text, func(ok bool) {
		if ok {
			req.TakeOwnership = true
			a.runMaintenance(f.e, req)
		}
	}, a.win)
	a.lastInfo = text
	a.showDialog(d)
}

// runMaintenance runs one maintenance with progress and Cancel, keeps the
// identity with the entry, and says what was done.
func (a *App) runMaintenance(e library.Entry, req repo.MaintenanceRequest) {
	var res *repo.MaintenanceResult

	a.run("Maintenance of "+e.Name, string(repo.StepDeriving), func(ctx context.Context) error {
		secrets, err := a.lib.Secrets(ctx, e)
		if err != nil {
			return err
		}

		if e.MaintenanceUser != req.User || e.MaintenanceHost != req.Host {
			e.MaintenanceUser, e.MaintenanceHost = req.User, req.Host
			if err := a.lib.Save(ctx, e); err != nil {
				return err
			}
		}

		res, err = a.eng.Maintain(ctx, a.lib.Local(e.ID), secrets, req)

		return err
	}, func(err error) {
		a.reload()
		// What it holds and who owns maintenance are read again.
		a.forgetContents(e.ID)
		a.showDetails()

		if err != nil {
			if repo.CodeOf(err) == repo.CodeCanceled {
				a.showInfo("Maintenance", "Maintenance was cancelled. kopia stops between safe points, so the repository is consistent; run maintenance again to finish.")
				return
			}

			a.showError("Maintenance", err)

			return
		}

		a.showMaintenanceResult(e, res)
	})
}

// maintenanceSummary is what a run did, in sentences.
func maintenanceSummary(res *repo.MaintenanceResult) string {
	name := map[repo.MaintenanceMode]string{repo.MaintenanceMetadata: "Metadata", repo.MaintenanceComplete: "Complete"}[res.Mode]
	lines := []string{fmt.Sprintf("%s maintenance finished in %s, as %s.", name, res.Took.Round(100*time.Millisecond), res.Owner)}

	if res.TookOwnership {
		lines = append(lines, res.Owner+" now owns this repository's maintenance.")
	}

	freed := res.Before.Bytes - res.After.Bytes
	switch {
	case freed > 0:
		lines = append(lines, fmt.Sprintf("Freed %s: %s in %d blobs before, %s in %d after.", byteSize(freed), byteSize(res.Before.Bytes), res.Before.Blobs, byteSize(res.After.Bytes), res.After.Blobs))
	default:
		lines = append(lines, fmt.Sprintf("Nothing freed this time: %s in %d blobs before, %s in %d after (kopia keeps what is newer than its safety delay).",
			byteSize(res.Before.Bytes), res.Before.Blobs, byteSize(res.After.Bytes), res.After.Blobs))
	}

	if len(res.Tasks) > 0 {
		var tasks []string
		for _, t := range res.Tasks {
			state := "done"
			if !t.Success {
				state = "failed: " + t.Error
			}

			tasks = append(tasks, fmt.Sprintf("%s (%s, %s)", t.Task, t.End.Sub(t.Start).Round(time.Millisecond), state))
		}

		lines = append(lines, "kopia ran: "+strings.Join(tasks, ", ")+".")
	}

	if res.Mode == repo.MaintenanceComplete {
		switch res.OrphansDeleted {
		case 0:
			lines = append(lines, "Corso's clean-up found no incomplete backup older than 7 days.")
		default:
			lines = append(lines, fmt.Sprintf("Corso's clean-up removed %d records of incomplete or superseded backups older than 7 days; kopia frees their data once its safety delay has passed.", res.OrphansDeleted))
		}
	}

	if len(res.Alerts) > 0 {
		lines = append(lines, "Corso's settings checks found: "+strings.Join(res.Alerts, "; ")+". The Corso CLI only writes these to its log.")
	}

	return strings.Join(lines, "\n\n")
}

func (a *App) showMaintenanceResult(e library.Entry, res *repo.MaintenanceResult) {
	text := maintenanceSummary(res)
	a.lastInfo = text
	content := container.NewVBox(scrolledText(text))

	if len(res.Alerts) > 0 {
		content.Add(container.NewHBox(widget.NewButtonWithIcon("Apply Corso's settings", theme.SettingsIcon(), func() {
			if a.dialog != nil {
				a.dialog.Hide()
			}

			a.applyCorsoSettings(e)
		})))
	}

	a.showDialog(dialog.NewCustom("Maintenance of "+e.Name, "Close", content, a.win))
}

// objectLockText says how a repository's blobs are protected, from its
// kopia.blobcfg and (once read) its maintenance parameters.
func (a *App) objectLockText(e library.Entry, r repo.Retention) string {
	if !r.Enabled() {
		return "Off: whoever holds credentials with s3:DeleteObject can delete the repository's blobs."
	}

	text := "On: each blob is locked in " + strings.ToLower(r.Mode) + " mode for " + repo.DescribePeriod(r.Period) + " after it is written"

	if info := a.infos[e.ID]; info != nil {
		if info.Maintenance.ExtendObjectLocks {
			return text + "; maintenance extends the locks of blobs still in use."
		}

		return text + "; maintenance does not extend the locks, so they run out."
	}

	return text + "."
}

// lockedMaintenanceText says what object lock means for maintenance.
func lockedMaintenanceText(info *repo.Info) string {
	r := info.Retention
	text := "Object lock: every blob is locked in " + strings.ToLower(r.Mode) + " mode for " + repo.DescribePeriod(r.Period) + " after it is written, so maintenance cannot delete a blob before its lock runs out"

	if info.Maintenance.ExtendObjectLocks {
		return text + "; complete maintenance extends the locks of blobs still in use."
	}

	return text + "; maintenance does not extend the locks, so those of blobs still in use run out."
}

// lockPlanText says, at the create step, what the chosen lock will do.
func lockPlanText(o *repo.ObjectLock) string {
	text := "Immutable: each blob will be locked in " + strings.ToLower(o.Mode) + " mode for " + repo.DescribePeriod(o.Period) + " after it is written"
	if o.Extend {
		text += ", and maintenance will extend the locks of blobs still in use"
	}

	text += ". A blob written while locked stays locked for its period whatever is changed later"
	if o.Mode == repo.RetentionCompliance {
		text += ", and in compliance mode nobody can delete it or the repository before then"
	}

	return text + "."
}

// scrolledText is a long text for a dialog: wrapped to a readable width,
// scrolled when it is taller than a small window leaves room for.
func scrolledText(text string) fyne.CanvasObject {
	scroll := container.NewVScroll(wrapped(text))
	scroll.SetMinSize(fyne.NewSize(560, 260))

	return scroll
}
