package kopiaengine

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/content"
	"github.com/kopia/kopia/repo/format"
	"github.com/kopia/kopia/snapshot/policy"

	"github.com/corsodesktop/corso-desktop/platform"
)

func requirePassphrase(p string) error {
	if p == "" {
		return repo.FieldErrors{repo.InvalidField(repo.FieldPassphrase, "Enter the repository passphrase.")}
	}

	return nil
}

// Initialize creates a Corso repository at an empty location and connects
// to it. It never overwrites anything: a repository already there, an
// interrupted creation or any other data makes it refuse before writing.
// For S3 it first proves the bucket and every permission Corso needs.
func initializeOp(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	n, err := repo.Normalize(s)
	if err != nil {
		return nil, err
	}

	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	// The connection is saved last; a place where it cannot be saved must
	// be found before the repository's format is written, not after.
	if err := usableLocal(local); err != nil {
		return nil, err
	}

	f, err := newCorsoFormat()
	if err != nil {
		return nil, err
	}

	// The key is derived while the check makes its requests, so a careful
	// creation costs no more time than a careless one. Nothing is written
	// before the check has passed.
	key := f.deriveKey(secrets.Passphrase)

	repo.Progress(ctx, repo.StepChecking)

	keys := preflight.ResolveKeys(ctx, n, secrets.S3)
	ctx = withKeys(ctx, keys)

	rep, api, err := preflight.CheckLocation(ctx, n, keys, repo.CheckWrite)
	if err != nil {
		return nil, err
	}

	if rep.Err != nil {
		return nil, rep.Err
	}

	if e := preflight.StateError(rep.State, rep.HalfMade, repo.Describe(n)); e != nil {
		return nil, e
	}

	var info *repo.Info

	err = whileLocked(ctx, n, rep, api, func(g guard, st repo.State, stage repo.HalfMadeStage) error {
		if st == repo.StateRepository || st == repo.StateHalfMade {
			return preflight.LostRace(repo.Describe(n))
		}

		if e := preflight.StateError(st, stage, repo.Describe(n)); e != nil {
			return e
		}

		// The user chose this folder for a private repository: make it
		// private, whatever it was before.
		// (Taking the lock made the folder if it was missing.)
		if fs, ok := n.(repo.Filesystem); ok && st == repo.StateEmpty {
			if err := platform.MakePrivate(fs.Path); err != nil {
				return preflight.ClassifyFS(err, fs.Path)
			}
		}

		var err error
		info, err = initialize(ctx, n, keys, secrets, local, f, key, g)

		return err
	})

	return info, err
}

// initialize writes a new repository's format through g (never replacing
// one), then connects to it and writes Corso's settings. key delivers f's
// key, derived from secrets; keys are the operation's resolved
// credentials. The caller holds g's lock.
func initialize(ctx context.Context, n repo.Settings, keys *preflight.Keys, secrets repo.Secrets, local repo.Local, f *corsoFormat, key <-chan derivedKey, g guard) (*repo.Info, error) {
	where := repo.Describe(n)

	raw, err := openStorage(ctx, n, keys, true)
	if err != nil {
		return nil, err
	}
	defer raw.Close(ctx) //nolint:errcheck

	st := guardedStorage{Storage: raw, g: g}

	repo.Progress(ctx, repo.StepCreating)

	var k derivedKey
	select {
	case k = <-key:
	case <-ctx.Done():
		return nil, repo.CanceledError(ctx.Err())
	}

	if k.err != nil {
		return nil, preflight.Classify(ctx, k.err, where)
	}

	if err := f.write(ctx, st, k.key); err != nil {
		return nil, preflight.Classify(ctx, err, where)
	}

	return connectStorage(ctx, st, n, secrets, local, openRequest{settings: writeSettings, created: time.Now()})
}

// Connect opens an existing repository with its passphrase, proving the
// passphrase right, and records the connection in local.
func connectOp(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	n, err := repo.Normalize(s)
	if err != nil {
		return nil, err
	}

	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	repo.Progress(ctx, repo.StepChecking)

	// The check's few requests run while kopia derives the keys (a fifth of
	// a second of CPU), so connecting costs what opening costs. When both
	// fail, the check's sentence wins: it says more than kopia's error.
	keys := preflight.ResolveKeys(ctx, n, secrets.S3)
	ctx = withKeys(ctx, keys)
	pre := startReadCheck(ctx, n, keys)

	st, err := openStorage(ctx, n, keys, false)
	if err != nil {
		if perr := pre.wait(); perr != nil {
			return nil, perr
		}

		return nil, err
	}
	defer st.Close(ctx) //nolint:errcheck

	info, err := connectStorage(ctx, st, n, secrets, local, openRequest{readCheck: pre})
	if err != nil {
		return nil, err
	}

	info.CredentialsFrom = pre.credentialsFrom

	return info, nil
}

