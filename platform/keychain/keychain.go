// Package keychain keeps secrets in the OS keychain (Keychain on macOS,
// Credential Manager on Windows, the Secret Service on Linux) through
// go-keyring, with a timeout on every call and typed errors, and an
// in-memory store for when no keychain is usable. It never writes a file,
// and must never import repo, ui or Fyne.
package keychain

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the one service name every entry of the app is stored under.
const Service = "io.github.corsodesktop.CorsoDesktop"

// MaxSecretBytes is the smallest limit among the platforms (Windows'
// Credential Manager); enforcing it everywhere keeps behaviour the same on
// every OS.
const MaxSecretBytes = 2560

// DefaultTimeout leaves a person time to answer an unlock prompt but never
// lets a hung keychain hold an operation forever.
const DefaultTimeout = 30 * time.Second

// Keychain stores secrets by account name.
type Keychain interface {
	Set(ctx context.Context, account, secret string) error
	// Get returns an *Error with CodeNotFound when there is no such entry.
	Get(ctx context.Context, account string) (string, error)
	// Delete succeeds when the entry is already gone.
	Delete(ctx context.Context, account string) error
	// Persistent says whether entries outlive the process.
	Persistent() bool
	// Name is what the store is called in a sentence about where a
	// secret is kept.
	Name() string
}

// Code says why a keychain call failed.
type Code int

// Keychain failures a person can act on.
const (
	CodeFailed Code = iota
	CodeNotFound
	CodeTimeout
	CodeLocked
	CodeUnavailable
	CodeTooLarge
	CodeCanceled
)

// Error is a keychain failure; Error() is a sentence saying what to do.
type Error struct {
	Code  Code
	msg   string
	cause error
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.cause }

// Details is the technical cause, for a "Details" expander. The keychain
// never puts a secret value in its errors, and neither does this package.
func (e *Error) Details() string {
	if e.cause == nil {
		return ""
	}

	return e.cause.Error()
}

// CodeOf returns err's Code, or CodeFailed when err is not a keychain error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}

	return CodeFailed
}

// Unusable says whether err means the keychain cannot be used right now, as
// opposed to the entry simply not being there.
func Unusable(err error) bool {
	switch CodeOf(err) {
	case CodeTimeout, CodeLocked, CodeUnavailable, CodeFailed:
		return err != nil
	}

	return false
}

func newError(code Code, cause error) *Error {
	var msg string

	switch code {
	case CodeNotFound:
		msg = "The keychain holds no saved secret for this repository. Enter the passphrase to continue."
	case CodeTimeout:
		msg = "The keychain did not answer in time. If it asked to be unlocked, unlock it and try again; otherwise enter the passphrase for this session."
	case CodeLocked:
		msg = "The keychain is locked and was not unlocked. Unlock it (your login password usually does) and try again, or enter the passphrase for this session."
	case CodeUnavailable:
		msg = "No keychain is available on this system" + unavailableHint() + ". Secrets will be kept in memory for this session only and asked for again next time."
	case CodeTooLarge:
		msg = fmt.Sprintf("This secret is too long for the keychain (at most %d bytes). Use a shorter passphrase or key.", MaxSecretBytes)
	case CodeCanceled:
		msg = "The keychain request was cancelled."
	default:
		msg = "The keychain refused the request. Try again, or enter the passphrase for this session."
	}

	return &Error{Code: code, msg: msg, cause: cause}
}

// System is the OS keychain.
type System struct {
	// Service defaults to the package's Service.
	Service string
	// Timeout defaults to DefaultTimeout.
	Timeout time.Duration
}

// Persistent is true: the OS keeps the entries.
func (System) Persistent() bool { return true }

// Name is the OS keychain's name on this system.
func (System) Name() string { return StoreName(runtime.GOOS) }

func (s System) service() string {
	if s.Service == "" {
		return Service
	}

	return s.Service
}

