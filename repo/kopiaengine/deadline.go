package kopiaengine

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/dialahead"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// A store that accepts connections and never answers must not hold an
// operation for minutes: each request waits at most preflight.AnswerTimeout for
// the server's answer (kopia's S3 client starts from Go's default
// transport, which waits forever), and each operation as a whole at most
// operationTimeout, then says the store stopped answering.
const operationTimeout = 50 * time.Second

// answerGrace is how long after operationTimeout an operation may take to
// give back what it holds (its lock, its probe) before it answers anyway:
// with a second to answer, the 55 seconds docs/reliability.md states.
const answerGrace = 4 * time.Second

//nolint:gochecknoinits // kopia clones http.DefaultTransport for every S3 storage.
func init() {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		t.ResponseHeaderTimeout = preflight.AnswerTimeout
		// kopia lists its index prefixes four at a time; Go's default
		// keeps two idle connections per host, so every such listing
		// after the first opened two new ones (a round trip each, more
		// with TLS). minio-go's own default transport keeps 16.
		t.MaxIdleConnsPerHost = idleConnsPerHost
		// Connections a prepared engine opened ahead (Prepare) are
		// taken from here.
		t.DialContext = dialahead.Default.Dial
	}
}

const idleConnsPerHost = 16

var errStoreStalled = errors.New("the storage did not answer in time")

// operationDeadline bounds one operation and watches its storage
// requests; the deadline's cause tells a stall from the user's Cancel.
func operationDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, _, stop := withWatch(ctx)
	ctx, cancel := context.WithTimeoutCause(ctx, operationTimeout, errStoreStalled)

	return ctx, func() { cancel(); stop() }
}

// stalled turns the failure of an operation that its deadline or a
// stalled request ended into the sentence that says so.
func stalled(ctx context.Context, err error, location string) error {
	if err == nil {
		return nil
	}

	if s := stalledBy(ctx); s != nil {
		return repo.NewError(repo.CodeUnreachable, s, "%s stopped answering %s: %s got no answer for %d seconds, so the operation was stopped. Check your network and that the storage service is up, then run Check again.",
			location, phaseName(s.phase), s.request, int(s.after.Seconds()))
	}

	if !errors.Is(context.Cause(ctx), errStoreStalled) {
		return err
	}

	return repo.NewError(repo.CodeUnreachable, errStoreStalled, "%s stopped answering: nothing came back for %d seconds, so the operation was stopped. Check your network and that the storage service is up, then run Check again.", location, int(operationTimeout.Seconds()))
}

// phaseName says when a request stalled, for a sentence: "while …".
func phaseName(s repo.Step) string {
	switch s {
	case repo.StepMaintOrphans:
		return "during Corso's clean-up of incomplete backups"
	case repo.StepMaintQuick:
		return "during kopia's quick maintenance"
	case repo.StepMaintFull:
		return "during kopia's full maintenance"
	case repo.StepMaintMeasure, repo.StepMaintMeasure2, repo.StepListing:
		return "while its storage was listed"
	case repo.StepMaintCheck:
		return "while Corso's settings were checked"
	case repo.StepBackups:
		return "while the backups were read"
	case repo.StepDeriving, repo.StepReading:
		return "while the repository was opened"
	case repo.StepCreating, repo.StepSettings:
		return "while the repository was written"
	case repo.StepRewritingFormat, repo.StepProvingPassphrase, repo.StepVerifyingNew:
		return "during the passphrase change"
	case repo.StepClearing:
		return "while the interrupted creation was cleared"
	}

	return "during the operation"
}

// bounded runs op under the operation deadline and says "stopped
// answering" when that deadline or a stalled request, not Cancel, ended it.
// Clean-up the answer does not wait for (repo.AfterAnswer) runs after it
// in the helper; in this process it runs before the answer, for as long
// as the bound leaves, and goes on in the background after that.
func bounded[T any](ctx context.Context, location string, op func(context.Context) (T, error)) (T, error) {
	// The operation has begun: connections opened ahead wait for it, and
	// no more are opened.
	dialahead.Default.Settle()

	if !repo.HasAfterAnswer(ctx) {
		var settle func()

		ctx, settle = repo.WithAfterAnswer(ctx)
		defer settleBy(settle, time.Now().Add(operationTimeout+answerGrace))
	}

	ctx, cancel := operationDeadline(ctx)
	defer cancel()

	v, err := op(ctx)

	return v, stalled(ctx, err, location)
}

// settleBy runs settle and waits for it until by at most.
func settleBy(settle func(), by time.Time) {
	done := make(chan struct{})

	go func() {
		defer close(done)
		settle()
	}()

	select {
	case <-done:
	case <-time.After(time.Until(by)):
	}
}
