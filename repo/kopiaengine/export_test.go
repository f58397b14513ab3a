package kopiaengine

import (
	"context"
	"time"

	"github.com/kopia/kopia/repo/blob"
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