// readCheck is the read check of a location, run alongside opening it.
type readCheck struct {
	done            chan struct{}
	err             error
	created         time.Time
	credentialsFrom string
}

func startReadCheck(ctx context.Context, n repo.Settings, keys *preflight.Keys) *readCheck {
	p := &readCheck{done: make(chan struct{})}

	go func() {
		defer close(p.done)

		rep, _, err := preflight.CheckLocation(ctx, n, keys, repo.CheckRead)
		if err != nil {
			p.err = err
			return
		}

		p.err = connectableState(rep, repo.Describe(n))
		p.created = rep.Created
		p.credentialsFrom = rep.CredentialsFrom
	}()

	return p
}

// wait returns the check's verdict once it is in; a nil readCheck has none.
func (p *readCheck) wait() error {
	if p == nil {
		return nil
	}

	<-p.done

	return p.err
}

// connectableState is the reason a checked location cannot be connected
// to, or nil.
func connectableState(rep *repo.Report, where string) error {
	switch {
	case rep.Err != nil:
		return rep.Err
	case rep.State == repo.StateEmpty:
		return repo.NewError(repo.CodeNoRepository, nil, "There is no repository at %s. Check the location, or create a new repository there.", where)
	case rep.State == repo.StateNotEmpty:
		return repo.NewError(repo.CodeNoRepository, nil, "%s holds data, but not a repository. Check the location (for S3, the prefix).", where)
	case rep.State == repo.StateHalfMade && rep.HalfMade == repo.HalfMadeBeforeFormat:
		return preflight.StateError(rep.State, rep.HalfMade, where)
	}

	return nil
}

// openRequest is what opening a repository does besides opening it.
type openRequest struct {
	settings settingsMode
	// created is when the format was written, when the caller knows.
	created time.Time
	// readCheck, when set, must pass for the open to count; it also says
	// when the format was written.
	readCheck *readCheck
}

// connectStorage writes kopia's connection file and opens the repository
// once. kopia's own repo.Connect would open it a second time to verify,
// paying for the scrypt key derivation twice; one open proves the same.
func connectStorage(ctx context.Context, st blob.Storage, n repo.Settings, secrets repo.Secrets, local repo.Local, req openRequest) (*repo.Info, error) {
	// A failed attempt (a mistyped passphrase) must not undo a connection
	// that worked before: keep the old file to put back.
	previous, _ := os.ReadFile(local.ConfigFile)

	if err := writeConnection(ctx, st, local); err != nil {
		if perr := req.readCheck.wait(); perr != nil {
			return nil, perr
		}

		return nil, err
	}

	info, err := open(ctx, local, secrets, req)
	if err != nil {
		if previous != nil {
			platform.WriteFileAtomic(local.ConfigFile, previous) //nolint:errcheck // best effort; the error below matters more
		} else {
			removeConnection(local)
		}

		return nil, err
	}

	info.Storage = repo.Describe(n)

	return info, nil
}

func writeConnection(ctx context.Context, st blob.Storage, local repo.Local) error {
	if local.ConfigFile == "" {
		return errors.New("repo: Local.ConfigFile is required")
	}

	ci := st.ConnectionInfo()
	lc := kopiarepo.LocalConfig{
		Storage: &ci,
		// No local cache, as in kopia's own defaults: this app opens a
		// repository to connect and to read its settings, never to back up
		// (the Corso CLI keeps its own cache for that), and filling kopia's
		// caches on disk made every first open about 15 ms slower.
		Caching:       &content.CachingOptions{},
		ClientOptions: kopiarepo.ClientOptions{}.ApplyDefaults(ctx, "Corso repository in "+st.DisplayName()),
	}

	data, err := json.MarshalIndent(lc, "", "  ")
	if err != nil {
		return err
	}

	if err := platform.WriteFileAtomic(local.ConfigFile, data); err != nil {
		return preflight.ClassifyFS(err, local.ConfigFile)
	}

	return nil
}

// usableLocal proves the connection file's folder can be made and written.
func usableLocal(local repo.Local) error {
	if local.ConfigFile == "" {
		return errors.New("repo: Local.ConfigFile is required")
	}

	dir := filepath.Dir(local.ConfigFile)
	if err := platform.MkdirPrivate(dir); err != nil {
		return localError(err, dir)
	}

	if err := preflight.ProbeWritable(dir); err != nil {
		return localError(err, dir)
	}

	return nil
}

