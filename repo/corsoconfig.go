package repo

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pelletier/go-toml/v2"

	"github.com/corsodesktop/corso-desktop/platform"
)

// CorsoConfigName is the Corso CLI's config file name.
const CorsoConfigName = ".corso.toml"

// Keys of the Corso CLI's config file.
const (
	corsoProvider      = "provider"
	corsoBucket        = "bucket"
	corsoEndpoint      = "endpoint"
	corsoPrefix        = "prefix"
	corsoDisableTLS    = "disable_tls"
	corsoNoVerifyTLS   = "disable_tls_verification"
	corsoPath          = "path"
	corsoRepoID        = "repo_id"
	corsoPassphrase    = "passphrase"
	corsoAccessKeyID   = "aws_access_key_id"
	corsoSecretKey     = "aws_secret_access_key"
	corsoSessionToken  = "aws_session_token"
	corsoAzureSecret   = "azure_secret"
	corsoProviderS3    = "S3"
	corsoProviderFiles = "Filesystem"
)

// secretCorsoKeys are the keys the CLI reads but never writes because a
// user typed a secret (or a key that only makes sense with one) into them.
var secretCorsoKeys = []string{corsoPassphrase, corsoAccessKeyID, corsoSecretKey, corsoSessionToken, corsoAzureSecret}

// storageCorsoKeys are the keys that describe the repository's location.
var storageCorsoKeys = []string{corsoBucket, corsoEndpoint, corsoPrefix, corsoDisableTLS, corsoNoVerifyTLS, corsoPath}

// CorsoConfigPath is where the Corso CLI looks for its config:
// $CORSO_CONFIG_DIR/.corso.toml when that folder exists, else ~/.corso.toml.
func CorsoConfigPath() string {
	if dir := os.Getenv("CORSO_CONFIG_DIR"); dir != "" {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return filepath.Join(dir, CorsoConfigName)
		}
	}

	home, err := os.UserHomeDir()
	if err != nil {
		return CorsoConfigName
	}

	return filepath.Join(home, CorsoConfigName)
}

// CorsoConfig is a repository read from the Corso CLI's config file.
type CorsoConfig struct {
	Path     string
	Settings Settings
	// Secrets found in the file, to move into the keychain.
	Secrets Secrets
	// SecretKeys names the secret keys the file holds, so the user can be
	// told the file still has them.
	SecretKeys []string
	RepoID     string
}

func configError(path string, cause error, format string, args ...any) *Error {
	e := newError(CodeConfigFile, cause, "The Corso CLI config file %s %s", path, fmt.Sprintf(format, args...))
	e.Location = path

	return e
}

// ImportCorsoConfig reads the repository described by the Corso CLI's
// config file at path. It never changes the file.
func ImportCorsoConfig(path string) (*CorsoConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, configError(path, err, "does not exist. Run `corso repo init` or `corso repo connect` first, or add the repository here.")
		}

		return nil, configError(path, err, "could not be read. Check its permissions.")
	}

	var raw map[string]any
	if err := toml.Unmarshal(data, &raw); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return nil, configError(path, err, "is not valid TOML (line %d, column %d). Fix it with a text editor and import again; nothing was imported.", row, col)
		}

		return nil, configError(path, err, "is not valid TOML. Fix it with a text editor and import again; nothing was imported.")
	}

	get := func(key string) (string, error) {
		switch v := raw[key].(type) {
		case nil:
			return "", nil
		case string:
			return v, nil
		default:
			return "", configError(path, nil, "has %s = %v, which should be text in quotes. Fix it and import again.", key, v)
		}
	}

	getBool := func(key string) (bool, error) {
		switch v := raw[key].(type) {
		case nil:
			return false, nil
		case bool:
			return v, nil
		case string:
			// viper, which the CLI reads the file with, accepts quoted booleans.
			switch strings.ToLower(v) {
			case "true":
				return true, nil
			case "false", "":
				return false, nil
			}
		}

		return false, configError(path, nil, "has %s = %v, which should be true or false. Fix it and import again.", key, raw[key])
	}

	var firstErr error

	str := func(key string) string {
		v, err := get(key)
		if err != nil && firstErr == nil {
			firstErr = err
		}

		return v
	}

	flag := func(key string) bool {
		v, err := getBool(key)
		if err != nil && firstErr == nil {
			firstErr = err
		}

		return v
	}

	cfg := &CorsoConfig{Path: path, RepoID: str(corsoRepoID)}
	cfg.Secrets.Passphrase = str(corsoPassphrase)
	cfg.Secrets.S3 = S3Secrets{SecretAccessKey: str(corsoSecretKey), SessionToken: str(corsoSessionToken)}

	for _, k := range secretCorsoKeys {
		if v, ok := raw[k].(string); ok && v != "" {
			cfg.SecretKeys = append(cfg.SecretKeys, k)
		}
	}

	var s Settings

	switch provider := str(corsoProvider); strings.ToLower(provider) {
	case "s3":
		creds := Credentials{Source: CredentialsEnvironment}
		if id := str(corsoAccessKeyID); id != "" {
			creds = Credentials{Source: CredentialsKeys, AccessKeyID: id}
		}

		s3 := S3{Bucket: str(corsoBucket), Prefix: str(corsoPrefix), Credentials: creds}
		endpoint, noTLS, noVerify := str(corsoEndpoint), flag(corsoDisableTLS), flag(corsoNoVerifyTLS)

		if (endpoint == "" || endpoint == DefaultS3Endpoint) && !noTLS && !noVerify {
			s = s3
		} else {
			s = S3Compatible{S3: s3, Endpoint: endpoint, DisableTLS: noTLS, DisableTLSVerification: noVerify}
		}
	case "filesystem":
		s = Filesystem{Path: str(corsoPath), Prefix: str(corsoPrefix)}
	case "":
		if firstErr == nil {
			firstErr = configError(path, nil, "names no storage provider (provider = \"S3\" or \"Filesystem\"), so there is no repository to import.")
		}
	default:
		if firstErr == nil {
			firstErr = configError(path, nil, "names the storage provider %q, which Corso does not support (S3 or Filesystem).", provider)
		}
	}

	if firstErr != nil {
		return nil, firstErr
	}

	n, err := Normalize(s)
	if err != nil {
		return nil, configError(path, err, "describes a repository that is not valid: %s Fix the file and import again.", err.Error())
	}

	cfg.Settings = n

	return cfg, nil
}

