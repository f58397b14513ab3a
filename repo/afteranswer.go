package repo

import (
	"context"
	"sync"
)

type afterAnswerKey struct{}

type afterAnswer struct {
	mu   sync.Mutex
	work []func()
}

// WithAfterAnswer returns a context in which AfterAnswer holds its work
// back, and settle, which runs that work: the engine helper calls it once
// its answer is sent, and exits after it.
func WithAfterAnswer(ctx context.Context) (_ context.Context, settle func()) {
	a := &afterAnswer{}

	return context.WithValue(ctx, afterAnswerKey{}, a), func() {
		a.mu.Lock()
		work := a.work
		a.work = nil
		a.mu.Unlock()

		for _, f := range work {
			f()
		}
	}
}

// AfterAnswer runs f, clean-up the operation's answer does not depend on
// (removing the check's probe, giving back an S3 lock), after the answer
// is on its way when ctx allows it (in the helper), else at once. f uses
// no context of the operation, which is over by then.
func AfterAnswer(ctx context.Context, f func()) {
	if a, ok := ctx.Value(afterAnswerKey{}).(*afterAnswer); ok {
		a.mu.Lock()
		a.work = append(a.work, f)
		a.mu.Unlock()

		return
	}

	f()
}

// HasAfterAnswer says whether ctx holds work back for after its answer
// (WithAfterAnswer), as the engine helper's context does.
func HasAfterAnswer(ctx context.Context) bool {
	_, ok := ctx.Value(afterAnswerKey{}).(*afterAnswer)
	return ok
}
