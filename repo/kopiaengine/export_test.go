package kopiaengine

import (
	"context"
	"time"

	"github.com/kopia/kopia/repo/blob"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// MoveClock makes every lock found look older by d, until restored.
func MoveClock(d time.Duration) (restore func()) {
	clock = func() time.Time { return time.Now().Add(d) }
	return func() { clock = time.Now }
}

// ReadAhead is raw as a connect lends it to kopia's open: what the open
// reads asked for at once.
func ReadAhead(ctx context.Context, raw blob.Storage) blob.Storage {
	return aheadStorage{Storage: raw, ahead: startReadAhead(ctx, raw)}
}

// DialAddresses are the addresses Prepare opens connections to for next.
func DialAddresses(next repo.Upcoming) []string { return dialAddresses(next) }

// OpenS3Storage opens kopia's S3 storage for loc with the given keys.
func OpenS3Storage(ctx context.Context, loc repo.S3Location, creds preflight.ResolvedCredentials) (blob.Storage, error) {
	return openS3Storage(ctx, loc, creds, false)
}

// AheadSource is what a read-ahead reads from.
type AheadSource = aheadSource

// SDKSource is the AWS SDK's source of a read-ahead of s, as the contents'
// open reads from it.
func SDKSource(ctx context.Context, s repo.S3Compatible, secrets repo.S3Secrets) (AheadSource, error) {
	n, err := repo.Normalize(s)
	if err != nil {
		return nil, err
	}

	loc, _ := repo.AsS3(n)

	api, err := preflight.OpenS3(loc, "", preflight.ResolveKeys(ctx, loc.S3Compatible, secrets))
	if err != nil {
		return nil, err
	}

	return sdkSource{api}, nil
}
