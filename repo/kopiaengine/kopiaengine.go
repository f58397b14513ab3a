// Package kopiaengine is the in-process repository engine: it implements
// repo.Engine with kopia and the AWS SDK. The engine helper process runs
// it for the release app, and tests and `make run` use it directly.
//
// Every exported operation re-verifies the location at the moment it
// writes (guard.go), is bounded by a deadline (deadline.go), and returns
// only *repo.Error values a UI can show. It builds on preflight for the
// checks and the credentials; it must never import engineproto, library,
// corsoconfig, or Fyne.
package kopiaengine

import (
	"context"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// Engine runs every operation in this process. Its zero value is ready;
// it holds no state between operations.
type Engine struct{}

var _ repo.Engine = (*Engine)(nil)

// New returns the in-process engine.
func New() *Engine { return &Engine{} }

// ResolveCredentials finds S3 keys the way the AWS SDK does and says where
// they came from, e.g. "profile backup in ~/.aws/credentials".
func (*Engine) ResolveCredentials(ctx context.Context, c repo.Credentials, secrets repo.S3Secrets) (string, error) {
	rc, err := preflight.Resolve(ctx, c, secrets)
	if err != nil {
		return "", err
	}

	return rc.From, nil
}

// Problem is always nil: the in-process engine is always there.
func (*Engine) Problem() error { return nil }

// Check looks at a location without changing it (the write probe, when
// asked for, is removed again) and says what is there and what is wrong.
// The returned error is for invalid settings or cancellation; problems with
// the location itself are in Report.Err and the lines.
func (*Engine) Check(ctx context.Context, s repo.Settings, secrets repo.S3Secrets, mode repo.CheckMode) (*repo.Report, error) {
	return bounded(ctx, repo.Where(s), func(ctx context.Context) (*repo.Report, error) { return preflight.Check(ctx, s, secrets, mode) })
}