// CorsoExport says what ExportCorsoConfig did.
type CorsoExport struct {
	Path string
	// Backup is where the file that was there before now is; empty if none.
	Backup string
	// DroppedSecrets names secret keys the previous file held; they stay in
	// the backup only.
	DroppedSecrets []string
}

// ExportCorsoConfig writes a Corso CLI config file at path that points at
// s. Keys it does not own (the Microsoft 365 account, user/host overrides)
// are kept; no secret is ever written. An existing file is replaced only
// when replace is true, and is copied to a dated backup first; otherwise
// the result is a CodeConfigExists error and nothing is written.
func ExportCorsoConfig(path string, s Settings, replace bool) (*CorsoExport, error) {
	n, err := Normalize(s)
	if err != nil {
		return nil, err
	}

	res := &CorsoExport{Path: path}
	raw := map[string]any{}

	old, err := os.ReadFile(path)

	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, configError(path, err, "could not be read. Check its permissions.")
	case !replace:
		e := newError(CodeConfigExists, nil, "A Corso CLI config file already exists at %s. Confirm to replace it; a backup copy is kept next to it.", path)
		e.Location = path

		return nil, e
	default:
		// A file the CLI cannot read either is replaced whole; the backup keeps it.
		if toml.Unmarshal(old, &raw) != nil {
			raw = map[string]any{}
		}

		if res.Backup, err = backupFile(path, old); err != nil {
			return nil, configError(path, err, "could not be backed up, so it was not replaced. Check that you can write to its folder.")
		}
	}

	for _, k := range secretCorsoKeys {
		if v, ok := raw[k].(string); ok && v != "" {
			res.DroppedSecrets = append(res.DroppedSecrets, k)
		}

		delete(raw, k)
	}

	for _, k := range storageCorsoKeys {
		delete(raw, k)
	}

	switch v := n.(type) {
	case Filesystem:
		raw[corsoProvider] = corsoProviderFiles
		raw[corsoPath] = v.Path
	case S3:
		raw[corsoProvider] = corsoProviderS3
		raw[corsoBucket], raw[corsoPrefix], raw[corsoEndpoint] = v.Bucket, v.Prefix, DefaultS3Endpoint
		raw[corsoDisableTLS], raw[corsoNoVerifyTLS] = false, false
	case S3Compatible:
		raw[corsoProvider] = corsoProviderS3
		raw[corsoBucket], raw[corsoPrefix], raw[corsoEndpoint] = v.Bucket, v.Prefix, v.Endpoint
		raw[corsoDisableTLS], raw[corsoNoVerifyTLS] = v.DisableTLS, v.DisableTLSVerification
	}

	if id, _ := raw[corsoRepoID].(string); id == "" {
		raw[corsoRepoID] = uuid.NewString() // the random (v4) form Corso gives repo_id
	}

	out, err := marshalSorted(raw)
	if err != nil {
		return nil, configError(path, err, "could not be written.")
	}

	if err := platform.WriteFileAtomic(path, out); err != nil {
		return nil, configError(path, err, "could not be written. Check free space and that you can write to its folder.")
	}

	return res, nil
}

// marshalSorted writes top-level keys in a stable order so exports diff well.
func marshalSorted(raw map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}

	sort.Strings(keys)

	var buf bytes.Buffer

	buf.WriteString("# Written by Corso Desktop. Secrets are not stored here: pass the passphrase\n" +
		"# with CORSO_PASSPHRASE and S3 keys through the usual AWS environment or profile.\n")

	for _, k := range keys {
		b, err := toml.Marshal(map[string]any{k: raw[k]})
		if err != nil {
			return nil, err
		}

		buf.Write(b)
	}

	return buf.Bytes(), nil
}

func backupFile(path string, data []byte) (string, error) {
	stamp := time.Now().Format("20060102-150405")
	backup := path + ".bak-" + stamp

	for i := 2; ; i++ {
		if _, err := os.Lstat(backup); errors.Is(err, os.ErrNotExist) {
			break
		}

		backup = fmt.Sprintf("%s.bak-%s-%d", path, stamp, i)
	}

	return backup, platform.WriteFileAtomic(backup, data)
}
