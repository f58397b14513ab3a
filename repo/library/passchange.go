package library

import (
	"context"
	"time"

	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/repo"
)

// PendingPassphraseChange records a passphrase change that was started
// and has not been seen to finish: until it is, the repository may open
// with either passphrase, and the app finishes the change (which knows
// from where) before anything else. It holds no secret; the new
// passphrase waits beside the current one, in the keychain when the entry
// remembers its passphrase, else in memory.
type PendingPassphraseChange struct {
	Started time.Time `json:"started"`
	// The retention kopia.blobcfg held when the change began, which the
	// change writes back if it stopped after removing that blob.
	RetentionMode   string        `json:"retentionMode,omitempty"`
	RetentionPeriod time.Duration `json:"retentionPeriod,omitempty"`
}

// Retention is the recorded retention.
func (p PendingPassphraseChange) Retention() repo.Retention {
	return repo.Retention{Mode: p.RetentionMode, Period: p.RetentionPeriod}
}

func pendingAccount(id string) string { return id + "/new-passphrase" }

// StartPassphraseChange records, before a passphrase change writes
// anything, that it is under way and what its new passphrase is. Without
// the keychain the new passphrase is kept for the session and the
// keychain's error returned, for a warning.
func (l *Library) StartPassphraseChange(ctx context.Context, e *Entry, newPassphrase string, r repo.Retention) error {
	e.PassphraseChange = &PendingPassphraseChange{Started: time.Now().UTC(), RetentionMode: r.Mode, RetentionPeriod: r.Period}
	if err := l.Save(ctx, *e); err != nil {
		e.PassphraseChange = nil
		return err
	}

	l.session.Set(ctx, pendingAccount(e.ID), newPassphrase) //nolint:errcheck // memory never fails

	if !e.RememberPassphrase {
		return nil
	}

	return l.keys.Set(ctx, pendingAccount(e.ID), newPassphrase)
}

// PendingPassphrase is the new passphrase of a change under way, from this
// session's memory or the keychain; ErrNeedPassphrase when neither has it.
func (l *Library) PendingPassphrase(ctx context.Context, e Entry) (string, error) {
	if p, err := l.session.Get(ctx, pendingAccount(e.ID)); err == nil && p != "" {
		return p, nil
	}

	if !e.RememberPassphrase {
		return "", ErrNeedPassphrase
	}

	p, err := l.keys.Get(ctx, pendingAccount(e.ID))
	if keychain.CodeOf(err) == keychain.CodeNotFound || (err == nil && p == "") {
		return "", ErrNeedPassphrase
	}

	return p, err
}

// FinishPassphraseChange records that a change finished (the repository
// opened with the new passphrase) or that it never started (the current
// passphrase did not open it): it stores secrets where the entry keeps
// them, then drops the record and the waiting passphrase. The error is the
// keychain's, when it could not take the new passphrase; the session copy
// is kept then, and the record too, so that the next start knows the new
// one is the one that opens.
func (l *Library) FinishPassphraseChange(ctx context.Context, e *Entry, secrets repo.Secrets) (SecretsHome, error) {
	home, err := l.StoreSecrets(ctx, *e, secrets)
	if err != nil && e.RememberPassphrase {
		return home, err
	}

	return home, l.DropPassphraseChange(ctx, e)
}

// DropPassphraseChange forgets a change: its record and its waiting
// passphrase.
func (l *Library) DropPassphraseChange(ctx context.Context, e *Entry) error {
	l.session.Delete(ctx, pendingAccount(e.ID)) //nolint:errcheck

	if err := l.keys.Delete(ctx, pendingAccount(e.ID)); err != nil && keychain.CodeOf(err) != keychain.CodeUnavailable {
		return err
	}

	e.PassphraseChange = nil

	return l.Save(ctx, *e)
}

// SameRepository lists the other saved entries for the repository with
// this unique ID: after a passphrase change, their stored passphrase is
// the old one.
func (l *Library) SameRepository(ctx context.Context, id, uniqueID string) ([]Entry, error) {
	all, err := l.List(ctx)
	if err != nil {
		return nil, err
	}

	var same []Entry

	for _, e := range all {
		if e.ID != id && uniqueID != "" && e.UniqueID == uniqueID {
			same = append(same, e)
		}
	}

	return same, nil
}
