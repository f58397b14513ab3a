package library

import (
	"context"
	"errors"

	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/repo"
)

// Keychain account names, one set per saved repository so that two
// repositories never share an entry.
func passphraseAccount(id string) string { return id + "/passphrase" }
func secretKeyAccount(id string) string  { return id + "/s3-secret-access-key" }
func tokenAccount(id string) string      { return id + "/s3-session-token" }

func accounts(id string) []string {
	return []string{passphraseAccount(id), secretKeyAccount(id), tokenAccount(id)}
}

// SecretsHome says where a repository's secrets are kept.
type SecretsHome int

// Where secrets can live.
const (
	// InKeychain: in the OS keychain, asked for never again.
	InKeychain SecretsHome = iota
	// ForSession: in memory until the app quits, then asked for again.
	ForSession
)

func (h SecretsHome) String() string {
	if h == InKeychain {
		return "passphrase in the keychain"
	}

	return "asked each time the app starts"
}

// ErrNeedPassphrase says no stored passphrase was found; ask the user.
var ErrNeedPassphrase = errors.New("the passphrase is not stored; ask for it")

// StoreSecrets keeps e's secrets where e.RememberPassphrase says. When the
// keychain cannot take them they are kept for the session instead and the
// keychain's error is returned alongside, for the UI to show as a warning.
func (l *Library) StoreSecrets(ctx context.Context, e Entry, s repo.Secrets) (SecretsHome, error) {
	values := map[string]string{
		passphraseAccount(e.ID): s.Passphrase,
		secretKeyAccount(e.ID):  s.S3.SecretAccessKey,
		tokenAccount(e.ID):      s.S3.SessionToken,
	}

	l.keepForSession(ctx, e.ID, s)

	if !e.RememberPassphrase {
		// A stale keychain copy would outlive the user's choice; with no
		// keychain at all there is nothing to remove.
		if err := l.deleteKeychain(ctx, e.ID); keychain.CodeOf(err) != keychain.CodeUnavailable {
			return ForSession, err
		}

		return ForSession, nil
	}

	for _, account := range accounts(e.ID) {
		var err error
		if v := values[account]; v != "" {
			err = l.keys.Set(ctx, account, v)
		} else {
			err = l.keys.Delete(ctx, account)
		}

		if err != nil {
			return ForSession, err
		}
	}

	return InKeychain, nil
}

// Secrets returns e's stored secrets: from this session's memory first (no
// keychain prompt twice), then from the keychain. ErrNeedPassphrase means
// nothing is stored; a keychain error means it could not be asked.
func (l *Library) Secrets(ctx context.Context, e Entry) (repo.Secrets, error) {
	if s, ok := l.fromStore(ctx, l.session, e.ID); ok {
		return s, nil
	}

	if !e.RememberPassphrase {
		return repo.Secrets{}, ErrNeedPassphrase
	}

	p, err := l.keys.Get(ctx, passphraseAccount(e.ID))
	if keychain.CodeOf(err) == keychain.CodeNotFound {
		return repo.Secrets{}, ErrNeedPassphrase
	}

	if err != nil {
		return repo.Secrets{}, err
	}

	s := repo.Secrets{Passphrase: p}

	if c, ok := e.Credentials(); ok && c.Source == repo.CredentialsKeys {
		if s.S3.SecretAccessKey, err = optional(l.keys.Get(ctx, secretKeyAccount(e.ID))); err != nil {
			return repo.Secrets{}, err
		}

		if s.S3.SessionToken, err = optional(l.keys.Get(ctx, tokenAccount(e.ID))); err != nil {
			return repo.Secrets{}, err
		}
	}

	// Keep for the session so the keychain is asked once.
	l.keepForSession(ctx, e.ID, s)

	return s, nil
}

func (l *Library) keepForSession(ctx context.Context, id string, s repo.Secrets) {
	l.session.Set(ctx, passphraseAccount(id), s.Passphrase)        //nolint:errcheck // memory never fails
	l.session.Set(ctx, secretKeyAccount(id), s.S3.SecretAccessKey) //nolint:errcheck
	l.session.Set(ctx, tokenAccount(id), s.S3.SessionToken)        //nolint:errcheck
}

func optional(v string, err error) (string, error) {
	if keychain.CodeOf(err) == keychain.CodeNotFound {
		return "", nil
	}

	return v, err
}

func (l *Library) fromStore(ctx context.Context, kc keychain.Keychain, id string) (repo.Secrets, bool) {
	p, err := kc.Get(ctx, passphraseAccount(id))
	if err != nil || p == "" {
		return repo.Secrets{}, false
	}

	key, _ := kc.Get(ctx, secretKeyAccount(id))
	token, _ := kc.Get(ctx, tokenAccount(id))

	return repo.Secrets{Passphrase: p, S3: repo.S3Secrets{SecretAccessKey: key, SessionToken: token}}, true
}

// ForgetSessionSecrets drops the in-memory copy, so the next use asks the
// keychain (or the user) again.
func (l *Library) ForgetSessionSecrets(ctx context.Context, id string) {
	for _, a := range accounts(id) {
		l.session.Delete(ctx, a) //nolint:errcheck
	}
}

func (l *Library) deleteKeychain(ctx context.Context, id string) error {
	var first error

	for _, a := range accounts(id) {
		if err := l.keys.Delete(ctx, a); err != nil && first == nil {
			first = err
		}
	}

	return first
}

func (l *Library) deleteSecrets(ctx context.Context, id string) error {
	l.ForgetSessionSecrets(ctx, id)
	l.session.Delete(ctx, pendingAccount(id)) //nolint:errcheck

	err := l.deleteKeychain(ctx, id)
	if perr := l.keys.Delete(ctx, pendingAccount(id)); err == nil {
		err = perr
	}

	return err
}

// Where says where one secret of a saved repository is right now.
type Where int

// The places a secret can be.
const (
	// Nowhere: not stored; it is asked for when the repository is opened.
	Nowhere Where = iota
	// InSession: in this app's memory until it quits.
	InSession
	// InSystemKeychain: in the OS keychain.
	InSystemKeychain
)

// Located is where e's secrets are, found by looking, not by what the
// entry asks for. KeychainErr is why the keychain could not be asked.
type Located struct {
	Passphrase  Where
	SecretKey   Where
	KeychainErr error
}

// Locate looks where e's passphrase and typed S3 secret key are: the OS
// keychain (only when e remembers them: a stale copy is not used), this
// session's memory, or nowhere. It may ask the keychain, so call it off
// the UI goroutine.
func (l *Library) Locate(ctx context.Context, e Entry) Located {
	var loc Located

	where := func(account string) Where {
		if e.RememberPassphrase && loc.KeychainErr == nil {
			v, err := l.keys.Get(ctx, account)

			switch {
			case err == nil && v != "":
				return InSystemKeychain
			case err != nil && keychain.CodeOf(err) != keychain.CodeNotFound:
				loc.KeychainErr = err
			}
		}

		if v, err := l.session.Get(ctx, account); err == nil && v != "" {
			return InSession
		}

		return Nowhere
	}

	loc.Passphrase = where(passphraseAccount(e.ID))

	if c, ok := e.Credentials(); ok && c.Source == repo.CredentialsKeys {
		loc.SecretKey = where(secretKeyAccount(e.ID))
	}

	return loc
}

// KeychainPersistent says whether the keychain this library uses keeps
// secrets after the app quits (false for the in-memory fallback).
func (l *Library) KeychainPersistent() bool { return l.keys.Persistent() }

// KeychainName is what the keychain this library uses is called.
func (l *Library) KeychainName() string { return l.keys.Name() }
