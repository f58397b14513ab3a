package corsoconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
