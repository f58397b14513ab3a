package kopiaengine

import (
	"context"
	"errors"

	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/format"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// requireHalfMade checks that n holds an interrupted creation, returning
// the check and its S3 client for the guard.
func requireHalfMade(ctx context.Context, n repo.Settings, keys *preflight.Keys, mode repo.CheckMode) (*repo.Report, *preflight.S3API, error) {
	rep, api, err := preflight.CheckLocation(ctx, n, keys, mode)
	if err != nil {
		return nil, nil, err
	}

	if rep.Err != nil {
		return nil, nil, rep.Err
	}

	if err := stillHalfMade(n, rep.State, rep.HalfMade, rep.HalfMade); err != nil {
		return nil, nil, err
	}

	return rep, api, nil
}

// stillHalfMade is nil when the location is half-made at the stage the
// operation was chosen for.
func stillHalfMade(n repo.Settings, st repo.State, stage, want repo.HalfMadeStage) error {
	switch {
	case st != repo.StateHalfMade:
		return repo.NewError(repo.CodeLostRace, nil, "%s no longer holds an interrupted repository creation (it is %s now), so nothing was finished or cleared. Run Check again.", repo.Describe(n), st)
	case stage != want:
		return repo.NewError(repo.CodeLostRace, nil, "The interrupted creation at %s changed since it was checked, so nothing was done. Run Check again.", repo.Describe(n))
	}

	return nil
}

// Finish completes a creation that was interrupted: before the format was
// written it clears kopia's remnants and starts over; after, it applies
// Corso's settings. It holds the location's lock and re-verifies the
// stage before acting.
func finishOp(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	n, err := repo.Normalize(s)
	if err != nil {
		return nil, err
	}

	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	keys := preflight.ResolveKeys(ctx, n, secrets.S3)
	ctx = withKeys(ctx, keys)

	rep, api, err := requireHalfMade(ctx, n, keys, repo.CheckWrite)
	if err != nil {
		return nil, err
	}

	var info *repo.Info

	err = whileLocked(ctx, n, rep, api, true, func(g guard, st repo.State, stage repo.HalfMadeStage) error {
		if err := stillHalfMade(n, st, stage, rep.HalfMade); err != nil {
			return err
		}

		if stage == repo.HalfMadeBeforeFormat {
			if err := deleteKopiaBlobs(ctx, n, keys); err != nil {
				return err
			}

			f, err := newCorsoFormat()
			if err != nil {
				return err
			}

			storage := openStorageLater()
			defer storage.discardAfterAnswer(ctx)

			info, err = initialize(ctx, n, keys, secrets, local, f, f.deriveKey(secrets.Passphrase), g, storage)

			return err
		}

		raw, err := openStorage(ctx, n, keys, false)
		if err != nil {
			return err
		}
		defer raw.Close(ctx) //nolint:errcheck

		info, err = connectStorage(ctx, raw, n, secrets, local, openRequest{settings: repairSettings, created: rep.Created})

		return err
	})

	return info, err
}

// Clear removes what an interrupted creation left behind: only blobs with
// kopia's exact names, only while the location is still half-made (checked
// again holding the lock, so a Finish from elsewhere cannot slip in). The
// location is then empty of kopia's files; the user's are never touched.
func clearOp(ctx context.Context, s repo.Settings, s3secrets repo.S3Secrets) error {
	n, err := repo.Normalize(s)
	if err != nil {
		return err
	}

	keys := preflight.ResolveKeys(ctx, n, s3secrets)

	rep, api, err := requireHalfMade(ctx, n, keys, repo.CheckRead)
	if err != nil {
		return err
	}

	return whileLocked(ctx, n, rep, api, false, func(_ guard, st repo.State, stage repo.HalfMadeStage) error {
		if err := stillHalfMade(n, st, stage, rep.HalfMade); err != nil {
			return err
		}

		return deleteKopiaBlobs(ctx, n, keys)
	})
}

// deleteKopiaBlobs deletes every blob under the location that has one of
// kopia's exact names, the format blob last so that an interruption still
// reads as half-made. Anything else is left alone.
func deleteKopiaBlobs(ctx context.Context, n repo.Settings, keys *preflight.Keys) error {
	st, err := openStorage(ctx, n, keys, false)
	if err != nil {
		return err
	}
	defer st.Close(ctx) //nolint:errcheck

	var ids []blob.ID

	err = st.ListBlobs(ctx, "", func(m blob.Metadata) error {
		switch preflight.KopiaBlobKind(string(m.BlobID)) {
		case preflight.BlobContent, preflight.BlobIndex:
			ids = append(ids, m.BlobID)
		}

		return nil
	})
	if err != nil {
		return preflight.Classify(ctx, err, repo.Describe(n))
	}

	ids = append(ids, format.KopiaBlobCfgBlobID, format.KopiaRepositoryBlobID)

	for _, id := range ids {
		if err := st.DeleteBlob(ctx, id); err != nil && !errors.Is(err, blob.ErrBlobNotFound) {
			return preflight.Classify(ctx, err, repo.Describe(n))
		}
	}

	return nil
}

// Finish completes a creation that was interrupted.
func (*Engine) Finish(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	if err := local.Validate(); err != nil {
		return nil, err
	}

	return bounded(ctx, repo.Where(s), func(ctx context.Context) (*repo.Info, error) { return finishOp(ctx, s, secrets, local) })
}

// Clear removes what an interrupted creation left behind.
func (*Engine) Clear(ctx context.Context, s repo.Settings, s3secrets repo.S3Secrets) error {
	_, err := bounded(ctx, repo.Where(s), func(ctx context.Context) (struct{}, error) { return struct{}{}, clearOp(ctx, s, s3secrets) })
	return err
}
