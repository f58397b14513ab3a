// Looking after the saved repositories while nobody looks: each is read
// now and then (what it holds, who maintains it, when it last was), the
// maintenance its schedule asks for runs by itself, and what needs a look
// is said in the list, the tray and a notification.

package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/health"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// CareOptions set how often the app looks after its repositories.
type CareOptions struct {
	// Off: nothing runs by itself (tests that drive it by hand).
	Off bool
	// Every is how often each repository is looked at (10 minutes when
	// zero); the first look comes a minute after the start.
	Every time.Duration
}

// careEvery and careFirst are the defaults: a look every ten minutes, the
// first a minute after the start (the app's own start comes first).
const (
	careEvery = 10 * time.Minute
	careFirst = time.Minute
)

// careState is what the app last learned of one repository's health.
type careState struct {
	checked  time.Time
	decision health.Decision
	// flagged are the protected resources whose backups need a look.
	flagged []health.Resource
	// problem says why the repository could not be looked at;
	// needsPassphrase: because its passphrase is not stored.
	problem         string
	needsPassphrase bool
	// running is the scheduled maintenance under way ("" when none), with
	// what stops it.
	running repo.MaintenanceMode
	stop    context.CancelFunc
}

// startCare looks after the repositories until ctx ends.
func (a *App) startCare(ctx context.Context) {
	if a.opts.Care.Off {
		return
	}

	every := a.opts.Care.Every
	if every <= 0 {
		every = careEvery
	}

	go func() {
		wait := careFirst

		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}

			a.careNow(ctx)

			wait = every
		}
	}()
}

// careNow looks at every saved repository once, one after the other, off
// the UI goroutine: what it holds and what is due, and runs the
// maintenance that is due.
func (a *App) careNow(ctx context.Context) {
	a.careMu.Lock()
	defer a.careMu.Unlock()

	entries, err := a.lib.List(ctx)
	if err != nil {
		return
	}

	for _, e := range entries {
		if ctx.Err() != nil {
			return
		}

		a.careFor(ctx, e)
	}
}

// careFor looks after one repository.
func (a *App) careFor(ctx context.Context, e library.Entry) {
	if !a.lib.Connected(e.ID) || e.PassphraseChange != nil {
		return
	}

	now := time.Now()
	plan := e.CareOf().Plan
	st := &careState{checked: now}

	secrets, err := a.lib.Secrets(ctx, e)
	if err != nil {
		st.problem = "Its passphrase is not stored, so it cannot be looked after while nobody looks: open it and choose Remember."
		st.needsPassphrase = true

		if !errors.Is(err, library.ErrNeedPassphrase) {
			st.needsPassphrase = false
			st.problem = "Its secrets could not be read: " + err.Error()
		}

		a.careSeen(e, st, plan)

		return
	}

	c, err := a.eng.Contents(ctx, a.lib.Local(e.ID), secrets)
	if err != nil {
		st.problem = "It could not be read: " + err.Error()
		a.careSeen(e, st, plan)

		return
	}

	rec := health.Record{Maintenance: c.Maintenance, Created: c.Storage.Created, Backups: c.Backups, AssistBackups: c.AssistBackups}
	st.decision = health.Decide(plan, rec, now)

	for _, r := range health.Freshness(c.Backups, plan.StaleAfter, now) {
		if r.Flagged() {
			st.flagged = append(st.flagged, r)
		}
	}

	a.post(func() {
		// The details and the backups view see what was just read.
		if cs := a.contents[e.ID]; cs == nil || !cs.loading {
			a.contents[e.ID] = &contentsState{result: c}
		}
	})

	a.careSeen(e, st, plan)

	if plan.Scheduled && st.decision.Due != "" {
		a.runScheduled(ctx, e, secrets, c.Maintenance.Owner, st)
	}
}

// careSeen keeps what was learned, refreshes what shows it, and notifies
// of what needs a look (each thing once a day at most).
func (a *App) careSeen(e library.Entry, st *careState, plan health.Plan) {
	a.postWait(func() {
		a.care[e.ID] = st
		a.refreshList()
		a.refreshTray()

		if a.selected == e.ID && a.flow == nil && a.backups == nil {
			a.showDetails()
		}
	})

	// A passphrase not stored is said in the list and the tray; it is
	// notified only for a schedule the user set.
	if st.problem != "" && plan.Scheduled && (e.Care != nil || !st.needsPassphrase) {
		a.notify("problem:"+e.ID, e.Name+" cannot be looked after", st.problem)
	}

	if st.decision.Overdue && !plan.Scheduled {
		a.notify("overdue:"+e.ID, "Maintenance of "+e.Name+" is overdue", "Its schedule is off, and "+st.decision.Why+". Run it from its details, or turn its schedule on.")
	}

	for _, r := range st.flagged {
		a.notify("stale:"+e.ID+":"+r.Service+":"+r.ID+":"+r.LastComplete.ID+":"+r.Last.ID, "Backups of "+orNone(r.Name, r.ID)+" need a look", freshnessLine(r, time.Now())+" (in "+e.Name+").")
	}
}

