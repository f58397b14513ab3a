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
