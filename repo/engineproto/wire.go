package engineproto

import (
	"context"
	"errors"
	"fmt"

	"github.com/corsodesktop/corso-desktop/repo"
)

// The shipped app runs the engine (kopia, the AWS SDK) in a helper process,
// cmd/corso-desktop-engine, so the window's process stays small: one
// operation per run, one JSON request on its stdin, progress and the result
// as JSON lines on its stdout, and stdin closing early cancels. These are
// the messages; they carry secrets only over that private pipe.

// Protocol is the wire format's version. It changes whenever a message
// changes meaning, so an app and an engine from different releases say so
// instead of misreading each other.
const Protocol = 8

type engineRequest struct {
	Protocol    int              `json:"protocol"`
	Op          string           `json:"op"`
	Settings    *settingsWire    `json:"settings,omitempty"`
	Secrets     repo.Secrets     `json:"secrets"`
	Local       repo.Local       `json:"local"`
	Mode        repo.CheckMode   `json:"mode,omitempty"`
	Credentials repo.Credentials `json:"credentials"`
	// Known are words an attacker is assumed to know, for opStrength.
	Known []string `json:"known,omitempty"`
	// Change is the new passphrase (and retention) for opChangePassphrase.
	Change *repo.PassphraseChange `json:"change,omitempty"`
	// Checked is the earlier check the app hands on (repo.WithCheck).
	Checked *reportWire `json:"checked,omitempty"`
	// Maintenance is the run asked for, for opMaintain.
	Maintenance *repo.MaintenanceRequest `json:"maintenance,omitempty"`
	// Remove asks opOldFormats to delete what it finds.
	Remove bool `json:"remove,omitempty"`
	// Verify is the verification asked for, for opVerify.
	Verify *repo.VerifyRequest `json:"verify,omitempty"`
	// Details names the backup for opDetails.
	Details *repo.DetailsRequest `json:"details,omitempty"`
	// Region is the bucket's region a check found, for opPrepare.
	Region string `json:"region,omitempty"`
}

// engineMessage is one line from the engine: a progress step, or the
// result (Done) with at most one of Info, Report, Text and Err.
type engineMessage struct {
	Progress repo.Step `json:"progress,omitempty"`
	// Count is how far the progress step has come, when it counts.
	Count      *repo.Count             `json:"count,omitempty"`
	Done       bool                    `json:"done,omitempty"`
	Info       *repo.Info              `json:"info,omitempty"`
	Report     *reportWire             `json:"report,omitempty"`
	Text       string                  `json:"text,omitempty"`
	Strength   *repo.Strength          `json:"strength,omitempty"`
	Contents   *repo.Contents          `json:"contents,omitempty"`
	Maintained *repo.MaintenanceResult `json:"maintained,omitempty"`
	OldFormats *repo.OldFormats        `json:"oldFormats,omitempty"`
	Verified   *repo.VerifyResult      `json:"verified,omitempty"`
	Details    *repo.BackupDetails     `json:"details,omitempty"`
	// DetailsPart is a part of Details sent ahead of the result.
	DetailsPart *repo.BackupDetails `json:"detailsPart,omitempty"`
	// ContentsAhead is what Contents read before its storage summary
	// (repo.WithContentsAhead), sent ahead of the result.
	ContentsAhead *repo.Contents `json:"contentsAhead,omitempty"`
	// StorageAhead is Contents' storage summary, done before its backups
	// (repo.WithStorageAhead), sent ahead of the result.
	StorageAhead *repo.StorageUse `json:"storageAhead,omitempty"`
	// Session says a details session is open and takes calls.
	Session bool       `json:"session,omitempty"`
	Err     *errorWire `json:"err,omitempty"`
}

// settingsWire holds exactly one kind of settings.
type settingsWire struct {
	Filesystem   *repo.Filesystem   `json:"filesystem,omitempty"`
	S3           *repo.S3           `json:"s3,omitempty"`
	S3Compatible *repo.S3Compatible `json:"s3Compatible,omitempty"`
}

