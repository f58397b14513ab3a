package repo

import (
	"regexp"
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
	// ConditionalWrites: the store refused to replace an object written
	// with If-None-Match, so a create can never replace a repository.
	ConditionalWrites bool
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
	// probePrefix and lockName are this app's own short-lived objects.
	probePrefix = ".corso-desktop-probe-"
	lockName    = ".corso-desktop-lock"
)

// blobKind is what a name under a location is to kopia.
type blobKind int

const (
	// blobForeign is anything kopia would never write: the user's data.
	blobForeign blobKind = iota
	blobFormat
	blobCfg
	// blobBookkeeping: kopia's (and this app's) own files that hold no
	// repository content.
	blobBookkeeping
	// blobIndex: index and epoch blobs, written when content is committed.
	blobIndex
	// blobContent: packs, session markers, logs.
	blobContent
)

var (
	// kopia's blob IDs: a one-letter prefix and a hash, optionally followed
	// by the session and a shard count (content/content_manager.go,
	// blobcrypto, sessions.go), or the epoch manager's names
	// (internal/epoch), or the repository log's (internal/repodiag).
	hashedBlobID  = regexp.MustCompile(`^[pqsnml][0-9a-f]{16,}(-s[0-9a-f]{16,})?(-c[0-9]+)?$`)
	epochIndexID  = regexp.MustCompile(`^x(n[0-9]+_|s[0-9]+_|r[0-9]+_[0-9]+_)[0-9a-f]{16,}(-s[0-9a-f]{16,})?(-c[0-9]+)?$`)
	epochMarkerID = regexp.MustCompile(`^x[ew][0-9]+$`)
	logBlobID     = regexp.MustCompile(`^_log_[0-9]{14}_[0-9a-f]+_[0-9]+_[0-9]+_[0-9]+_[0-9a-f]*(-s[0-9a-f]{16,})?(-c[0-9]+)?$`)
	// kopia's filesystem storage writes a blob to "<name>.tmp.<hex>" and
	// renames it; a crash can leave one behind.
	fsTempSuffix = regexp.MustCompile(`\.f\.tmp\.[0-9a-f]+$`)
)

// kopiaBlobKind classifies one blob ID by kopia's exact names and ID
// shapes: kopia.notes, kopia.old or kopia.blobcfg.bak are the user's.
func kopiaBlobKind(id string) blobKind {
	switch {
	case id == formatBlobName:
		return blobFormat
	case id == blobCfgBlobName:
		return blobCfg
	case id == "kopia.maintenance", id == ".storageconfig", id == lockName,
		strings.HasPrefix(id, "kopia.repository.backup.") && !strings.ContainsAny(id, "/"),
		strings.HasPrefix(id, probePrefix) && !strings.ContainsAny(id, "/"):
		return blobBookkeeping
	case epochIndexID.MatchString(id), epochMarkerID.MatchString(id):
		return blobIndex
	case hashedBlobID.MatchString(id), logBlobID.MatchString(id):
		return blobContent
	}

	return blobForeign
}

// classifyNames decides a location's state from the blob IDs in it (for a
// folder, kopia's names rebuilt from its shard paths; anything else under
// a folder is given as "name/"). A repository is complete once an index
// exists: kopia writes one when Corso's settings are committed, so a
// format without one is a creation interrupted before its settings.
func classifyNames(names []string) (State, HalfMadeStage) {
	var hasFormat, hasBlobCfg, hasForeign, hasIndex, hasContent bool

	for _, n := range names {
		switch kopiaBlobKind(n) {
		case blobFormat:
			hasFormat = true
		case blobCfg:
			hasBlobCfg = true
		case blobIndex:
			hasIndex = true
		case blobContent:
			hasContent = true
		case blobForeign:
			hasForeign = true
		}
	}

	switch {
	case hasFormat && hasIndex:
		return StateRepository, HalfMadeNone
	case hasFormat:
		return StateHalfMade, HalfMadeBeforeSettings
	case hasForeign:
		return StateNotEmpty, HalfMadeNone
	case hasBlobCfg || hasIndex || hasContent:
		// kopia's files without a format: a creation (or a clear) was
		// interrupted; nothing there can be decrypted without the format.
		return StateHalfMade, HalfMadeBeforeFormat
	}

	// nothing, or only bookkeeping: empty.
	return StateEmpty, HalfMadeNone
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
