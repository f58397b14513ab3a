package corsoconfig

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
	"github.com/corsodesktop/corso-desktop/repo"
)

// Name is the Corso CLI's config file name.
const Name = ".corso.toml"

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
	corsoAccount       = "account_provider"
	corsoAccountM365   = "M365"
	corsoPassphrase    = "passphrase"
	corsoAccessKeyID   = "aws_access_key_id"
	corsoSecretKey     = "aws_secret_access_key"
	corsoSessionToken  = "aws_session_token"
	corsoAzureSecret   = "azure_secret"
	corsoUser          = "corso_user"
	corsoHost          = "corso_host"
	corsoProviderS3    = "S3"
	corsoProviderFiles = "Filesystem"
)

// secretCorsoKeys are the keys the CLI reads but never writes because a
// user typed a secret (or a key that only makes sense with one) into them.
var secretCorsoKeys = []string{corsoPassphrase, corsoAccessKeyID, corsoSecretKey, corsoSessionToken, corsoAzureSecret}

// storageCorsoKeys are the keys that describe the repository's location.
var storageCorsoKeys = []string{corsoBucket, corsoEndpoint, corsoPrefix, corsoDisableTLS, corsoNoVerifyTLS, corsoPath}

// DefaultPath is where the Corso CLI looks for its config:
// $CORSO_CONFIG_DIR/.corso.toml when that folder exists, else ~/.corso.toml.
func DefaultPath() string {
	if dir := os.Getenv("CORSO_CONFIG_DIR"); dir != "" {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return filepath.Join(dir, Name)
		}
	}

	home, err := os.UserHomeDir()
	if err != nil {
		return Name
	}

	return filepath.Join(home, Name)
}

// Config is a repository read from the Corso CLI's config file.
type Config struct {
	Path     string
	Settings repo.Settings
	// Secrets found in the file, to move into the keychain.
	Secrets repo.Secrets
	// SecretKeys names the secret keys the file holds, so the user can be
	// told the file still has them.
	SecretKeys []string
	RepoID     string
	// User and Host are corso_user and corso_host, kopia's identity for
	// this repository when set.
	User, Host string
}

func configError(path string, cause error, format string, args ...any) *repo.Error {
	e := repo.NewError(repo.CodeConfigFile, cause, "The Corso CLI config file %s %s", path, fmt.Sprintf(format, args...))
	e.Location = path

	return e
}

// maxCorsoConfig bounds what import reads: a real config is a few hundred
// bytes, and the TOML parser's cost grows faster than the file.
const maxCorsoConfig = 256 << 10

// Import reads the repository described by the Corso CLI's
// config file at path. It never changes the file, reads only a regular
// file of reasonable size, and never repeats a value from the file in an
// error: any of them may be a secret.
func Import(path string) (*Config, error) {
	data, err := platform.ReadRegularFile(path, maxCorsoConfig)
	if err != nil {
		var nr *platform.NotRegularError

		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, configError(path, err, "does not exist. Run `corso repo init` or `corso repo connect` first, or add the repository here.")
		case errors.As(err, &nr):
			return nil, configError(path, nil, "is %s, not a config file. Choose the .corso.toml file itself.", platform.DescribeMode(nr.Mode))
		case errors.Is(err, platform.ErrTooLarge):
			return nil, configError(path, nil, "is larger than %d KiB, far larger than any Corso config file, so it was not read. Choose the .corso.toml file itself.", maxCorsoConfig>>10)
		}

		return nil, configError(path, err, "could not be read. Check its permissions.")
	}

	return parseCorsoConfig(path, data)
}

// tomlType names the TOML type of a decoded value, for sentences that must
// not show the value itself.
func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case bool:
		return "true or false"
	case int64, uint64, int, float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	}

	return "a date or time"
}

