// Opening a connected repository, reading its details, and Corso's settings repair.

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
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/format"
	"github.com/kopia/kopia/repo/maintenance"
	"github.com/kopia/kopia/snapshot/policy"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

var openOptions = &kopiarepo.Options{
	// No diagnostic log blobs: opening must not write to the repository.
	DisableRepositoryLog: true,
	// kopia's default exits the process; a desktop app must not die.
	OnFatalError: func(err error) { slog.Error("kopia reported a fatal repository error", "err", err) },
}

// locationOf names the location a connection state points at, for
// sentences: read from kopia's connection file, which holds no secret.
func locationOf(local repo.Local) string {
	if lc, err := kopiarepo.LoadConfigFromFile(local.ConfigFile); err == nil && lc.Storage != nil {
		if s, err := settingsFromConnection(*lc.Storage); err == nil {
			return repo.Describe(s)
		}
	}

	return "the repository"
}

// open opens a connected repository and reads what Info shows.
func open(ctx context.Context, local repo.Local, secrets repo.Secrets, req openRequest) (*repo.Info, error) {
	where := locationOf(local)

	repo.Progress(ctx, repo.StepDeriving)

	ctx, capture := withFormatCapture(ctx)

	// What kopia's open reads is asked for at once (readahead.go): by
	// the connect that lent its storage, else by the storage kopia makes.
	ctx, slot := withReadAhead(ctx)
	defer slot.finish()
	defer req.ahead.finish()

	r, err := kopiarepo.Open(withS3Secrets(ctx, secrets.S3), local.ConfigFile, secrets.Passphrase, openOptions)

	slot.openDone()
	req.ahead.openDone()

	perr := req.readCheck.wait()
	if ferr := req.format.wait(); ferr != nil {
		perr = ferr
	}

	if perr != nil {
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

		if pol, err = applyCorsoSettings(ctx, dr, req.settings, req.extendLocks); err != nil {
			return nil, preflight.Classify(ctx, err, where)
		}
	}

	repo.Progress(ctx, repo.StepReading)

	info, err := readInfo(ctx, dr, created, pol, capture.bytes())
	if err != nil {
		return nil, preflight.Classify(ctx, err, where)
	}

	info.Storage = where

	return info, nil
}

// readInfo reads what Info shows; pol is the global policy when the caller
// has just written it, nil to read it.
// formatRaw is kopia.repository as kopia read it opening dr, nil to read it.
func readInfo(ctx context.Context, dr kopiarepo.DirectRepository, created time.Time, pol *policy.Policy, formatRaw []byte) (*repo.Info, error) {
	fm := dr.FormatManager()
	cf := fm.ScrubbedContentFormat()

	// Who owns maintenance and when it last ran, read beside the rest.
	type maintRead struct {
		m      repo.Maintenance
		params *maintenance.Params
		err    error
	}

	maint := make(chan maintRead, 1)

	go func() {
		var r maintRead
		r.m, r.params, r.err = maintenanceOf(ctx, dr)
		maint <- r
	}()

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

	info.PassphraseChangeable = fm.SupportsPasswordChange()

	if cfg, err := fm.BlobCfgBlob(ctx); err == nil {
		info.Retention = repo.Retention{Mode: string(cfg.RetentionMode), Period: cfg.RetentionPeriod}
	}

	raw, err := formatRaw, error(nil)
	if raw == nil {
		raw, err = formatBlob(ctx, dr)
	}

	if err == nil {
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

	err = nil
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

	mr := <-maint
	if mr.err != nil {
		return nil, mr.err
	}

	info.Maintenance = mr.m

	// Object lock and its extension must agree, as Corso checks.
	if cfg, err := fm.BlobCfgBlob(ctx); err == nil {
		info.Differences = append(info.Differences, retentionAlerts(ctx, cfg, mr.params)...)
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

	n, err := connectedSettings(local)
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

	err = whileLocked(ctx, n, rep, api, false, func(_ guard, st repo.State, _ repo.HalfMadeStage) error {
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
// file, the maintenance lock beside it and the cache. The repository itself is untouched.
func (*Engine) Disconnect(ctx context.Context, local repo.Local) error {
	if _, err := os.Stat(local.ConfigFile); err == nil {
		if err := kopiarepo.Disconnect(ctx, local.ConfigFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return preflight.ClassifyFS(err, local.ConfigFile)
		}
	}

	if err := os.Remove(local.ConfigFile + maintainingSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return preflight.ClassifyFS(err, local.ConfigFile+maintainingSuffix)
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

// Reopen opens a repository connected earlier, e.g. after a restart.
func (*Engine) Reopen(ctx context.Context, local repo.Local, secrets repo.Secrets) (*repo.Info, error) {
	if err := local.Validate(); err != nil {
		return nil, err
	}

	return bounded(ctx, "The repository's storage", func(ctx context.Context) (*repo.Info, error) { return reopenOp(ctx, local, secrets) })
}

// ApplyCorsoSettings writes Corso's global policy and epoch duration into a
// connected repository.
func (*Engine) ApplyCorsoSettings(ctx context.Context, local repo.Local, secrets repo.Secrets) (*repo.Info, error) {
	if err := local.Validate(); err != nil {
		return nil, err
	}

	return bounded(ctx, "The repository's storage", func(ctx context.Context) (*repo.Info, error) { return applyCorsoSettingsOp(ctx, local, secrets) })
}

// connectedSettings is the location a connection file points at.
func connectedSettings(local repo.Local) (repo.Settings, error) {
	lc, err := kopiarepo.LoadConfigFromFile(local.ConfigFile)
	if err != nil || lc.Storage == nil {
		return nil, repo.NewError(repo.CodeNotConnected, err, "This repository is not connected on this computer. Connect to it again.")
	}

	s, err := settingsFromConnection(*lc.Storage)
	if err != nil {
		return nil, repo.NewError(repo.CodeNotConnected, err, "This repository's connection on this computer cannot be read. Connect to it again.")
	}

	return repo.Normalize(s)
}

// openReading is openDirect for an operation that only reads: nothing,
// kopia's own housekeeping included, is written.
func openReading(ctx context.Context, local repo.Local, secrets repo.Secrets) (kopiarepo.DirectRepository, error) {
	return openDirect(readingOnly(ctx), local, secrets, openOptions)
}

// openDirect opens a connected repository for an operation that works on
// it directly (contents, maintenance); the caller closes it.
func openDirect(ctx context.Context, local repo.Local, secrets repo.Secrets, opts *kopiarepo.Options) (kopiarepo.DirectRepository, error) {
	// Read ahead for kopia's open only: the operation's own reads, for as
	// long as it runs, ask the store.
	ctx, slot := withReadAhead(ctx)
	r, err := kopiarepo.Open(withS3Secrets(ctx, secrets.S3), local.ConfigFile, secrets.Passphrase, opts)
	slot.finish()
	if err != nil {
		return nil, preflight.Classify(ctx, err, locationOf(local))
	}

	dr, ok := r.(kopiarepo.DirectRepository)
	if !ok {
		r.Close(ctx) //nolint:errcheck

		return nil, errors.New("repo: not a direct repository")
	}

	return dr, nil
}