// runScheduled runs the maintenance that is due, as the identity that
// owns maintenance (or the one saved with e when nobody does), unless the
// user is working on the repository right now; it says what it did.
func (a *App) runScheduled(ctx context.Context, e library.Entry, secrets repo.Secrets, owner string, st *careState) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()

	mode := st.decision.Due
	started := false

	a.postWait(func() {
		if a.busy != nil || a.opening[e.ID] {
			return // the user's operation comes first; the next look runs it
		}

		st.running, st.stop, started = mode, stop, true
		a.refreshList()
		a.refreshTray()
	})

	if !started {
		return
	}

	user, host := e.MaintenanceIdentity(owner)
	res, err := a.eng.Maintain(ctx, a.lib.Local(e.ID), secrets, repo.MaintenanceRequest{Mode: mode, User: user, Host: host})

	run := library.CareRun{At: time.Now().UTC(), Mode: string(mode), OK: err == nil && len(res.Alerts) == 0}

	switch {
	case err != nil && repo.CodeOf(err) == repo.CodeBusy:
		// Another run of it (another window's) is under way: nothing ran,
		// nothing failed, and the next look sees what that one did.
		a.postWait(func() { st.running, st.stop = "", nil; a.refreshList(); a.refreshTray() })
		return
	case err != nil && repo.CodeOf(err) == repo.CodeCanceled:
		run.Said = "Stopped before it finished; nothing was lost, and the next look runs it again."
	case err != nil:
		run.Said = err.Error()
		a.notify("failed:"+e.ID, "Scheduled maintenance of "+e.Name+" failed", err.Error())
	case len(res.Alerts) > 0:
		run.Said = "Ran as " + res.Owner + "; Corso's settings checks raised: " + strings.Join(res.Alerts, "; ")
		a.notify("alerts:"+e.ID, "Maintenance of "+e.Name+" raised Corso's alerts", strings.Join(res.Alerts, "; "))
	default:
		run.Said = "Ran as " + res.Owner + " in " + tookText(res.Took) + "."
	}

	// The record of a run; the run itself is in the repository's own log.
	a.lib.UpdateCare(context.Background(), e.ID, func(c *library.Care) { c.LastScheduled = &run }) //nolint:errcheck

	a.postWait(func() {
		st.running, st.stop = "", nil
		a.reload()
		a.refreshList()
		a.refreshTray()

		if a.selected == e.ID && a.flow == nil && a.backups == nil {
			a.forgetContents(e.ID) // what it holds changed
			a.showDetails()
		}
	})
}

// postWait runs f on the UI goroutine and waits for it.
func (a *App) postWait(f func()) {
	done := make(chan struct{})

	a.post(func() {
		defer close(done)
		f()
	})

	<-done
}

// notifyEvery is how often one thing is notified at most.
const notifyEvery = 24 * time.Hour

// notify sends a desktop notification, once per key a day.
func (a *App) notify(key, title, content string) {
	a.notifiedMu.Lock()
	last, seen := a.notified[key]

	if seen && time.Since(last) < notifyEvery {
		a.notifiedMu.Unlock()
		return
	}

	n := fyne.NewNotification(title, content)
	a.notified[key] = time.Now()
	a.sent = append(a.sent[max(0, len(a.sent)-49):], n)
	a.notifiedMu.Unlock()

	a.fa.SendNotification(n)
}

// sentNotifications are the last notifications sent, oldest first.
func (a *App) sentNotifications() []*fyne.Notification {
	a.notifiedMu.Lock()
	defer a.notifiedMu.Unlock()

	return append([]*fyne.Notification(nil), a.sent...)
}

// careRunning says whether scheduled maintenance is running on id.
func (a *App) careRunning(id string) bool {
	st := a.care[id]
	return st != nil && st.running != ""
}

// careMutex and the notified record are the care's own state, shared by
// its goroutine and the UI goroutine.
type careShared struct {
	careMu     sync.Mutex
	notifiedMu sync.Mutex
	notified   map[string]time.Time
	// sent are the last notifications, for the tests.
	sent []*fyne.Notification
}
