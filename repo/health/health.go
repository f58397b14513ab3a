// Package health decides, from what a repository records, what keeps it
// healthy: which maintenance is due under its schedule, and which
// protected resources have no fresh backup. It is pure: no I/O, no clock
// of its own (now is handed in), no Fyne, no engine.
package health

import (
	"fmt"
	"sort"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
)

// Plan is a repository's maintenance schedule and freshness threshold, as
// the user sets them.
type Plan struct {
	// Scheduled: maintenance runs by itself when due.
	Scheduled bool `json:"scheduled"`
	// MetadataEvery is how many backups, made after the last maintenance
	// run, make metadata maintenance due (Corso recommends 20 to 30).
	MetadataEvery int `json:"metadataEvery"`
	// CompleteEvery is how long after the last complete run complete
	// maintenance is due (Corso recommends one to two weeks).
	CompleteEvery time.Duration `json:"completeEvery"`
	// StaleAfter is how old a resource's last complete backup may be
	// before it is flagged.
	StaleAfter time.Duration `json:"staleAfter"`
}

// Corso's recommendations (website/docs/setup/maintenance.md), and the
// freshness threshold a daily backup meets with a day to spare.
const (
	DefaultMetadataEvery = 25
	DefaultCompleteEvery = 7 * 24 * time.Hour
	DefaultStaleAfter    = 2 * 24 * time.Hour
)

// DefaultPlan is the schedule a repository starts with: on, at Corso's
// recommendations.
func DefaultPlan() Plan {
	return Plan{Scheduled: true, MetadataEvery: DefaultMetadataEvery, CompleteEvery: DefaultCompleteEvery, StaleAfter: DefaultStaleAfter}
}

// Normalized is p with every unset figure at its default and each within
// sense: at least one backup, at least a day.
func (p Plan) Normalized() Plan {
	if p.MetadataEvery < 1 {
		p.MetadataEvery = DefaultMetadataEvery
	}

	if p.CompleteEvery < 24*time.Hour {
		p.CompleteEvery = DefaultCompleteEvery
	}

	if p.StaleAfter < time.Hour {
		p.StaleAfter = DefaultStaleAfter
	}

	return p
}

// Record is what the repository says of its maintenance (any client's
// runs, from kopia's schedule blob) and its backups.
type Record struct {
	Maintenance repo.Maintenance
	// Created is when the repository was made, for one never maintained.
	Created time.Time
	// Backups are its Corso backups (Contents.Backups), with AssistBackups
	// counted apart.
	Backups       []repo.Backup
	AssistBackups int
}

// backupsSince counts the backups made after t (assist backups included:
// each one is a write session that maintenance cleans after).
func (r Record) backupsSince(t time.Time) int {
	n := 0

	for _, b := range r.Backups {
		if b.Created.After(t) {
			n++
		}
	}

	return n
}

// overdueGrace is how long past due maintenance may wait (a laptop asleep,
// a passphrase not stored) before it is said to be overdue.
const overdueGrace = 2 * 24 * time.Hour

// Decision is what maintenance is due now, and what comes next.
type Decision struct {
	// Due is the mode to run now, "" when none is due.
	Due repo.MaintenanceMode
	// Why says why, for people.
	Why string
	// Next says when the next run comes, for people; NextComplete is when
	// complete maintenance is next due.
	Next         string
	NextComplete time.Time
	// Overdue: a run is due and has waited past the grace.
	Overdue bool
}

