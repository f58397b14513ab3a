package preflight

import (
	"regexp"
	"strings"

	"github.com/corsodesktop/corso-desktop/repo"
)

// Names of the files kopia writes first; their presence tells a repository
// from an interrupted creation.
const (
	FormatBlobName  = "kopia.repository"
	BlobCfgBlobName = "kopia.blobcfg"
	// filesystem storage appends this to every blob name.
	FSBlobSuffix = ".f"
	// kopia's sharded storage keeps its layout here; not a blob.
	FSShardsFile = ".shards"
	// ProbePrefix and LockName are this app's own short-lived objects.
	ProbePrefix = ".corso-desktop-probe-"
	LockName    = ".corso-desktop-lock"
)

// BlobKind is what a name under a location is to kopia.
type BlobKind int

const (
	// BlobForeign is anything kopia would never write: the user's data.
	BlobForeign BlobKind = iota
	BlobFormat
	BlobCfg
	// BlobBookkeeping: kopia's (and this app's) own files that hold no
	// repository content.
	BlobBookkeeping
	// BlobIndex: index and epoch blobs, written when content is committed.
	BlobIndex
	// BlobContent: packs, session markers, logs.
	BlobContent
)

var (
	// kopia's blob IDs: a one-letter prefix and a hash, optionally followed
	// by the session and a shard count (content/content_manager.go,
	// blobcrypto, sessions.go), or the epoch manager's names
	// (internal/epoch), or the repository log's (internal/repodiag).
	// (The pack and session names, [pqsnml] and a hash, are matched by
	// isHashedBlobID.)
	epochIndexID  = regexp.MustCompile(`^x(n[0-9]+_|s[0-9]+_|r[0-9]+_[0-9]+_)[0-9a-f]{16,}(-s[0-9a-f]{16,})?(-c[0-9]+)?$`)
	epochMarkerID = regexp.MustCompile(`^x[ew][0-9]+$`)
	logBlobID     = regexp.MustCompile(`^_log_[0-9]{14}_[0-9a-f]+_[0-9]+_[0-9]+_[0-9]+_[0-9a-f]*(-s[0-9a-f]{16,})?(-c[0-9]+)?$`)
	// kopia's filesystem storage writes a blob to "<name>.tmp.<hex>" and
	// renames it; a crash can leave one behind.
	fsTempSuffix = regexp.MustCompile(`\.f\.tmp\.[0-9a-f]+$`)
)

// KopiaBlobKind classifies one blob ID by kopia's exact names and ID
// shapes: kopia.notes, kopia.old or kopia.blobcfg.bak are the user's.
func KopiaBlobKind(id string) BlobKind {
	switch {
	case id == FormatBlobName:
		return BlobFormat
	case id == BlobCfgBlobName:
		return BlobCfg
	case id == "kopia.maintenance", id == ".storageconfig", id == LockName,
		strings.HasPrefix(id, "kopia.repository.backup.") && !strings.ContainsAny(id, "/"),
		strings.HasPrefix(id, ProbePrefix) && !strings.ContainsAny(id, "/"):
		return BlobBookkeeping
	case id == "":
	case id[0] == 'x':
		if epochIndexID.MatchString(id) || epochMarkerID.MatchString(id) {
			return BlobIndex
		}
	case isHashedBlobID(id), id[0] == '_' && logBlobID.MatchString(id):
		return BlobContent
	}

	return BlobForeign
}

// isHashedBlobID says whether id is `^[pqsnml][0-9a-f]{16,}(-s[0-9a-f]{16,})?(-c[0-9]+)?$`,
// without the expression: it is asked of every blob a storage summary
// lists (100,000 names were a tenth of a second of CPU through it).
// FuzzHashedBlobIDIsTheExpression holds the two to the same answers.
func isHashedBlobID(id string) bool {
	if len(id) < 17 || !strings.Contains("pqsnml", id[:1]) {
		return false
	}

	n := hexRun(id[1:])
	if n < 16 {
		return false
	}

	rest := id[1+n:]

	if strings.HasPrefix(rest, "-s") {
		if n := hexRun(rest[2:]); n >= 16 {
			rest = rest[2+n:]
		}
	}

	if strings.HasPrefix(rest, "-c") {
		n := 0
		for n < len(rest)-2 && rest[2+n] >= '0' && rest[2+n] <= '9' {
			n++
		}

		if n > 0 {
			rest = rest[2+n:]
		}
	}

	return rest == ""
}

// hexRun is how many of s's first bytes are lower-case hex digits.
func hexRun(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return i
		}
	}

	return len(s)
}

// classifyNames decides a location's state from the blob IDs in it (for a
// folder, kopia's names rebuilt from its shard paths; anything else under
// a folder is given as "name/"). A repository is complete once an index
// exists: kopia writes one when Corso's settings are committed, so a
// format without one is a creation interrupted before its settings.
func classifyNames(names []string) (repo.State, repo.HalfMadeStage) {
	var hasFormat, hasBlobCfg, hasForeign, hasIndex, hasContent bool

	for _, n := range names {
		switch KopiaBlobKind(n) {
		case BlobFormat:
			hasFormat = true
		case BlobCfg:
			hasBlobCfg = true
		case BlobIndex:
			hasIndex = true
		case BlobContent:
			hasContent = true
		case BlobForeign:
			hasForeign = true
		}
	}

	switch {
	case hasFormat && hasIndex:
		return repo.StateRepository, repo.HalfMadeNone
	case hasFormat:
		return repo.StateHalfMade, repo.HalfMadeBeforeSettings
	case hasForeign:
		return repo.StateNotEmpty, repo.HalfMadeNone
	case hasBlobCfg || hasIndex || hasContent:
		// kopia's files without a format: a creation (or a clear) was
		// interrupted; nothing there can be decrypted without the format.
		return repo.StateHalfMade, repo.HalfMadeBeforeFormat
	}

	// nothing, or only bookkeeping: empty.
	return repo.StateEmpty, repo.HalfMadeNone
}

func describeState(st repo.State, stage repo.HalfMadeStage) string {
	switch st {
	case repo.StateEmpty:
		return "The location is empty: a repository can be created here."
	case repo.StateRepository:
		return "A repository is here: connect to it."
	case repo.StateHalfMade:
		if stage == repo.HalfMadeBeforeFormat {
			return "A repository creation was interrupted before its format was written. Finish creating it, or clear it."
		}

		return "A repository was created here but its creation was interrupted before Corso's settings were applied. Finish it (with its passphrase), or clear it."
	case repo.StateNotEmpty:
		return "The location holds other data, so no repository will be created here. Choose an empty folder or prefix."
	}

	return ""
}