// call runs fn off the caller's goroutine so that neither a timeout nor a
// cancellation waits for a keychain that never answers; such a call is
// abandoned and finishes (or not) on its own.
func (s System) call(ctx context.Context, fn func() error) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}

	done := make(chan error, 1)

	go func() { done <- fn() }()

	timer := time.NewTimer(timeout)
	defer timer.Stop()

	select {
	case err := <-done:
		return classify(err)
	case <-timer.C:
		return newError(CodeTimeout, fmt.Errorf("no answer from the keychain after %s", timeout))
	case <-ctx.Done():
		return newError(CodeCanceled, ctx.Err())
	}
}

// Set stores secret under account, replacing any earlier value.
func (s System) Set(ctx context.Context, account, secret string) error {
	if len(secret) > MaxSecretBytes {
		return newError(CodeTooLarge, fmt.Errorf("%d bytes", len(secret)))
	}

	return s.call(ctx, func() error { return keyring.Set(s.service(), account, secret) })
}

// Get reads the secret stored under account.
func (s System) Get(ctx context.Context, account string) (string, error) {
	var value string

	err := s.call(ctx, func() error {
		v, err := keyring.Get(s.service(), account)
		value = v

		return err
	})
	if err != nil {
		return "", err
	}

	return value, nil
}

// Delete removes the entry for account.
func (s System) Delete(ctx context.Context, account string) error {
	err := s.call(ctx, func() error { return keyring.Delete(s.service(), account) })
	if CodeOf(err) == CodeNotFound {
		return nil
	}

	return err
}

// classify maps what go-keyring and the platforms under it return. The
// Secret Service speaks D-Bus, so its failures arrive as D-Bus error names.
func classify(err error) error {
	if err == nil {
		return nil
	}

	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return newError(CodeNotFound, err)
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return newError(CodeTooLarge, err)
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return newError(CodeUnavailable, err)
	}

	if code, ok := classifyPlatform(err); ok {
		return newError(code, err)
	}

	msg := err.Error()

	switch {
	case strings.Contains(msg, "failed to unlock"),
		strings.Contains(msg, "org.freedesktop.Secret.Error.IsLocked"),
		strings.Contains(msg, "Cannot create an item in a locked collection"):
		return newError(CodeLocked, err)
	case strings.Contains(msg, "org.freedesktop.DBus.Error.ServiceUnknown"),
		strings.Contains(msg, "org.freedesktop.DBus.Error.NameHasNoOwner"),
		strings.Contains(msg, "org.freedesktop.DBus.Error.Spawn"),
		strings.Contains(msg, "org.freedesktop.DBus.Error.NoReply"),
		strings.Contains(msg, "DBUS_SESSION_BUS_ADDRESS"),
		strings.Contains(msg, "dbus: "),
		strings.Contains(msg, "connection refused"),
		strings.Contains(msg, "no such file or directory"):
		return newError(CodeUnavailable, err)
	}

	return newError(CodeFailed, err)
}

// Memory keeps secrets for the life of the process only: the fallback
// when no keychain is usable, and what "remember" off means.
type Memory struct {
	mu      sync.Mutex
	secrets map[string]string
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{secrets: map[string]string{}} }

// Persistent is false: nothing outlives the process.
func (*Memory) Persistent() bool { return false }

// Name says that nothing is kept beyond this process.
func (*Memory) Name() string { return "memory only (no OS keychain is used)" }

// Set stores secret under account.
func (m *Memory) Set(_ context.Context, account, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()

	m.secrets[account] = secret

	return nil
}

// Get reads the secret stored under account.
func (m *Memory) Get(_ context.Context, account string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()

	v, ok := m.secrets[account]
	if !ok {
		return "", newError(CodeNotFound, nil)
	}

	return v, nil
}

// Delete removes the entry for account.
func (m *Memory) Delete(_ context.Context, account string) error {
	m.mu.Lock()
	defer m.mu.Unlock()

	delete(m.secrets, account)

	return nil
}