func localError(err error, dir string) error {
	if e := preflight.ClassifyFS(err, dir); repo.CodeOf(e) == repo.CodeDiskFull {
		return e
	}

	return repo.NewError(repo.CodeAccessDenied, err, "Corso Desktop cannot save its connection to the repository in %s, so nothing was created. Check that this folder (part of your user settings) is writable, then try again.", dir)
}

func removeConnection(local repo.Local) {
	os.Remove(local.ConfigFile) //nolint:errcheck

	if local.CacheDir != "" {
		os.RemoveAll(local.CacheDir) //nolint:errcheck
	}
}

var openOptions = &kopiarepo.Options{
	// No diagnostic log blobs: opening must not write to the repository.
	DisableRepositoryLog: true,
	// kopia's default exits the process; a desktop app must not die.
	OnFatalError: func(err error) { slog.Error("kopia reported a fatal repository error", "err", err) },
}

// open opens a connected repository and reads what Info shows.
func open(ctx context.Context, local repo.Local, secrets repo.Secrets, req openRequest) (*repo.Info, error) {
	where := "the repository"

	if lc, err := kopiarepo.LoadConfigFromFile(local.ConfigFile); err == nil && lc.Storage != nil {
		if s, err := settingsFromConnection(*lc.Storage); err == nil {
			where = repo.Describe(s)
		}
	}

	repo.Progress(ctx, repo.StepDeriving)

	r, err := kopiarepo.Open(withS3Secrets(ctx, secrets.S3), local.ConfigFile, secrets.Passphrase, openOptions)
	if perr := req.readCheck.wait(); perr != nil {
		if err == nil {
			r.Close(ctx) //nolint:errcheck
		}

		return nil, perr
	}

	if err != nil {
		return nil, preflight.Classify(ctx, err, where)
	}
	defer r.Close(ctx) //nolint:errcheck

	created := req.created
	if req.readCheck != nil && created.IsZero() {
		created = req.readCheck.created
	}

	dr, ok := r.(kopiarepo.DirectRepository)
	if !ok {
		return nil, errors.New("repo: not a direct repository")
	}

	var pol *policy.Policy

	if req.settings != readSettings {
		repo.Progress(ctx, repo.StepSettings)

		if pol, err = applyCorsoSettings(ctx, dr, req.settings); err != nil {
			return nil, preflight.Classify(ctx, err, where)
		}
	}

	repo.Progress(ctx, repo.StepReading)

	info, err := readInfo(ctx, dr, created, pol)
	if err != nil {
		return nil, preflight.Classify(ctx, err, where)
	}

	info.Storage = where

	return info, nil
}

// readInfo reads what Info shows; pol is the global policy when the caller
// has just written it, nil to read it.
func readInfo(ctx context.Context, dr kopiarepo.DirectRepository, created time.Time, pol *policy.Policy) (*repo.Info, error) {
	fm := dr.FormatManager()
	cf := fm.ScrubbedContentFormat()

	info := &repo.Info{
		UniqueID:         hex.EncodeToString(fm.UniqueID()),
		FormatVersion:    int(cf.Version),
		Encryption:       cf.Encryption,
		Hash:             cf.Hash,
		ECC:              cf.ECC,
		Splitter:         fm.ObjectFormat().Splitter,
		MaxPackSize:      cf.MaxPackSize,
		MinEpochDuration: cf.EpochParameters.MinEpochDuration,
	}

	if raw, err := formatBlob(ctx, dr); err == nil {
		if j, err := format.ParseKopiaRepositoryJSON(raw); err == nil {
			info.KeyDerivation = j.KeyDerivationAlgorithm
			if info.KeyDerivation == "" {
				// Formats written before the field existed are scrypt.
				info.KeyDerivation = CorsoKeyDerivation
			}
		}
	}

	info.Created = created
	if created.IsZero() {
		if md, err := dr.BlobReader().GetMetadata(ctx, format.KopiaBlobCfgBlobID); err == nil {
			info.Created = md.Timestamp
		}
	}

	var err error
	if pol == nil {
		pol, err = policy.GetDefinedPolicy(ctx, dr, policy.GlobalPolicySourceInfo)
	}

	switch {
	case errors.Is(err, policy.ErrPolicyNotFound):
		info.Differences = []string{"no global policy: Corso's compression and retention settings are missing"}
	case err != nil:
		return nil, err
	default:
		info.Differences = corsoPolicyDifferences(pol)
	}

	if info.MinEpochDuration != CorsoMinEpochDuration {
		info.Differences = append(info.Differences, "minimum epoch duration is "+info.MinEpochDuration.String()+", Corso sets 8h0m0s")
	}

	info.CorsoSettings = len(info.Differences) == 0

	return info, nil
}

