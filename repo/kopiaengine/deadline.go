package kopiaengine

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// A store that accepts connections and never answers must not hold an
// operation for minutes: each request waits at most preflight.AnswerTimeout for
// the server's answer (kopia's S3 client starts from Go's default
// transport, which waits forever), and each operation as a whole at most
// operationTimeout, then says the store stopped answering.
const operationTimeout = 50 * time.Second

//nolint:gochecknoinits // kopia clones http.DefaultTransport for every S3 storage.
func init() {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		t.ResponseHeaderTimeout = preflight.AnswerTimeout
		// kopia lists its index prefixes four at a time; Go's default
		// keeps two idle connections per host, so every such listing
		// after the first opened two new ones (a round trip each, more
		// with TLS). minio-go's own default transport keeps 16.
		t.MaxIdleConnsPerHost = idleConnsPerHost
	}
}

const idleConnsPerHost = 16

var errStoreStalled = errors.New("the storage did not answer in time")

// operationDeadline bounds one operation; the deadline's cause tells a
// stall from the user's Cancel.
func operationDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, operationTimeout, errStoreStalled)
}

// stalled turns the failure of an operation whose deadline passed into the
// sentence that says so.
func stalled(ctx context.Context, err error, location string) error {
	if err == nil || !errors.Is(context.Cause(ctx), errStoreStalled) {
		return err
	}

	return repo.NewError(repo.CodeUnreachable, errStoreStalled, "%s stopped answering: nothing came back for %d seconds, so the operation was stopped. Check your network and that the storage service is up, then run Check again.", location, int(operationTimeout.Seconds()))
}

// bounded runs op under the operation deadline and says "stopped
// answering" when that deadline, not Cancel, ended it.
func bounded[T any](ctx context.Context, location string, op func(context.Context) (T, error)) (T, error) {
	ctx, cancel := operationDeadline(ctx)
	defer cancel()

	v, err := op(ctx)

	return v, stalled(ctx, err, location)
}
