package repo

import (
	"strings"
	"time"
)

// State is what a location holds.
type State int

// Location states found by Check.
const (
	StateUnknown State = iota
	// StateEmpty: nothing there; a repository can be created.
	StateEmpty
	// StateRepository: a complete kopia repository; connect to it.
	StateRepository
	// StateHalfMade: a repository whose creation was interrupted.
	StateHalfMade
	// StateNotEmpty: other data; creating a repository here is refused.
	StateNotEmpty
)

func (s State) String() string {
	return [...]string{"unknown", "empty", "repository", "half-made", "not empty"}[s]
}

// Status is the outcome of one check line.
type Status int

// Check line outcomes.
const (
	StatusOK Status = iota
	StatusWarning
	StatusFailed
	StatusSkipped
)

// CheckLine is one result line of a check, for the UI's list.
type CheckLine struct {
	Name    string
	Status  Status
	Message string
}

// HalfMadeStage says how far an interrupted initialization got.
type HalfMadeStage int

// Stages of an interrupted initialization.
const (
	// HalfMadeNone: the location is not half-made.
	HalfMadeNone HalfMadeStage = iota
	// HalfMadeBeforeFormat: kopia.blobcfg was written, kopia.repository was not.
	HalfMadeBeforeFormat
	// HalfMadeBeforeSettings: the format is there, Corso's settings are not.
	HalfMadeBeforeSettings
)

// Report is the result of Check: one line per check and what was found.
type Report struct {
	Lines []CheckLine
	State State
	// HalfMade says how far an interrupted creation got, for StateHalfMade.
	HalfMade HalfMadeStage
	// CredentialsFrom says where S3 keys came from.
	CredentialsFrom string
	// Region is the bucket's region.
	Region string
	// PolicyJSON is the minimal IAM policy, filled in when an action was denied.
	PolicyJSON string
	// Created is when a repository's format was first written, if seen.
	Created time.Time
	// Requests counts the S3 requests the check made.
	Requests int
	// Err is the first problem that blocks using the location, or nil.
	Err error
}

// OK reports whether nothing blocks using the location.
func (r *Report) OK() bool { return r.Err == nil }

func (r *Report) add(name string, st Status, msg string) {
	r.Lines = append(r.Lines, CheckLine{Name: name, Status: st, Message: msg})
}

func (r *Report) fail(name string, err error) {
	r.add(name, StatusFailed, err.Error())

	if r.Err == nil {
		r.Err = err
	}
}

// CheckMode chooses how much Check proves.
type CheckMode int

// Check modes.
const (
	// CheckRead proves the location can be read: enough to connect.
	CheckRead CheckMode = iota
	// CheckWrite also proves objects can be written, read back and deleted.
	CheckWrite
)

// Names of the files kopia writes first; their presence tells a repository
// from an interrupted creation.
const (
	formatBlobName  = "kopia.repository"
	blobCfgBlobName = "kopia.blobcfg"
	// filesystem storage appends this to every blob name.
	fsBlobSuffix = ".f"
	// kopia's sharded storage keeps its layout here; not a blob.
	fsShardsFile = ".shards"
)

// classifyNames decides a location's state from the top-level names in it
// (blob IDs, without prefix or suffix).
func classifyNames(names []string) (State, HalfMadeStage) {
	if len(names) == 0 {
		return StateEmpty, HalfMadeNone
	}

	var hasFormat, hasBlobCfg, hasOther, hasData bool

	for _, n := range names {
		switch {
		case n == formatBlobName:
			hasFormat = true
		case n == blobCfgBlobName:
			hasBlobCfg = true
		case strings.HasPrefix(n, "kopia."), n == fsShardsFile:
			// other kopia bookkeeping: not user data, not repository content.
		case isKopiaDataBlob(n):
			hasData = true
		default:
			hasOther = true
		}
	}

	switch {
	case hasFormat && (hasData || hasOther):
		return StateRepository, HalfMadeNone
	case hasFormat:
		return StateHalfMade, HalfMadeBeforeSettings
	case hasOther || hasData:
		return StateNotEmpty, HalfMadeNone
	case hasBlobCfg:
		return StateHalfMade, HalfMadeBeforeFormat
	}

	// only kopia bookkeeping such as .shards: treat as empty.
	return StateEmpty, HalfMadeNone
}

// isKopiaDataBlob recognises kopia's content, index and log blobs.
func isKopiaDataBlob(n string) bool {
	if n == "" || strings.ContainsAny(n, "/.") {
		return false
	}

	switch n[0] {
	case 'p', 'q', 'x', 'n', 's', 'l', '_':
		return true
	}

	return false
}

func describeState(st State, stage HalfMadeStage) string {
	switch st {
	case StateEmpty:
		return "The location is empty: a repository can be created here."
	case StateRepository:
		return "A repository is here: connect to it."
	case StateHalfMade:
		if stage == HalfMadeBeforeFormat {
			return "A repository creation was interrupted before its format was written. Finish creating it, or clear it."
		}

		return "A repository was created here but its creation was interrupted before Corso's settings were applied. Finish it (with its passphrase), or clear it."
	case StateNotEmpty:
		return "The location holds other data, so no repository will be created here. Choose an empty folder or prefix."
	}

	return ""
}