func parseCorsoConfig(path string, data []byte) (*Config, error) {
	var raw map[string]any
	if err := toml.Unmarshal(data, &raw); err != nil {
		// The parser's message can quote the text it choked on, and that
		// text may be a secret: say where, never what.
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return nil, configError(path, nil, "is not valid TOML (line %d, column %d). Fix it with a text editor and import again; nothing was imported.", row, col)
		}

		return nil, configError(path, nil, "is not valid TOML. Fix it with a text editor and import again; nothing was imported.")
	}

	get := func(key string) (string, error) {
		switch v := raw[key].(type) {
		case nil:
			return "", nil
		case string:
			return v, nil
		default:
			return "", configError(path, nil, "has %s as %s, where text in quotes is expected. Fix it and import again.", key, tomlType(v))
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

		return false, configError(path, nil, "has a value for %s that is not true or false. Fix it and import again.", key)
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

	cfg := &Config{Path: path, RepoID: str(corsoRepoID), User: str(corsoUser), Host: str(corsoHost)}
	cfg.Secrets.Passphrase = str(corsoPassphrase)
	cfg.Secrets.S3 = repo.S3Secrets{SecretAccessKey: str(corsoSecretKey), SessionToken: str(corsoSessionToken)}

	for _, k := range secretCorsoKeys {
		if v, ok := raw[k].(string); ok && v != "" {
			cfg.SecretKeys = append(cfg.SecretKeys, k)
		}
	}

	var s repo.Settings

	switch provider := str(corsoProvider); strings.ToLower(provider) {
	case "s3":
		creds := repo.Credentials{Source: repo.CredentialsEnvironment}
		if id := str(corsoAccessKeyID); id != "" {
			creds = repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: id}
		}

		s3 := repo.S3{Bucket: str(corsoBucket), Prefix: str(corsoPrefix), Credentials: creds}
		endpoint, noTLS, noVerify := str(corsoEndpoint), flag(corsoDisableTLS), flag(corsoNoVerifyTLS)

		if (endpoint == "" || endpoint == repo.DefaultS3Endpoint) && !noTLS && !noVerify {
			s = s3
		} else {
			s = repo.S3Compatible{S3: s3, Endpoint: endpoint, DisableTLS: noTLS, DisableTLSVerification: noVerify}
		}
	case "filesystem":
		s = repo.Filesystem{Path: str(corsoPath), Prefix: str(corsoPrefix)}
	case "":
		if firstErr == nil {
			firstErr = configError(path, nil, "names no storage provider (provider = \"S3\" or \"Filesystem\"), so there is no repository to import.")
		}
	default:
		if firstErr == nil {
			firstErr = configError(path, nil, "names a storage provider Corso does not support (only S3 or Filesystem).")
		}
	}

	if firstErr != nil {
		return nil, firstErr
	}

	n, err := repo.Normalize(s)
	if err != nil {
		return nil, configError(path, err, "describes a repository that is not valid: %s Fix the file and import again.", err.Error())
	}

	cfg.Settings = n

	return cfg, nil
}

// Exported says what Export did.
type Exported struct {
	Path string
	// Backup is where the file that was there before now is; empty if none.
	Backup string
	// DroppedSecrets names secret keys the previous file held; they stay in
	// the backup only.
	DroppedSecrets []string
	// RepoID is the repo_id written: remember it with the saved repository
	// so that the next export gives the same one.
	RepoID string
}

// ExportOptions are the choices of one export.
type ExportOptions struct {
	// Replace allows replacing an existing file (after backing it up).
	Replace bool
	// RepoID is the repo_id this repository was given before (by an
	// earlier export or the file it was imported from); "" if none.
	RepoID string
}

