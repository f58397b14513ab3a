package repo

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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

// Check looks at a location without changing it (the write probe, when
// asked for, is removed again) and says what is there and what is wrong.
// The returned error is for invalid settings or cancellation; problems with
// the location itself are in Report.Err and the lines.
func Check(ctx context.Context, s Settings, secrets S3Secrets, mode CheckMode) (*Report, error) {
	n, err := Normalize(s)
	if err != nil {
		return nil, err
	}

	var rep *Report
	if f, ok := n.(Filesystem); ok {
		rep = checkFilesystem(f, mode)
	} else {
		loc, _ := asS3(n)
		rep = checkS3(ctx, loc, secrets, mode)
	}

	if ctx.Err() != nil {
		return rep, canceledError(ctx.Err())
	}

	return rep, nil
}

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

func stateError(st State, stage HalfMadeStage, location string) error {
	switch st {
	case StateRepository:
		return alreadyRepository(location)
	case StateNotEmpty:
		return newError(CodeNotEmpty, nil, "%s is not empty, and a repository is only created in an empty location so nothing there is changed. Choose an empty folder or a new prefix.", location)
	case StateHalfMade:
		return newError(CodeHalfMade, nil, "%s holds a repository whose creation was interrupted. %s", location, describeState(st, stage)[len("A repository "):])
	}

	return nil
}

func checkFilesystem(f Filesystem, mode CheckMode) *Report {
	rep := &Report{}

	entries, err := os.ReadDir(f.Path)

	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Creating it must be possible: find the nearest existing parent.
		parent := existingParent(f.Path)
		if parent == "" {
			rep.fail("Folder", newError(CodeInvalidField, err, "No part of %s exists. Choose a path on a disk that is mounted.", f.Path))
			return rep
		}

		if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
			rep.fail("Folder", classifyFS(&fs.PathError{Op: "mkdir", Path: parent, Err: errNotDir}, f.Path))
			return rep
		}

		if mode == CheckWrite {
			if err := probeWritable(parent); err != nil {
				rep.fail("Folder", classifyFS(err, parent))
				return rep
			}
		}

		rep.add("Folder", StatusOK, f.Path+" does not exist yet; it will be created with private permissions (0700).")
		rep.State = StateEmpty
	case err != nil:
		rep.fail("Folder", classifyFS(err, f.Path))
		return rep
	default:
		if mode == CheckWrite {
			if err := probeWritable(f.Path); err != nil {
				rep.fail("Folder", classifyFS(err, f.Path))
				return rep
			}
		}

		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, strings.TrimSuffix(e.Name(), fsBlobSuffix))

			if e.Name() == blobCfgBlobName+fsBlobSuffix {
				if fi, err := e.Info(); err == nil {
					rep.Created = fi.ModTime()
				}
			}
		}

		rep.State, rep.HalfMade = classifyNames(names)
		rep.add("Folder", StatusOK, f.Path+" exists and can be used.")
	}

	st := StatusOK
	if rep.State == StateNotEmpty || rep.State == StateHalfMade {
		st = StatusWarning
	}

	rep.add("Contents", st, describeState(rep.State, rep.HalfMade))

	return rep
}

var errNotDir = errors.New("not a directory")

func existingParent(p string) string {
	for {
		parent := filepath.Dir(p)
		if parent == p {
			return ""
		}

		if _, err := os.Stat(parent); err == nil {
			return parent
		}

		p = parent
	}
}

// probeWritable proves the folder accepts new files by making and removing one.
func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".corso-desktop-probe-*")
	if err != nil {
		return err
	}

	name := f.Name()
	f.Close() //nolint:errcheck

	return os.Remove(name)
}
