package library

import (
	"context"
	"errors"
	"time"

	"github.com/corsodesktop/corso-desktop/repo/health"
)

// Care is how the app looks after one saved repository while nobody
// looks, and what it last did.
type Care struct {
	// Plan is its maintenance schedule and freshness threshold.
	Plan health.Plan `json:"plan"`
	// LastScheduled is the last maintenance this app ran by itself.
	LastScheduled *CareRun `json:"lastScheduled,omitempty"`
	// LastVerified is the last verification, run by hand or by itself.
	LastVerified *CareRun `json:"lastVerified,omitempty"`
}

// CareRun is one run the app made, and how it ended, in a sentence that
// holds no secret.
type CareRun struct {
	At   time.Time `json:"at"`
	Mode string    `json:"mode"`
	// OK: it ran and found nothing wrong; Said is what it said.
	OK   bool   `json:"ok"`
	Said string `json:"said"`
	// Problems counts what a verification found.
	Problems int `json:"problems,omitempty"`
}

// CareOf is e's care, the default plan when none was set.
func (e Entry) CareOf() Care {
	if e.Care == nil {
		return Care{Plan: health.DefaultPlan()}
	}

	c := *e.Care
	c.Plan = c.Plan.Normalized()

	return c
}

// MaintenanceIdentity is who scheduled maintenance runs as: the owner
// the repository names, else the identity saved with e, else "" (kopia's
// defaults, which the Corso CLI uses on this computer too).
func (e Entry) MaintenanceIdentity(owner string) (user, host string) {
	if owner != "" {
		user, host = splitIdentity(owner)
		return user, host
	}

	return e.MaintenanceUser, e.MaintenanceHost
}

func splitIdentity(id string) (string, string) {
	for i := len(id) - 1; i >= 0; i-- {
		if id[i] == '@' {
			return id[:i], id[i+1:]
		}
	}

	return id, ""
}

// ErrGone is UpdateCare's answer when the repository is no longer saved.
var ErrGone = errors.New("this repository is no longer in the list")

// UpdateCare changes only the care of the saved repository id, under the
// list's lock, so that a schedule saved while a run is recorded (or
// another instance's change) is never lost.
func (l *Library) UpdateCare(ctx context.Context, id string, change func(*Care)) error {
	return l.update(ctx, func(f *settingsFile) error {
		for i := range f.Repositories {
			if f.Repositories[i].ID == id {
				care := f.Repositories[i].CareOf()
				change(&care)
				f.Repositories[i].Care = &care

				return nil
			}
		}

		return ErrGone
	})
}
