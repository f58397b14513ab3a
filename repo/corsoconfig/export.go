package corsoconfig

// Writing the Corso CLI's config file for a repository, and telling what
// a config file already holds.

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
