package repo

import (
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
	// Versioning is what the write probe showed of the bucket keeping
	// versions (write checks of S3 only).
	Versioning Versioning
	// Checked is when the check ran, Mode how much it proved, and Of the
	// settings it was about (SettingsKey), so that an operation moments
	// later can tell whether this check is about its location.
	Checked time.Time
	Mode    CheckMode
	Of      string
	// Err is the first problem that blocks using the location, or nil.
	Err error
}

// OK reports whether nothing blocks using the location.
func (r *Report) OK() bool { return r.Err == nil }

func (r *Report) Add(name string, st Status, msg string) {
	r.Lines = append(r.Lines, CheckLine{Name: name, Status: st, Message: msg})
}

func (r *Report) Fail(name string, err error) {
	r.Add(name, StatusFailed, err.Error())

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
