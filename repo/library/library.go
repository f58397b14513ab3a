// Package library is the list of repositories the app remembers: their
// settings in one locked, atomically written file under the user's config
// folder, their secrets in the OS keychain (or, when none is usable or the
// user said not to remember, in memory for this session only), and their
// kopia connection state and cache in the app's own folders.
//
// It never runs a repository operation itself (Forget is handed the
// engine), so it must never import kopia, the AWS SDK, the engines, or
// Fyne.
package library

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/repo"
)

// SchemaVersion is the settings file's format; a file without it, or with
// a newer one, is set aside rather than misread.
const SchemaVersion = 1

// State is what the app last knew about a saved repository.
type State string

// Last known states.
const (
	StateConnected    State = "connected"
	StateDisconnected State = "disconnected"
	StateProblem      State = "problem"
)

// Entry is one saved repository. It holds no secret.
type Entry struct {
	ID           string             `json:"id"`
	Name         string             `json:"name"`
	Kind         repo.Kind          `json:"kind"`
	Filesystem   *repo.Filesystem   `json:"filesystem,omitempty"`
	S3           *repo.S3           `json:"s3,omitempty"`
	S3Compatible *repo.S3Compatible `json:"s3Compatible,omitempty"`
	// RememberPassphrase keeps the passphrase (and typed S3 secrets) in the
	// keychain; off, they live in memory until the app quits.
	RememberPassphrase bool `json:"rememberPassphrase"`

	// What the app last learned; shown in the list without opening anything.
	State       State     `json:"state,omitempty"`
	StateDetail string    `json:"stateDetail,omitempty"`
	UniqueID    string    `json:"uniqueID,omitempty"`
	LastChecked time.Time `json:"lastChecked,omitzero"`
	// LastOpened is when the app last opened it (created, connected or
	// reopened), for sorting the list.
	LastOpened time.Time `json:"lastOpened,omitzero"`

	// The Corso CLI's view of this repository: the repo_id it was given
	// (by an export, or the .corso.toml it was imported from) and that
	// config file, so that exporting again keeps the ID and the copied
	// command points at the file.
	CorsoRepoID     string `json:"corsoRepoID,omitempty"`
	CorsoConfigFile string `json:"corsoConfigFile,omitempty"`

	// MaintenanceUser and MaintenanceHost are who this app runs maintenance
	// as (kopia's user@host; corso_user and corso_host of an imported
	// .corso.toml); empty means kopia's defaults, which the Corso CLI
	// uses on this computer too.
	MaintenanceUser string `json:"maintenanceUser,omitempty"`
	MaintenanceHost string `json:"maintenanceHost,omitempty"`

	// PassphraseChange is a passphrase change not yet seen to finish.
	PassphraseChange *PendingPassphraseChange `json:"passphraseChange,omitempty"`

	// Care is how the app looks after it while nobody looks; nil is the
	// default (CareOf).
	Care *Care `json:"care,omitempty"`
}

// NewEntry makes an entry for settings, with a fresh ID.
func NewEntry(name string, s repo.Settings) Entry {
	e := Entry{ID: newID(), Name: name, RememberPassphrase: true}
	e.SetSettings(s)

	return e
}

// SetSettings replaces the entry's location.
func (e *Entry) SetSettings(s repo.Settings) {
	e.Filesystem, e.S3, e.S3Compatible = nil, nil, nil
	e.Kind = s.Kind()

	switch v := s.(type) {
	case repo.Filesystem:
		e.Filesystem = &v
	case repo.S3:
		e.S3 = &v
	case repo.S3Compatible:
		e.S3Compatible = &v
	}
}

// Settings is the entry's location.
func (e Entry) Settings() repo.Settings {
	switch {
	case e.Filesystem != nil:
		return *e.Filesystem
	case e.S3 != nil:
		return *e.S3
	case e.S3Compatible != nil:
		return *e.S3Compatible
	}

	return nil
}

// Credentials is the entry's S3 credential source, if it is on S3.
func (e Entry) Credentials() (repo.Credentials, bool) {
	switch {
	case e.S3 != nil:
		return e.S3.Credentials, true
	case e.S3Compatible != nil:
		return e.S3Compatible.Credentials, true
	}

	return repo.Credentials{}, false
}

func (e Entry) valid() bool {
	return e.ID != "" && e.Settings() != nil && e.Settings().Kind() == e.Kind
}

func newID() string {
	b := make([]byte, 8)
	rand.Read(b) //nolint:errcheck // never fails on supported platforms

	return hex.EncodeToString(b)
}

type settingsFile struct {
	Schema       int     `json:"schema"`
	Repositories []Entry `json:"repositories"`
}

// Library is the saved repositories of one user.
type Library struct {
	dirs    platform.Dirs
	file    platform.LockedFile
	keys    keychain.Keychain
	session *keychain.Memory
}