// Decide says what maintenance p asks for, given what r records, at now.
// A run missed while the computer slept is due once, when it wakes: the
// record of the run then moves every due date on.
func Decide(p Plan, r Record, now time.Time) Decision {
	p = p.Normalized()

	fullBase := r.Maintenance.LastFull
	if fullBase.IsZero() {
		fullBase = r.Created
	}

	d := Decision{NextComplete: fullBase.Add(p.CompleteEvery)}

	since := r.backupsSince(r.Maintenance.LastRun)
	left := p.MetadataEvery - since

	switch {
	case !fullBase.IsZero() && !now.Before(d.NextComplete):
		d.Due = repo.MaintenanceComplete
		d.Why = "complete maintenance is due every " + days(p.CompleteEvery) + ", and " + sinceText(r.Maintenance.LastFull, now, "has never run")
		d.Overdue = now.Sub(d.NextComplete) > overdueGrace
	case left <= 0:
		d.Due = repo.MaintenanceMetadata
		d.Why = fmt.Sprintf("metadata maintenance is due every %d backups, and %d were made since the last run", p.MetadataEvery, since)
		d.Overdue = since >= 2*p.MetadataEvery
	}

	next := "complete maintenance " + when(d.NextComplete, now)
	if left > 0 {
		next = fmt.Sprintf("metadata maintenance after %d more %s, %s", left, pluralWord(left, "backup"), next)
	}

	d.Next = next

	return d
}

func days(d time.Duration) string {
	n := int(d / (24 * time.Hour))
	if n%7 == 0 && n >= 7 {
		return pluralCount(n/7, "week")
	}

	return pluralCount(n, "day")
}

func pluralCount(n int, word string) string {
	if n == 1 {
		return word
	}

	return fmt.Sprintf("%d %ss", n, word)
}

func pluralWord(n int, word string) string {
	if n == 1 {
		return word
	}

	return word + "s"
}

func sinceText(t, now time.Time, never string) string {
	if t.IsZero() {
		return "it " + never
	}

	return "the last one ran " + ago(now.Sub(t)) + " ago"
}

func when(t, now time.Time) string {
	if !t.After(now) {
		return "now"
	}

	return "in " + ago(t.Sub(now))
}

// ago is a duration in its largest whole unit.
func ago(d time.Duration) string {
	switch {
	case d < time.Hour:
		return pluralCount(max(1, int(d/time.Minute)), "minute")
	case d < 48*time.Hour:
		return pluralCount(int(d/time.Hour), "hour")
	}

	return pluralCount(int(d/(24*time.Hour)), "day")
}

// Resource is one protected resource's backups, as far as freshness goes.
type Resource struct {
	Service, ID, Name string
	// LastComplete is its newest completed backup (zero ID when none);
	// Last its newest backup of any status.
	LastComplete, Last repo.Backup
	// Stale: its last complete backup is older than the plan allows, or
	// there is none; Failed: its newest backup did not complete.
	Stale, Failed bool
}

// completed says whether a backup ran to its end: Corso's "Completed",
// or "No Data" (it ran, and there was nothing new to keep).
func completed(b repo.Backup) bool { return b.Status == "Completed" || b.Status == "No Data" }

// Flagged says whether the resource needs a look.
func (r Resource) Flagged() bool { return r.Stale || r.Failed }

// Freshness lists each protected resource (per service) of backups, most
// in need of a look first, with its last complete backup and its flags.
func Freshness(backups []repo.Backup, staleAfter time.Duration, now time.Time) []Resource {
	if staleAfter <= 0 {
		staleAfter = DefaultStaleAfter
	}

	byKey := map[string]*Resource{}

	var order []string

	for _, b := range backups {
		if b.Type == "assist-backup" {
			continue
		}

		key := b.Service + "\x00" + b.ResourceID

		r := byKey[key]
		if r == nil {
			r = &Resource{Service: b.Service, ID: b.ResourceID, Name: b.ResourceName}
			byKey[key] = r
			order = append(order, key)
		}

		if b.Created.After(r.Last.Created) {
			r.Last = b
		}

		if completed(b) && b.Created.After(r.LastComplete.Created) {
			r.LastComplete = b
		}
	}

	out := make([]Resource, 0, len(order))

	for _, k := range order {
		r := *byKey[k]
		r.Failed = !completed(r.Last)
		r.Stale = r.LastComplete.ID == "" || now.Sub(r.LastComplete.Created) > staleAfter
		out = append(out, r)
	}

	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Flagged() != out[j].Flagged() {
			return out[i].Flagged()
		}

		return out[i].LastComplete.Created.Before(out[j].LastComplete.Created)
	})

	return out
}
