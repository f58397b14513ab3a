//go:build !remote_engine

package repo

import (
	"context"
	"errors"

	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/format"
)

func requireHalfMade(ctx context.Context, n Settings, s3secrets S3Secrets, mode CheckMode) (*Report, error) {
	rep, err := Check(ctx, n, s3secrets, mode)
	if err != nil {
		return nil, err
	}

	if rep.Err != nil {
		return nil, rep.Err
	}

	if rep.State != StateHalfMade {
		return nil, newError(CodeUnknown, nil, "%s does not hold an interrupted repository creation (it is %s), so there is nothing to finish or clear. Run Check again.", describe(n), rep.State)
	}

	return rep, nil
}

// Finish completes a creation that was interrupted: before the format was
// written it starts over; after, it applies Corso's settings.
func Finish(ctx context.Context, s Settings, secrets Secrets, local Local) (*Info, error) {
	n, err := Normalize(s)
	if err != nil {
		return nil, err
	}

	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	rep, err := requireHalfMade(ctx, n, secrets.S3, CheckWrite)
	if err != nil {
		return nil, err
	}

	if rep.HalfMade == HalfMadeBeforeFormat {
		if err := deleteFormatBlobs(ctx, n, secrets.S3); err != nil {
			return nil, err
		}

		f, err := newCorsoFormat()
		if err != nil {
			return nil, err
		}

		return initialize(ctx, n, secrets, local, f, f.deriveKey(secrets.Passphrase))
	}

	st, err := openStorage(ctx, n, secrets.S3, false)
	if err != nil {
		return nil, err
	}
	defer st.Close(ctx) //nolint:errcheck

	return connectStorage(ctx, st, n, secrets, local, openRequest{settings: repairSettings, created: rep.Created})
}

// Clear removes what an interrupted creation left behind, after checking
// again that nothing else is there. The location is then empty.
func Clear(ctx context.Context, s Settings, s3secrets S3Secrets) error {
	n, err := Normalize(s)
	if err != nil {
		return err
	}

	if _, err := requireHalfMade(ctx, n, s3secrets, CheckRead); err != nil {
		return err
	}

	return deleteFormatBlobs(ctx, n, s3secrets)
}

func deleteFormatBlobs(ctx context.Context, n Settings, s3secrets S3Secrets) error {
	st, err := openStorage(ctx, n, s3secrets, false)
	if err != nil {
		return err
	}
	defer st.Close(ctx) //nolint:errcheck

	// The format blob goes last so an interruption here still reads as half-made.
	for _, id := range []blob.ID{format.KopiaBlobCfgBlobID, format.KopiaRepositoryBlobID} {
		if err := st.DeleteBlob(ctx, id); err != nil && !errors.Is(err, blob.ErrBlobNotFound) {
			return classify(ctx, err, describe(n))
		}
	}

	return nil
}