// Open reads the saved repositories. A damaged settings file is moved aside
// and the library starts empty: Open then returns a usable Library and a
// *platform.Error with CodeDamaged saying where the old file went.
func Open(ctx context.Context, dirs platform.Dirs, keys keychain.Keychain) (*Library, error) {
	l := &Library{
		dirs:    dirs,
		file:    platform.LockedFile{Path: dirs.SettingsFile()},
		keys:    keys,
		session: keychain.NewMemory(),
	}

	data, err := l.file.Read(ctx)
	if err != nil {
		return l, err
	}

	if _, err := parse(data); err != nil {
		backup, aerr := l.file.SetAside(ctx)
		if aerr != nil {
			return l, aerr
		}

		return l, platform.NewError(platform.CodeDamaged, err,
			"Your list of saved repositories could not be read (%s). It was kept as %s and the app starts with an empty list; "+
				"the repositories themselves are untouched, so add them again to reconnect.", err.Error(), backup)
	}

	return l, nil
}

// parse reads a settings file; nil or empty data is an empty list.
func parse(data []byte) (settingsFile, error) {
	var f settingsFile
	if len(data) == 0 {
		return settingsFile{Schema: SchemaVersion}, nil
	}

	if err := json.Unmarshal(data, &f); err != nil {
		return f, errors.New("it is not valid JSON")
	}

	switch {
	case f.Schema > SchemaVersion:
		return f, fmt.Errorf("it was written by a newer version of Corso Desktop (format %d)", f.Schema)
	case f.Schema < 1:
		return f, errors.New("it has no format version")
	}

	for _, e := range f.Repositories {
		if !e.valid() {
			return f, errors.New("a repository in it has no location")
		}
	}

	return f, nil
}

// List returns the saved repositories, freshly read so that changes made
// by another running instance show up.
func (l *Library) List(ctx context.Context) ([]Entry, error) {
	data, err := l.file.Read(ctx)
	if err != nil {
		return nil, err
	}

	f, err := parse(data)
	if err != nil {
		return nil, platform.NewError(platform.CodeDamaged, err, "Your list of saved repositories could not be read (%s). Restart the app to set the file aside.", err.Error())
	}

	return f.Repositories, nil
}

// Get returns the saved repository with id.
func (l *Library) Get(ctx context.Context, id string) (Entry, bool, error) {
	entries, err := l.List(ctx)
	for _, e := range entries {
		if e.ID == id {
			return e, true, err
		}
	}

	return Entry{}, false, err
}

// update changes the file under its lock, merging with whatever another
// instance wrote since this one last read it.
func (l *Library) update(ctx context.Context, change func(*settingsFile) error) error {
	return l.file.Update(ctx, func(current []byte) ([]byte, error) {
		f, err := parse(current)
		if err != nil {
			return nil, platform.NewError(platform.CodeDamaged, err, "Your list of saved repositories could not be read (%s), so nothing was saved. Restart the app to set the file aside.", err.Error())
		}

		if err := change(&f); err != nil {
			return nil, err
		}

		f.Schema = SchemaVersion

		return json.MarshalIndent(f, "", "  ")
	})
}

// Save adds e, or replaces the saved repository with the same ID. A saved
// repository's care is kept as it is on disk: only UpdateCare changes it,
// so an entry read before a scheduled run never writes over its record.
func (l *Library) Save(ctx context.Context, e Entry) error {
	if !e.valid() {
		return errors.New("library: entry without ID or location")
	}

	return l.update(ctx, func(f *settingsFile) error {
		for i := range f.Repositories {
			if f.Repositories[i].ID == e.ID {
				e.Care = f.Repositories[i].Care
				f.Repositories[i] = e
				return nil
			}
		}

		f.Repositories = append(f.Repositories, e)

		return nil
	})
}

// Local is where kopia keeps this repository's connection state and cache.
func (l *Library) Local(id string) repo.Local {
	return repo.Local{ConfigFile: l.dirs.ConnectionFile(id), CacheDir: l.dirs.CacheDir(id)}
}

// Connected says whether kopia's connection state for id exists.
func (l *Library) Connected(id string) bool {
	_, err := os.Stat(l.dirs.ConnectionFile(id))
	return err == nil
}

// Forget disconnects the repository (through eng), deletes its secrets from the keychain
// and from memory, and removes it from the list. The repository's data is
// not touched. A keychain that cannot be reached is reported after the
// rest is done, so the user knows to remove the entries by hand.
func (l *Library) Forget(ctx context.Context, eng repo.Engine, id string) error {
	if err := eng.Disconnect(ctx, l.Local(id)); err != nil {
		return err
	}

	if err := l.update(ctx, func(f *settingsFile) error {
		kept := f.Repositories[:0]
		for _, e := range f.Repositories {
			if e.ID != id {
				kept = append(kept, e)
			}
		}

		f.Repositories = kept

		return nil
	}); err != nil {
		return err
	}

	return l.deleteSecrets(ctx, id)
}