// Export writes a Corso CLI config file at path that points at
// s, in the form the CLI itself writes and accepts: account_provider M365,
// the location keys normalised as the CLI normalises them, and a repo_id
// that belongs to this repository alone. Keys it does not own (the
// Microsoft 365 tenant and client, user/host overrides) are kept; no secret
// is ever written. An existing file is replaced only with opts.Replace,
// and is copied to a dated backup first; otherwise the result is a
// CodeConfigExists error and nothing is written.
func Export(path string, s repo.Settings, opts ExportOptions) (*Exported, error) {
	n, err := repo.Normalize(s)
	if err != nil {
		return nil, err
	}

	// The CLI's --config-file takes the file's type from its extension.
	if !strings.EqualFold(filepath.Ext(path), ".toml") {
		return nil, configError(path, nil, "does not end in .toml, and the Corso CLI only reads a config file whose name does. Choose a name such as .corso.toml or corso.toml.")
	}

	res := &Exported{Path: path}
	raw := map[string]any{}

	old, err := platform.ReadRegularFile(path, maxCorsoConfig)

	var nr *platform.NotRegularError

	switch {
	case errors.Is(err, os.ErrNotExist):
	case errors.As(err, &nr):
		return nil, configError(path, nil, "is %s, so no config file can be written there. Choose another place.", platform.DescribeMode(nr.Mode))
	case errors.Is(err, platform.ErrTooLarge):
		return nil, configError(path, nil, "is larger than any Corso config file, so it was left alone. Choose another place.")
	case err != nil:
		return nil, configError(path, err, "could not be read. Check its permissions.")
	case !opts.Replace:
		e := repo.NewError(repo.CodeConfigExists, nil, "A Corso CLI config file already exists at %s, and %s. Confirm to replace it; a backup copy is kept next to it.", path, describeHeld(path, old, n))
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

	res.RepoID = opts.RepoID
	if res.RepoID == "" {
		res.RepoID = sameRepositoryID(path, old, n)
	}

	if res.RepoID == "" {
		res.RepoID = uuid.NewString() // the random (v4) form Corso gives repo_id
	}

	for _, k := range secretCorsoKeys {
		if v, ok := raw[k]; ok && v != "" {
			res.DroppedSecrets = append(res.DroppedSecrets, k)
		}

		delete(raw, k)
	}

	for _, k := range storageCorsoKeys {
		delete(raw, k)
	}

	switch v := n.(type) {
	case repo.Filesystem:
		raw[corsoProvider] = corsoProviderFiles
		raw[corsoPath] = v.Path
	case repo.S3:
		raw[corsoProvider] = corsoProviderS3
		raw[corsoBucket], raw[corsoPrefix], raw[corsoEndpoint] = v.Bucket, v.Prefix, repo.DefaultS3Endpoint
		raw[corsoDisableTLS], raw[corsoNoVerifyTLS] = false, false
	case repo.S3Compatible:
		raw[corsoProvider] = corsoProviderS3
		raw[corsoBucket], raw[corsoPrefix], raw[corsoEndpoint] = v.Bucket, v.Prefix, v.Endpoint
		raw[corsoDisableTLS], raw[corsoNoVerifyTLS] = v.DisableTLS, v.DisableTLSVerification
	}

	// Every command but `repo init` refuses a file without it.
	raw[corsoAccount] = corsoAccountM365
	raw[corsoRepoID] = res.RepoID

	out, err := marshalSorted(raw)
	if err != nil {
		return nil, configError(path, err, "could not be written.")
	}

	if err := platform.WriteFileAtomic(path, out); err != nil {
		return nil, configError(path, err, "could not be written. Check free space and that you can write to its folder.")
	}

	return res, nil
}

// describeHeld says what the config file at path (its bytes old)
// describes, beside the repository n about to be written there.
func describeHeld(path string, old []byte, n repo.Settings) string {
	prev, err := parseCorsoConfig(path, old)

	switch {
	case err != nil:
		return "the Corso CLI cannot read it"
	case repo.SameLocation(prev.Settings, n):
		return "it already describes this repository (" + repo.Describe(prev.Settings) + ")"
	}

	return "it describes another repository: " + repo.Where(prev.Settings)
}

// Holding is what a CLI config file holds, for one saved repository.
type Holding int

// What a config file can hold.
const (
	// HoldsNothing: there is no file.
	HoldsNothing Holding = iota
	// HoldsThis: it describes this repository's location.
	HoldsThis
	// HoldsOther: it describes another repository.
	HoldsOther
	// HoldsUnreadable: the CLI could not use it.
	HoldsUnreadable
)

// FileState is what the config file at Path describes now.
type FileState struct {
	Path    string
	Holding Holding
	// Other is the other repository's location, for HoldsOther; Problem
	// the reason, for HoldsUnreadable.
	Other, Problem string
}

// Inspect reads the config file at path (small, bounded; never a value
// repeated) and says whether it describes the repository at s.
func Inspect(path string, s repo.Settings) FileState {
	fs := FileState{Path: path}

	cfg, err := Import(path)

	switch {
	case err != nil && errors.Is(err, os.ErrNotExist):
		fs.Holding = HoldsNothing
	case err != nil:
		fs.Holding, fs.Problem = HoldsUnreadable, err.Error()
	case repo.SameLocation(cfg.Settings, s):
		fs.Holding = HoldsThis
	default:
		fs.Holding, fs.Other = HoldsOther, repo.Where(cfg.Settings)
	}

	return fs
}

// OwnFileFor is a config file of its own for a repository called name,
// beside the CLI's default file def: corso-<name>.toml.
func OwnFileFor(def, name string) string {
	var b strings.Builder

	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}

	slug := strings.Trim(b.String(), "-.")
	if slug == "" {
		slug = "repository"
	}

	return filepath.Join(filepath.Dir(def), "corso-"+slug+".toml")
}

// sameRepositoryID is the repo_id of the file that was at path when that
// file describes the same location as n, else "": a repo_id belongs to
// one repository, never to whatever the file described before.
func sameRepositoryID(path string, old []byte, n repo.Settings) string {
	if old == nil {
		return ""
	}

	prev, err := parseCorsoConfig(path, old)
	if err != nil || !repo.SameLocation(prev.Settings, n) {
		return ""
	}

	if _, err := uuid.Parse(prev.RepoID); err != nil {
		return ""
	}

	return prev.RepoID
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
