package repo

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Code says which kind of problem an Error is; the UI picks icons and next
// steps by it, so codes are stable.
type Code int

// The problems a user can meet when creating or connecting a repository.
const (
	CodeUnknown Code = iota
	CodeInvalidField
	CodeWrongPassphrase
	CodeNoRepository
	CodeAlreadyRepository
	CodeNotEmpty
	CodeHalfMade
	CodeBucketMissing
	CodeAccessDenied
	CodeBadCredentials
	CodeNoCredentials
	CodeUnreachable
	CodeTLSUntrusted
	CodeTLSMismatch
	CodeRegionMismatch
	CodePrefixOverlap
	CodeCanceled
	CodeNotConnected
	CodeConfigFile
	CodeConfigExists
	// CodeEngine: the engine helper process is missing or failed.
	CodeEngine
	// CodeBusy: another Corso Desktop is changing the location right now.
	CodeBusy
	// CodeLostRace: another program created or changed the location between
	// the check and the write; nothing of theirs was replaced.
	CodeLostRace
	// CodeDiskFull: the disk (or the user's quota) is full.
	CodeDiskFull
	// CodeNotOwner: another identity owns the repository's maintenance;
	// Error.Location names it.
	CodeNotOwner
	// CodeNoObjectLock: an immutable repository was asked for in a bucket
	// without S3 Object Lock.
	CodeNoObjectLock
)

// Error is the only error type the repo package returns to callers. Error()
// is a complete sentence for a person: what happened and what to do next.
// Details() is for a "Details" expander; neither ever holds a secret.
type Error struct {
	Code Code
	// Field names the settings field at fault, for CodeInvalidField.
	Field string
	// Action is the S3 action that was refused, for CodeAccessDenied;
	// Actions all of them when a check found several.
	Action  string
	Actions []string
	// Regions holds the configured and the bucket's region, for CodeRegionMismatch.
	Regions [2]string
	// Location describes the storage the problem is about.
	Location string

	msg   string
	cause error
}

func (e *Error) Error() string { return e.msg }

// Unwrap exposes the cause so errors.Is(err, context.Canceled) keeps working.
func (e *Error) Unwrap() error { return e.cause }

// Details is the technical cause, for people who want to look deeper.
func (e *Error) Details() string {
	if e.cause == nil {
		return ""
	}

	return SanitizeDetail(e.cause.Error())
}

// Is lets errors.Is match on the code alone: errors.Is(err, &Error{Code: CodeNotEmpty}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.msg == "" && t.Code == e.Code
}

// CodeOf returns the code of err, CodeCanceled for a cancelled context, and
// CodeUnknown for anything else.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}

	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return CodeCanceled
	}

	return CodeUnknown
}

func NewError(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, cause: cause, msg: fmt.Sprintf(format, args...)}
}

func InvalidField(field, format string, args ...any) *Error {
	e := NewError(CodeInvalidField, nil, format, args...)
	e.Field = field

	return e
}

// FieldErrors collects every invalid field of one form so a UI can mark
// them all at once instead of one per submit.
type FieldErrors []*Error

func (fe FieldErrors) Error() string {
	parts := make([]string, 0, len(fe))
	for _, e := range fe {
		parts = append(parts, e.msg)
	}

	return strings.Join(parts, " ")
}

// For returns the message for one field, or "".
func (fe FieldErrors) For(field string) string {
	for _, e := range fe {
		if e.Field == field {
			return e.msg
		}
	}

	return ""
}

func (fe FieldErrors) OrNil() error {
	if len(fe) == 0 {
		return nil
	}

	return fe
}

// Field names used in FieldErrors and Error.Field.
const (
	FieldPath       = "path"
	FieldBucket     = "bucket"
	FieldPrefix     = "prefix"
	FieldRegion     = "region"
	FieldEndpoint   = "endpoint"
	FieldCAFile     = "caFile"
	FieldProfile    = "profile"
	FieldAccessKey  = "accessKeyID"
	FieldSecretKey  = "secretAccessKey"
	FieldPassphrase = "passphrase"
	// FieldNewPassphrase is the new passphrase of a passphrase change.
	FieldNewPassphrase = "newPassphrase"
)

func CanceledError(cause error) *Error {
	return NewError(CodeCanceled, cause, "The operation was cancelled. Nothing more was written; run Check to see the location's state.")
}

// SanitizeDetail keeps technical details short and free of S3 XML bodies.
func SanitizeDetail(s string) string {
	if i := strings.Index(s, "<?xml"); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " (server response omitted)"
	}

	const maxDetail = 600
	if len(s) > maxDetail {
		s = s[:maxDetail] + "…"
	}

	return s
}
