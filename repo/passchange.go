package repo

import "time"

// Retention is a repository's blob retention (S3 object lock), as kopia
// keeps it in kopia.blobcfg: a mode ("" for none, "GOVERNANCE" or
// "COMPLIANCE") and how long each blob is locked after it is written.
type Retention struct {
	Mode   string
	Period time.Duration
}

// Enabled says whether blobs are locked when written.
func (r Retention) Enabled() bool { return r.Mode != "" && r.Period > 0 }

// PassphraseChange asks for a connected repository's passphrase to be
// changed; the current passphrase is in the operation's Secrets.
type PassphraseChange struct {
	New string
	// Retention is the repository's retention as read when the change
	// began (Info.Retention). The change removes kopia.blobcfg before it
	// rewrites kopia.repository, so that every moment leaves a repository
	// that opens with one of the two passphrases; a change resumed after
	// an interruption there writes this back.
	Retention Retention
}

// PassphraseOutcome says which passphrase a repository opens with after a
// change, finished or not.
type PassphraseOutcome int

// The passphrases a repository can be left opening with.
const (
	OpensWithCurrent PassphraseOutcome = iota
	OpensWithNew
)
