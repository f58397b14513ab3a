package engineproto_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// operationBound is the longest any operation but maintenance takes to
// answer when its store stops answering, as docs/reliability.md states it:
// a 50-second deadline, and what is said and given back after it.
const operationBound = 55 * time.Second

// boundedOp is one operation, run against settings whose store stalls.
type boundedOp struct {
	name string
	// half: the location is an interrupted creation, not a repository.
	half bool
	run  func(ctx context.Context, e repo.Engine, s repo.S3Compatible, local repo.Local) error
}

var boundedOps = []boundedOp{
	{"check", false, func(ctx context.Context, e repo.Engine, s repo.S3Compatible, _ repo.Local) error {
		rep, err := e.Check(ctx, s, repotest.RootSecrets().S3, repo.CheckWrite)
		if err == nil {
			err = rep.Err
		}

		return err
	}},
	{"connect", false, func(ctx context.Context, e repo.Engine, s repo.S3Compatible, local repo.Local) error {
		_, err := e.Connect(ctx, s, repotest.RootSecrets(), local)
		return err
	}},
	{"reopen", false, func(ctx context.Context, e repo.Engine, _ repo.S3Compatible, local repo.Local) error {
		_, err := e.Reopen(ctx, local, repotest.RootSecrets())
		return err
	}},
	{"contents", false, func(ctx context.Context, e repo.Engine, _ repo.S3Compatible, local repo.Local) error {
		_, err := e.Contents(ctx, local, repotest.RootSecrets())
		return err
	}},
	{"apply settings", false, func(ctx context.Context, e repo.Engine, _ repo.S3Compatible, local repo.Local) error {
		_, err := e.ApplyCorsoSettings(ctx, local, repotest.RootSecrets())
		return err
	}},
	{"change passphrase", false, func(ctx context.Context, e repo.Engine, _ repo.S3Compatible, local repo.Local) error {
		_, err := e.ChangePassphrase(ctx, local, repotest.RootSecrets(), repo.PassphraseChange{New: "a different passphrase 77"})
		return err
	}},
	{"create", false, func(ctx context.Context, e repo.Engine, s repo.S3Compatible, local repo.Local) error {
		s.Prefix += "-new"
		_, err := e.Initialize(ctx, s, repotest.RootSecrets(), local)

		return err
	}},
	{"finish", true, func(ctx context.Context, e repo.Engine, s repo.S3Compatible, local repo.Local) error {
		_, err := e.Finish(ctx, s, repotest.RootSecrets(), local)
		return err
	}},
	{"clear", true, func(ctx context.Context, e repo.Engine, s repo.S3Compatible, _ repo.Local) error {
		return e.Clear(ctx, s, repotest.RootSecrets().S3)
	}},
}

// TestEveryOperationAnswersWithinItsBound: the store stops answering after
// the first k requests of an operation, for several k, and each operation
// of the release app (the helper) answers within operationBound, with a
// sentence saying the store stopped answering, or succeeds.
func TestEveryOperationAnswersWithinItsBound(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	ctx := context.Background()

	stallAfter := []int{0, 9}
	if os.Getenv("CORSO_KILL_POINTS") == "all" {
		stallAfter = []int{0, 1, 2, 3, 4, 5, 6, 8, 10, 13, 17, 22, 30}
	}

	var wg sync.WaitGroup

	for name, e := range repotest.Engines(t) {
		for _, op := range boundedOps {
			for _, k := range stallAfter {
				prefix := fmt.Sprintf("bound-%s-%s-%d", name, op.name, k)
				direct := m.Settings(bucket, prefix)
				local := repotest.LocalIn(t.TempDir())

				if op.half {
					repotest.HalfMade(t, direct)
				} else if _, err := eng.Initialize(ctx, direct, repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err != nil {
					t.Fatal(err)
				}

				var (
					seen  atomic.Int32
					armed atomic.Bool
				)

				via := direct
				via.Endpoint = m.FaultProxy(t, func(*http.Request) repotest.Fault {
					if armed.Load() && int(seen.Add(1)) > k {
						return repotest.Stall
					}

					return repotest.Forward
				})

				// The operations on a connection first connect through the
				// proxy, which is not counted.
				if op.name == "reopen" || op.name == "contents" || op.name == "apply settings" || op.name == "change passphrase" {
					if _, err := eng.Connect(ctx, via, repotest.RootSecrets(), local); err != nil {
						t.Fatal(err)
					}
				}

				armed.Store(true)

				wg.Add(1)

				go func() {
					defer wg.Done()

					start := time.Now()
					err := op.run(ctx, e, via, local)
					took := time.Since(start)

					t.Logf("%s: %s, stalled after %d requests: %v, %v", name, op.name, k, took.Round(100*time.Millisecond), err)

					if took > operationBound {
						t.Errorf("%s: %s, stalled after %d requests, answered in %v, more than %v", name, op.name, k, took.Round(time.Second), operationBound)
					}

					if err != nil && repo.CodeOf(err) != repo.CodeUnreachable {
						t.Errorf("%s: %s, stalled after %d requests: %v (code %v), want the store named as not answering", name, op.name, k, err, repo.CodeOf(err))
					}
				}()
			}
		}
	}

	wg.Wait()
}