// Reopen opens a repository connected earlier, e.g. after a restart.
func reopenOp(ctx context.Context, local repo.Local, secrets repo.Secrets) (*repo.Info, error) {
	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	if _, err := os.Stat(local.ConfigFile); errors.Is(err, fs.ErrNotExist) {
		return nil, repo.NewError(repo.CodeNotConnected, err, "This repository is not connected on this computer. Connect to it again.")
	}

	return open(ctx, local, secrets, openRequest{})
}

// ApplyCorsoSettings writes Corso's global policy and epoch duration into a
// connected repository: it finishes a creation that was interrupted after
// the format was written, or repairs settings changed by other tools.
func applyCorsoSettingsOp(ctx context.Context, local repo.Local, secrets repo.Secrets) (*repo.Info, error) {
	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	lc, err := kopiarepo.LoadConfigFromFile(local.ConfigFile)
	if err != nil || lc.Storage == nil {
		return nil, repo.NewError(repo.CodeNotConnected, err, "This repository is not connected on this computer. Connect to it again.")
	}

	s, err := settingsFromConnection(*lc.Storage)
	if err != nil {
		return nil, repo.NewError(repo.CodeNotConnected, err, "This repository's connection on this computer cannot be read. Connect to it again.")
	}

	n, err := repo.Normalize(s)
	if err != nil {
		return nil, err
	}

	// Writing the settings into a repository whose creation was
	// interrupted is what Finish does: it takes the same lock, so that a
	// Clear from elsewhere cannot delete the format under it.
	keys := preflight.ResolveKeys(ctx, n, secrets.S3)
	ctx = withKeys(ctx, keys)

	rep, api, err := preflight.CheckLocation(ctx, n, keys, repo.CheckRead)
	if err != nil {
		return nil, err
	}

	if rep.Err != nil {
		return nil, rep.Err
	}

	var info *repo.Info

	err = whileLocked(ctx, n, rep, api, func(_ guard, st repo.State, _ repo.HalfMadeStage) error {
		if st != repo.StateRepository && st != repo.StateHalfMade {
			return repo.NewError(repo.CodeLostRace, nil, "There is no repository at %s any more (it is %s now), so no settings were written. Run Check again.", repo.Describe(n), st)
		}

		var err error
		info, err = open(ctx, local, secrets, openRequest{settings: repairSettings})

		return err
	})

	return info, err
}

// Disconnect forgets a connection on this computer: kopia's connection
// file and the cache. The repository itself is untouched.
func (*Engine) Disconnect(ctx context.Context, local repo.Local) error {
	if _, err := os.Stat(local.ConfigFile); err == nil {
		if err := kopiarepo.Disconnect(ctx, local.ConfigFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return preflight.ClassifyFS(err, local.ConfigFile)
		}
	}

	if local.CacheDir != "" {
		if err := os.RemoveAll(local.CacheDir); err != nil {
			return preflight.ClassifyFS(err, local.CacheDir)
		}
	}

	return nil
}

// settingsFromConnection rebuilds the location from kopia's connection
// info, for descriptions and for Finish/Clear.
func settingsFromConnection(ci blob.ConnectionInfo) (repo.Settings, error) {
	raw, err := json.Marshal(ci.Config)
	if err != nil {
		return nil, err
	}

	switch ci.Type {
	case s3StorageType:
		var o s3StorageOptions
		if err := json.Unmarshal(raw, &o); err != nil {
			return nil, err
		}

		if o.Endpoint == repo.DefaultS3Endpoint && !o.DisableTLS && !o.DisableTLSVerification && o.CAFile == "" {
			return o.location().S3, nil
		}

		return o.location().S3Compatible, nil
	case "filesystem":
		var o struct {
			Path string `json:"path"`
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			return nil, err
		}

		return repo.Filesystem{Path: o.Path}, nil
	}

	return nil, errors.New("repo: unknown storage type " + ci.Type)
}

// formatBlob reads kopia.repository, whose plain JSON names the key
// derivation (kopia's format manager does not expose it).
func formatBlob(ctx context.Context, dr kopiarepo.DirectRepository) ([]byte, error) {
	var raw blobBuffer
	if err := dr.BlobReader().GetBlob(ctx, format.KopiaRepositoryBlobID, 0, -1, &raw); err != nil {
		return nil, err
	}

	return raw.Bytes(), nil
}

// blobBuffer is a blob.OutputBuffer for small blobs such as the format blob.
type blobBuffer struct{ bytes.Buffer }

func (b *blobBuffer) Length() int { return b.Len() }
