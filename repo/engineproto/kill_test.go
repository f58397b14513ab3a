package engineproto_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// afterKill holds a location to the promise that a kill at any point
// leaves: the next check names it (empty, or an interrupted creation,
// never a complete repository that lacks Corso's settings), and finishing
// or creating again gives a repository that opens with Corso's settings.
func afterKill(t *testing.T, s repo.Settings, sec repo.Secrets, point string) {
	t.Helper()

	ctx := context.Background()

	rep, err := eng.Check(ctx, s, sec.S3, repo.CheckWrite)
	if err != nil || rep.Err != nil {
		t.Fatalf("%s: check after the kill: %v %v", point, err, rep.Err)
	}

	var info *repo.Info

	switch rep.State {
	case repo.StateEmpty:
		info, err = eng.Initialize(ctx, s, sec, repotest.LocalIn(t.TempDir()))
	case repo.StateHalfMade:
		info, err = eng.Finish(ctx, s, sec, repotest.LocalIn(t.TempDir()))
	case repo.StateRepository:
		info, err = eng.Connect(ctx, s, sec, repotest.LocalIn(t.TempDir()))
		if err == nil && !info.CorsoSettings {
			t.Fatalf("%s: the check called it a complete repository, but Corso's settings are missing: %v", point, info.Differences)
		}
	default:
		t.Fatalf("%s: after the kill the check says %v", point, rep.State)
	}

	if err != nil {
		t.Fatalf("%s: after the kill (%v): %v", point, rep.State, err)
	}

	repotest.RequireCorsoFormat(t, info)
}

// killPoints is how many of the write points are tried: all of them with
// CORSO_KILL_POINTS=all (make faults), else every other one.
func killEvery() int {
	if os.Getenv("CORSO_KILL_POINTS") == "all" {
		return 1
	}

	return 2
}

// TestKillAtEveryWriteOfCreate kills the real engine helper (kill -9)
// right after each write a create makes on MinIO, then checks and
// finishes what is there.
func TestKillAtEveryWriteOfCreate(t *testing.T) {
	repotest.Helper(t) // builds the helper
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	sec := repotest.RootSecrets()

	// Count the writes of one whole create.
	var puts atomic.Int32

	counted := m.Settings(bucket, "count")
	counted.Endpoint = m.FaultProxy(t, func(r *http.Request) repotest.Fault {
		if r.Method == http.MethodPut {
			puts.Add(1)
		}

		return repotest.Forward
	})

	if _, err := eng.Initialize(context.Background(), counted, sec, repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	total := int(puts.Load())
	if total < 5 {
		t.Fatalf("a create made only %d writes: the proxy saw nothing", total)
	}

	for k := 1; k <= total; k += killEvery() {
		e := repotest.Helper(t)
		e.Prepare(repo.Upcoming{})

		helper := e.Spare()
		if helper == nil {
			t.Fatal("no prepared helper to kill")
		}

		var seen atomic.Int32

		s := m.Settings(bucket, fmt.Sprintf("kill-%d", k))
		s.Endpoint = m.FaultProxy(t, func(r *http.Request) repotest.Fault {
			if r.Method == http.MethodPut && int(seen.Add(1)) > k {
				helper.Process.Kill() //nolint:errcheck // the point of the test

				return repotest.Cut
			}

			return repotest.Forward
		})

		_, err := e.Initialize(context.Background(), s, sec, repotest.LocalIn(t.TempDir()))
		if err == nil && k < total {
			t.Fatalf("write %d of %d: the create survived the kill", k, total)
		}

		afterKill(t, m.Settings(bucket, fmt.Sprintf("kill-%d", k)), sec, fmt.Sprintf("after write %d of %d", k, total))
	}
}

// TestKillFolderCreateAtManyPoints kills the helper creating a folder
// repository after a range of delays covering the whole create.
func TestKillFolderCreateAtManyPoints(t *testing.T) {
	repotest.Helper(t)

	root := t.TempDir()
	sec := repo.Secrets{Passphrase: repotest.Passphrase}

	for i, delay := 0, time.Duration(0); delay <= 400*time.Millisecond; i, delay = i+1, delay+time.Duration(25*killEvery())*time.Millisecond {
		e := repotest.Helper(t)
		e.Prepare(repo.Upcoming{})

		helper := e.Spare()
		s := repo.Filesystem{Path: filepath.Join(root, fmt.Sprintf("kill-%d", i))}

		timer := time.AfterFunc(delay, func() { helper.Process.Kill() }) //nolint:errcheck

		e.Initialize(context.Background(), s, sec, repotest.LocalIn(filepath.Join(root, fmt.Sprintf("local-%d", i)))) //nolint:errcheck // killed or not, afterKill judges
		timer.Stop()

		afterKill(t, s, sec, fmt.Sprintf("killed after %v", delay))
	}
}
