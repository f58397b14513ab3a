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
	}
}

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

// Check looks at a location without changing it (the write probe, when
// asked for, is removed again) and says what is there and what is wrong.
// The returned error is for invalid settings or cancellation; problems with
// the location itself are in Report.Err and the lines.
func (*Engine) Check(ctx context.Context, s repo.Settings, secrets repo.S3Secrets, mode repo.CheckMode) (*repo.Report, error) {
	return bounded(ctx, repo.Where(s), func(ctx context.Context) (*repo.Report, error) { return preflight.Check(ctx, s, secrets, mode) })
}

// Initialize creates a Corso repository at an empty location and connects
// to it. It never overwrites anything: a repository already there, an
// interrupted creation or any other data makes it refuse before writing.
// For S3 it first proves the bucket and every permission Corso needs.
func (*Engine) Initialize(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	return bounded(ctx, repo.Where(s), func(ctx context.Context) (*repo.Info, error) { return initializeOp(ctx, s, secrets, local) })
}

// Connect opens an existing repository with its passphrase, proving the
// passphrase right, and records the connection in local.
func (*Engine) Connect(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	return bounded(ctx, repo.Where(s), func(ctx context.Context) (*repo.Info, error) { return connectOp(ctx, s, secrets, local) })
}

// Finish completes a creation that was interrupted.
func (*Engine) Finish(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	return bounded(ctx, repo.Where(s), func(ctx context.Context) (*repo.Info, error) { return finishOp(ctx, s, secrets, local) })
}

// Clear removes what an interrupted creation left behind.
func (*Engine) Clear(ctx context.Context, s repo.Settings, s3secrets repo.S3Secrets) error {
	_, err := bounded(ctx, repo.Where(s), func(ctx context.Context) (struct{}, error) { return struct{}{}, clearOp(ctx, s, s3secrets) })
	return err
}

// Reopen opens a repository connected earlier, e.g. after a restart.
func (*Engine) Reopen(ctx context.Context, local repo.Local, secrets repo.Secrets) (*repo.Info, error) {
	return bounded(ctx, "The repository's storage", func(ctx context.Context) (*repo.Info, error) { return reopenOp(ctx, local, secrets) })
}

// ApplyCorsoSettings writes Corso's global policy and epoch duration into a
// connected repository.
func (*Engine) ApplyCorsoSettings(ctx context.Context, local repo.Local, secrets repo.Secrets) (*repo.Info, error) {
	return bounded(ctx, "The repository's storage", func(ctx context.Context) (*repo.Info, error) { return applyCorsoSettingsOp(ctx, local, secrets) })
}
