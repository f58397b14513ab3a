package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// Code says why a settings file operation failed.
type Code int

// Settings-file failures a person can act on.
const (
	CodeIO Code = iota
	CodeBusy
	CodeDamaged
)

// Error is a platform failure; Error() is a sentence saying what to do.
type Error struct {
	Code  Code
	msg   string
	cause error
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.cause }

// Details is the technical cause, for a "Details" expander.
func (e *Error) Details() string {
	if e.cause == nil {
		return ""
	}

	return e.cause.Error()
}

// NewError makes a platform error with a sentence for people.
func NewError(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, cause: cause, msg: fmt.Sprintf(format, args...)}
}

// LockTimeout bounds how long a read or write waits for another instance
// of the app to finish its own: far longer than any save takes, so a wait
// only ends in a refusal when the other instance hangs.
const LockTimeout = 60 * time.Second

// LockedFile is a small file that several running instances of the app
// read and rewrite: every change holds an exclusive lock on a sidecar
// ".lock" file from read to atomic write, so two writers never lose each
// other's changes and a reader never sees half a file.
type LockedFile struct {
	Path string
}

func (f LockedFile) lock(ctx context.Context, exclusive bool) (*flock.Flock, error) {
	if err := MkdirPrivate(filepath.Dir(f.Path)); err != nil {
		return nil, NewError(CodeIO, err, "Could not create the settings folder %s. Check that you can write there.", filepath.Dir(f.Path))
	}

	l := flock.New(f.Path+".lock", flock.SetPermissions(FileMode))

	ctx, cancel := context.WithTimeout(ctx, LockTimeout)
	defer cancel()

	// A blocking lock queues in the kernel, so waiters take turns; polling
	// with TryLock could lose every round to a busy neighbour.
	got := make(chan error, 1)

	go func() {
		if exclusive {
			got <- l.Lock()
		} else {
			got <- l.RLock()
		}
	}()

	select {
	case err := <-got:
		if err != nil {
			return nil, NewError(CodeIO, err, "Could not lock %s. Check that you can write there.", f.Path)
		}

		return l, nil
	case <-ctx.Done():
		// Give the lock back if it comes after all.
		go func() {
			if <-got == nil {
				l.Unlock() //nolint:errcheck
			}
		}()

		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, NewError(CodeIO, ctx.Err(), "Saving the settings was cancelled.")
		}

		return nil, NewError(CodeBusy, ctx.Err(), "Another Corso Desktop window has held the settings file for a minute without finishing. Close the other windows, then try again.")
	}
}

// Read returns the file's content, or nil when it does not exist yet.
func (f LockedFile) Read(ctx context.Context) ([]byte, error) {
	l, err := f.lock(ctx, false)
	if err != nil {
		return nil, err
	}
	defer l.Unlock() //nolint:errcheck

	return f.read()
}

func (f LockedFile) read() ([]byte, error) {
	data, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}

	if err != nil {
		return nil, NewError(CodeIO, err, "Could not read %s. Check its permissions.", f.Path)
	}

	return data, nil
}

// Update reads the file under an exclusive lock, passes its content (nil
// when missing) to change, and atomically writes what change returns. When
// change fails nothing is written.
func (f LockedFile) Update(ctx context.Context, change func(current []byte) ([]byte, error)) error {
	l, err := f.lock(ctx, true)
	if err != nil {
		return err
	}
	defer l.Unlock() //nolint:errcheck

	current, err := f.read()
	if err != nil {
		return err
	}

	next, err := change(current)
	if err != nil {
		return err
	}

	if err := WriteFileAtomic(f.Path, next); err != nil {
		return NewError(CodeIO, err, "Could not save %s. Check free space and permissions.", f.Path)
	}

	return nil
}

// SetAside moves a damaged file out of the way, keeping it next to the
// original under a dated name, and returns where it went. The caller then
// starts from an empty file; nothing is deleted.
func (f LockedFile) SetAside(ctx context.Context) (string, error) {
	l, err := f.lock(ctx, true)
	if err != nil {
		return "", err
	}
	defer l.Unlock() //nolint:errcheck

	backup := fmt.Sprintf("%s.damaged-%s", f.Path, time.Now().Format("20060102-150405"))
	for i := 2; ; i++ {
		if _, err := os.Lstat(backup); errors.Is(err, os.ErrNotExist) {
			break
		}

		backup = fmt.Sprintf("%s.damaged-%s-%d", f.Path, time.Now().Format("20060102-150405"), i)
	}

	if err := os.Rename(f.Path, backup); err != nil {
		return "", NewError(CodeIO, err, "Could not move the damaged file %s aside. Move or delete it yourself, then restart the app.", f.Path)
	}

	return backup, nil
}
