package repo

import "time"

// S3Secrets is the secret half of typed-in S3 keys. It lives in memory and
// in the OS keychain only, and reaches the engine helper over its pipe.
type S3Secrets struct {
	SecretAccessKey string
	SessionToken    string
}

// Secrets is everything secret an operation may need.
type Secrets struct {
	Passphrase string
	S3         S3Secrets
}

// Local is where this app keeps one repository's connection state.
type Local struct {
	// ConfigFile is kopia's connection file (which never holds a secret here).
	ConfigFile string
	// CacheDir is where earlier versions kept kopia's cache; Disconnect and
	// a failed connect remove it.
	CacheDir string
}

// Info is what a user wants to know about a connected repository.
type Info struct {
	UniqueID         string
	FormatVersion    int
	KeyDerivation    string
	Encryption       string
	Hash             string
	Splitter         string
	ECC              string
	MaxPackSize      int
	MinEpochDuration time.Duration
	// Created is when the repository's format was written; zero if unknown.
	Created         time.Time
	Storage         string
	CredentialsFrom string
	// CorsoSettings is true when the global policy and epoch duration are
	// exactly what Corso writes; Differences says what is off otherwise.
	CorsoSettings bool
	Differences   []string
	// Retention is the blob retention (S3 object lock) kopia.blobcfg
	// holds; zero when blobs are not locked.
	Retention Retention
	// PassphraseChangeable is false for formats written by kopia v0.8 or
	// older, whose passphrase cannot be changed.
	PassphraseChangeable bool
	// Maintenance is its maintenance owner and settings.
	Maintenance Maintenance
}

// Validate refuses a Local without a connection file, which no
// operation can use: it names what is missing, never a Go error.
func (l Local) Validate() error {
	if l.ConfigFile == "" {
		return NewError(CodeNotConnected, nil, "No connection file was given for this repository on this computer, so nothing was done. Forget it in the list and add it again.")
	}

	return nil
}
