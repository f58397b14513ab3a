// Changing a repository's passphrase so that no moment of it leaves a
// repository neither passphrase opens.

package kopiaengine

import (
	"context"
	"errors"
	"time"

	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/format"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// kopia's own FormatManager().ChangePassword writes kopia.blobcfg and then
// kopia.repository, both encrypted with a key derived from the passphrase.
// Stopped between the two (a kill, a network failure), the repository's
// format opens with the old passphrase and its blobcfg with the new one
// only, so kopia opens it with neither. This change runs in another order:
//
//  1. remove kopia.blobcfg: a missing blobcfg means "no retention" to
//     kopia, so the repository still opens with the current passphrase;
//  2. rewrite kopia.repository for the new passphrase (one PUT, atomic):
//     it now opens with the new one;
//  3. write kopia.blobcfg back, encrypted for the new passphrase.
//
// Between 1 and 3 a retention (object lock) setting is not in the
// repository; PassphraseChange.Retention carries it for a resumed change.
// The format's content is re-encrypted by kopia's own code (ChangePassword,
// through a storage that holds back its blobcfg write); no cryptography
// is done here.

// changePassphraseOp runs or resumes a passphrase change.
func changePassphraseOp(ctx context.Context, local repo.Local, secrets repo.Secrets, change repo.PassphraseChange) (*repo.Info, error) {
	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	if err := repo.ValidateNewPassphrase(change.New); err != nil {
		return nil, repo.FieldErrors{repo.InvalidField(repo.FieldNewPassphrase, "%s", err.Error())}
	}

	if change.New == secrets.Passphrase {
		return nil, repo.FieldErrors{repo.InvalidField(repo.FieldNewPassphrase, "The new passphrase is the current one. Type a different one.")}
	}

	n, err := connectedSettings(local)
	if err != nil {
		return nil, err
	}

	keys := preflight.ResolveKeys(ctx, n, secrets.S3)
	ctx = withKeys(ctx, keys)

	rep, api, err := preflight.CheckLocation(ctx, n, keys, repo.CheckRead)
	if err != nil {
		return nil, err
	}

	if rep.Err != nil {
		return nil, rep.Err
	}

	// The passphrases are proven before the lock is taken, so that one
	// that stops opening the format while this change waits for the lock
	// is known to have been changed meanwhile, not mistyped.
	if err := proveEither(ctx, n, keys, secrets.Passphrase, change.New); err != nil {
		return nil, preflight.Classify(ctx, err, repo.Describe(n))
	}

	// The location's lock keeps a Clear or a create from elsewhere from
	// acting on the format while it is rewritten.
	err = whileLocked(ctx, n, rep, api, false, func(_ guard, st repo.State, _ repo.HalfMadeStage) error {
		if st != repo.StateRepository {
			return repo.NewError(repo.CodeLostRace, nil, "There is no complete repository at %s (it is %s now), so the passphrase was not changed. Run Check again.", repo.Describe(n), st)
		}

		bs, err := openStorage(ctx, n, keys, false)
		if err != nil {
			return err
		}
		defer bs.Close(ctx) //nolint:errcheck

		err = rewriteFormat(ctx, bs, secrets.Passphrase, change)
		if errors.Is(err, format.ErrInvalidPassword) {
			return changedMeanwhile(ctx, bs, n, err)
		}

		return err
	})
	if err != nil {
		return nil, preflight.Classify(ctx, err, repo.Describe(n))
	}

	// The change is proven by opening anew with the new passphrase, through
	// the connection file, as every later open will.
	repo.Progress(ctx, repo.StepVerifyingNew)

	return open(ctx, local, repo.Secrets{Passphrase: change.New, S3: secrets.S3}, openRequest{})
}

// proveEither says whether the format opens with the current passphrase,
// or with the new one (a change that stopped after its format write).
func proveEither(ctx context.Context, n repo.Settings, keys *preflight.Keys, current, next string) error {
	st, err := openStorage(ctx, n, keys, false)
	if err != nil {
		return err
	}
	defer st.Close(ctx) //nolint:errcheck

	_, _, err = managerFor(ctx, formatOnlyStorage{Storage: st}, current, next)

	return err
}

// changedMeanwhile is the sentence for a format that opened with one of
// the change's passphrases moments before its lock was taken and opens
// with neither now: another change (another Corso Desktop, the Corso CLI)
// rewrote it while this one waited.
func changedMeanwhile(ctx context.Context, st blob.Storage, n repo.Settings, err error) error {
	when := ""
	if md, merr := st.GetMetadata(ctx, format.KopiaRepositoryBlobID); merr == nil {
		when = " at " + md.Timestamp.Local().Format("15:04:05")
	}

	return repo.NewError(repo.CodeLostRace, err, "The passphrase of %s was changed%s, while this change waited for its turn, by another Corso Desktop or the Corso CLI: the current passphrase typed here no longer opens it. Nothing was changed here; open the repository with the passphrase that change set.",
		repo.Describe(n), when)
}

// rewriteFormat takes the format from whichever step it is at to the end.
func rewriteFormat(ctx context.Context, st blob.Storage, current string, change repo.PassphraseChange) error {
	repo.Progress(ctx, repo.StepProvingPassphrase)

	// Which passphrase the format opens with is decided on kopia.repository
	// alone; kopia.blobcfg is read separately below. The same manager
	// rewrites the format, so the key is derived once per passphrase.
	held := &heldBlobCfgStorage{Storage: formatOnlyStorage{Storage: st}}

	mgr, opensWith, err := managerFor(ctx, held, current, change.New)
	if err != nil {
		return err
	}

	if !mgr.SupportsPasswordChange() {
		return repo.NewError(repo.CodeUnknown, nil, "This repository was created by kopia v0.8 or older, whose format cannot change its passphrase. Its passphrase was not changed.")
	}

	retention, hasBlobCfg, err := readRetention(ctx, st, opensWith, current, change)
	if err != nil {
		return err
	}

	repo.Progress(ctx, repo.StepRewritingFormat)

	if opensWith == repo.OpensWithCurrent {
		if hasBlobCfg {
			if err := st.DeleteBlob(ctx, format.KopiaBlobCfgBlobID); err != nil && !errors.Is(err, blob.ErrBlobNotFound) {
				return err
			}
		}

		// kopia re-encrypts the format; its blobcfg write is held back
		// (step 3 writes it) and kopia.repository keeps its lock. After
		// it, the manager holds the new passphrase's key.
		held.retention = retention
		if err := mgr.ChangePassword(ctx, change.New); err != nil {
			return err
		}
	} else if hasBlobCfg {
		// Already finished: the blobcfg opened with the new passphrase.
		return nil
	}

	raw, err := readBlob(ctx, st, format.KopiaRepositoryBlobID)
	if err != nil {
		return err
	}

	j, err := format.ParseKopiaRepositoryJSON(raw)
	if err != nil {
		return err
	}

	return j.WriteBlobCfgBlob(ctx, st, format.BlobStorageConfiguration{
		RetentionMode:   blob.RetentionMode(retention.Mode),
		RetentionPeriod: retention.Period,
	}, mgr.FormatEncryptionKey())
}

// managerFor opens the format with the current passphrase, else with the
// new one (a change interrupted after its format write).
func managerFor(ctx context.Context, st blob.Storage, current, next string) (*format.Manager, repo.PassphraseOutcome, error) {
	mgr, err := format.NewManagerWithCache(ctx, st, -1, current, time.Now, format.NewMemoryBlobCache(time.Now))
	if err == nil {
		return mgr, repo.OpensWithCurrent, nil
	}

	if !errors.Is(err, format.ErrInvalidPassword) {
		return nil, 0, err
	}

	if mgr, err2 := format.NewManagerWithCache(ctx, st, -1, next, time.Now, format.NewMemoryBlobCache(time.Now)); err2 == nil {
		return mgr, repo.OpensWithNew, nil
	}

	return nil, 0, err
}

// readRetention reads kopia.blobcfg with the passphrase the format opens
// with. Missing, the change's own record of it stands (a resumed change).
func readRetention(ctx context.Context, st blob.Storage, opensWith repo.PassphraseOutcome, current string, change repo.PassphraseChange) (repo.Retention, bool, error) {
	if _, err := st.GetMetadata(ctx, format.KopiaBlobCfgBlobID); errors.Is(err, blob.ErrBlobNotFound) {
		return change.Retention, false, nil
	} else if err != nil {
		return repo.Retention{}, false, err
	}

	p := current
	if opensWith == repo.OpensWithNew {
		p = change.New
	}

	mgr, err := format.NewManagerWithCache(ctx, st, -1, p, time.Now, format.NewMemoryBlobCache(time.Now))
	if err != nil {
		// The blobcfg is encrypted for the other passphrase: kopia's own
		// change (the Corso CLI's update-passphrase) stopped between its
		// two writes. Nothing here can read it.
		return repo.Retention{}, false, repo.NewError(repo.CodeUnknown, err, "This repository's kopia.blobcfg does not open with the passphrase its format opens with: a passphrase change by another tool was interrupted. Nothing was changed.")
	}

	cfg, err := mgr.BlobCfgBlob(ctx)
	if err != nil {
		return repo.Retention{}, false, err
	}

	return repo.Retention{Mode: string(cfg.RetentionMode), Period: cfg.RetentionPeriod}, true, nil
}

func readBlob(ctx context.Context, st blob.Reader, id blob.ID) ([]byte, error) {
	var b blobBuffer
	if err := st.GetBlob(ctx, id, 0, -1, &b); err != nil {
		return nil, err
	}

	return b.Bytes(), nil
}

// formatOnlyStorage shows kopia's format manager kopia.repository but no
// kopia.blobcfg, so that opening the format proves the passphrase on the
// format alone.
type formatOnlyStorage struct{ blob.Storage }

func (s formatOnlyStorage) GetBlob(ctx context.Context, id blob.ID, offset, length int64, out blob.OutputBuffer) error {
	if id == format.KopiaBlobCfgBlobID {
		return blob.ErrBlobNotFound
	}

	return s.Storage.GetBlob(ctx, id, offset, length, out)
}

// heldBlobCfgStorage lets kopia's ChangePassword write kopia.repository
// (with the repository's retention, which kopia, shown no blobcfg, would
// leave off) and holds back its kopia.blobcfg write.
type heldBlobCfgStorage struct {
	blob.Storage
	retention repo.Retention
}

func (s *heldBlobCfgStorage) PutBlob(ctx context.Context, id blob.ID, data blob.Bytes, opts blob.PutOptions) error {
	switch id {
	case format.KopiaBlobCfgBlobID:
		return nil
	case format.KopiaRepositoryBlobID:
		if s.retention.Enabled() {
			opts.RetentionMode = blob.RetentionMode(s.retention.Mode)
			opts.RetentionPeriod = s.retention.Period
		}
	}

	return s.Storage.PutBlob(ctx, id, data, opts)
}

// ChangePassphrase changes a connected repository's passphrase; see
// repo.Engine.
func (*Engine) ChangePassphrase(ctx context.Context, local repo.Local, secrets repo.Secrets, change repo.PassphraseChange) (*repo.Info, error) {
	if err := local.Validate(); err != nil {
		return nil, err
	}

	return bounded(ctx, "The repository's storage", func(ctx context.Context) (*repo.Info, error) {
		return changePassphraseOp(ctx, local, secrets, change)
	})
}