func encodeSettings(s repo.Settings) *settingsWire {
	switch v := s.(type) {
	case repo.Filesystem:
		return &settingsWire{Filesystem: &v}
	case repo.S3:
		return &settingsWire{S3: &v}
	case repo.S3Compatible:
		return &settingsWire{S3Compatible: &v}
	}

	return nil
}

func (w *settingsWire) decode() (repo.Settings, error) {
	switch {
	case w == nil:
	case w.Filesystem != nil:
		return *w.Filesystem, nil
	case w.S3 != nil:
		return *w.S3, nil
	case w.S3Compatible != nil:
		return *w.S3Compatible, nil
	}

	return nil, engineError(errors.New("request without storage settings"))
}

// reportWire is a Report whose Err survives JSON.
type reportWire struct {
	repo.Report
	Err *errorWire `json:"Err,omitempty"`
}

func encodeReport(r *repo.Report) *reportWire {
	if r == nil {
		return nil
	}

	return &reportWire{Report: *r, Err: encodeError(r.Err)}
}

func (w *reportWire) decode() *repo.Report {
	if w == nil {
		return nil
	}

	r := w.Report
	r.Err = w.Err.decode()

	return &r
}

// errorWire is an *Error or FieldErrors with everything a caller reads.
type errorWire struct {
	Code     repo.Code    `json:"code"`
	Field    string       `json:"field,omitempty"`
	Action   string       `json:"action,omitempty"`
	Actions  []string     `json:"actions,omitempty"`
	Regions  [2]string    `json:"regions,omitzero"`
	Location string       `json:"location,omitempty"`
	Message  string       `json:"message"`
	Details  string       `json:"details,omitempty"`
	Fields   []*errorWire `json:"fields,omitempty"`
}

func encodeError(err error) *errorWire {
	if err == nil {
		return nil
	}

	var fe repo.FieldErrors
	if errors.As(err, &fe) {
		w := &errorWire{Code: repo.CodeInvalidField, Message: fe.Error()}
		for _, e := range fe {
			w.Fields = append(w.Fields, encodeError(e))
		}

		return w
	}

	var e *repo.Error
	if !errors.As(err, &e) {
		e = repo.NewError(repo.CodeOf(err), err, "%s", repo.SanitizeDetail(err.Error()))
	}

	return &errorWire{
		Code: e.Code, Field: e.Field, Action: e.Action, Actions: e.Actions, Regions: e.Regions,
		Location: e.Location, Message: e.Error(), Details: e.Details(),
	}
}

func (w *errorWire) decode() error {
	if w == nil {
		return nil
	}

	if w.Fields != nil {
		fe := make(repo.FieldErrors, 0, len(w.Fields))
		for _, f := range w.Fields {
			if e, ok := f.decode().(*repo.Error); ok {
				fe = append(fe, e)
			}
		}

		return fe
	}

	var cause error
	if w.Details != "" || w.Code == repo.CodeCanceled {
		cause = remoteCause{text: w.Details, canceled: w.Code == repo.CodeCanceled}
	}

	e := repo.NewError(w.Code, cause, "%s", w.Message)
	e.Field, e.Action, e.Actions, e.Regions, e.Location = w.Field, w.Action, w.Actions, w.Regions, w.Location

	return e
}

// remoteCause stands for the engine's cause: its text for Details, and
// context.Canceled underneath a cancellation so errors.Is still matches.
type remoteCause struct {
	text     string
	canceled bool
}

func (c remoteCause) Error() string { return c.text }

func (c remoteCause) Unwrap() error {
	if c.canceled {
		return context.Canceled
	}

	return nil
}

// engineMismatch is an engine from another release than the app.
func engineMismatch(got int) *repo.Error {
	return repo.NewError(repo.CodeEngine, fmt.Errorf("engine protocol %d, app protocol %d", Protocol, got), "Corso Desktop's engine is from a different version than the app, so it cannot do this. Reinstall Corso Desktop.")
}

// engineError is a problem with the engine process itself.
func engineError(cause error) *repo.Error {
	return repo.NewError(repo.CodeEngine, cause, "Corso Desktop's engine stopped unexpectedly, so the operation did not finish. Try again; if it keeps happening, reinstall Corso Desktop.")
}
