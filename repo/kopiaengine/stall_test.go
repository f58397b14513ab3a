package kopiaengine_test

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// stallBound is the promise: a storage request that neither answers nor
// moves a byte for 30 seconds ends maintenance (kopiaengine's
// stallTimeout), with a few seconds to say so.
const stallBound = 30*time.Second + 5*time.Second

// maintPhase is a phase of maintenance a stall is injected at, the mode
// that reaches it, and the words the sentence must use for it.
type maintPhase struct {
	name  string
	step  repo.Step
	mode  repo.MaintenanceMode
	words string
	// extension: the stall is on extending object locks, not on a step.
	extension bool
}

var maintPhases = []maintPhase{
	{"clean-up", repo.StepMaintOrphans, repo.MaintenanceComplete, "Corso's clean-up", false},
	{"quick", repo.StepMaintQuick, repo.MaintenanceMetadata, "kopia's quick maintenance", false},
	{"full", repo.StepMaintFull, repo.MaintenanceComplete, "kopia's full maintenance", false},
	{"lock extension", repo.StepMaintFull, repo.MaintenanceComplete, "extended the object locks", true},
}

// maintainedFixture makes a repository worth maintaining: Corso's backups,
// and what failed backups left ten days ago for the clean-up to remove.
func maintainedFixture(t *testing.T, s repo.Settings, sec repo.Secrets) repo.Local {
	t.Helper()

	ctx := context.Background()
	local := repotest.LocalIn(t.TempDir())

	if _, err := eng.Initialize(ctx, s, sec, local); err != nil {
		t.Fatal(err)
	}

	sctx := kopiaengine.WithS3Secrets(ctx, sec.S3)
	if err := repotest.WriteCorsoBackups(sctx, local.ConfigFile, sec.Passphrase, 12, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}

	if _, err := repotest.WriteCorsoLeftovers(sctx, local.ConfigFile, sec.Passphrase, time.Now().Add(-10*24*time.Hour)); err != nil {
		t.Fatal(err)
	}

	return local
}

// stalledRun runs maintenance, calling atPhase (on the operation's
// goroutine, before any request of the phase) when p's step is reported.
func stalledRun(local repo.Local, sec repo.Secrets, p maintPhase, atPhase func()) (time.Duration, error) {
	var once sync.Once

	ctx := repo.WithProgress(context.Background(), func(s repo.Step) {
		if s == p.step {
			once.Do(atPhase)
		}
	})

	start := time.Now()
	_, err := eng.Maintain(ctx, local, sec, repo.MaintenanceRequest{Mode: p.mode})

	return time.Since(start), err
}

// requireStallSentence holds a stopped run to its promise: an answer
// within the bound after the stall began, naming the store and the phase,
// and saying what was deleted.
func requireStallSentence(t *testing.T, p maintPhase, err error, stalledAt time.Time) {
	t.Helper()

	if took := time.Since(stalledAt); took > stallBound {
		t.Errorf("answered %v after the store stalled, more than %v", took.Round(time.Second), stallBound)
	}

	repotest.RequireCode(t, err, repo.CodeUnreachable)

	if msg := err.Error(); !strings.Contains(msg, "stopped answering") || !strings.Contains(msg, p.words) || !strings.Contains(msg, "30 seconds") {
		t.Errorf("the sentence does not say the store stopped answering during %s: %q", p.words, msg)
	}
}

// TestStalledStoreEndsMaintenanceOnMinIO: MinIO stops answering at each
// phase of maintenance (Corso's clean-up, kopia's quick and full
// maintenance, the extension of object locks). Each run ends within the
// request bound with a sentence naming the phase, loses nothing, and a
// run after it completes.
func TestStalledStoreEndsMaintenanceOnMinIO(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	locked := m.LockedBucket(t)
	sec := repotest.RootSecrets()

	for _, p := range maintPhases {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()

			s := m.Settings(locked, "stall-"+strings.ReplaceAll(p.name, " ", "-"))
			s.ObjectLock = &repo.ObjectLock{Mode: repo.RetentionGovernance, Period: 48 * time.Hour, Extend: true}
			maintainedFixture(t, s, sec)

			var (
				stalling  atomic.Bool
				stalledAt atomic.Pointer[time.Time]
			)

			proxied := s
			proxied.Endpoint = m.FaultProxy(t, func(r *http.Request) repotest.Fault {
				if !stalling.Load() || p.extension && !r.URL.Query().Has("retention") {
					return repotest.Forward
				}

				now := time.Now()
				stalledAt.CompareAndSwap(nil, &now)

				return repotest.Stall
			})

			local := repotest.LocalIn(t.TempDir())
			if _, err := eng.Connect(context.Background(), proxied, sec, local); err != nil {
				t.Fatal(err)
			}

			before := m.Objects(t, locked)

			_, err := stalledRun(local, sec, p, func() { stalling.Store(true) })
			if stalledAt.Load() == nil {
				t.Fatalf("no request stalled during %s: %v", p.name, err)
			}

			requireStallSentence(t, p, err, *stalledAt.Load())
			requireNothingDeletedWhenSaid(t, err, before, m.Objects(t, locked), s.Prefix)

			stalling.Store(false)

			if _, err := eng.Maintain(context.Background(), local, sec, repo.MaintenanceRequest{Mode: p.mode}); err != nil {
				t.Fatalf("a run after the stalled one: %v", err)
			}

			if c, err := eng.Contents(context.Background(), local, sec); err != nil || len(c.Backups) == 0 {
				t.Fatalf("after the stalled run: %v", err)
			}
		})
	}
}

// requireNothingDeletedWhenSaid: a sentence saying no blob was deleted is
// held to the listing.
func requireNothingDeletedWhenSaid(t *testing.T, err error, before, after []string, prefix string) {
	t.Helper()

	if err == nil || !strings.Contains(err.Error(), "No blob was deleted") {
		return
	}

	names := func(objects []string) []string {
		var out []string
		for _, o := range objects {
			if name, _, _ := strings.Cut(o, " "); strings.HasPrefix(name, prefix+"/") && !strings.Contains(name, ".corso-desktop") {
				out = append(out, name)
			}
		}

		return out
	}

	now := names(after)
	for _, b := range names(before) {
		if !slices.Contains(now, b) {
			t.Errorf("said no blob was deleted, but %s is gone", b)
		}
	}
}

// TestStalledFolderEndsMaintenance: a folder whose reads block (every
// blob a named pipe, as a hung network share behaves) at each phase of
// maintenance. Each run ends within the bound with a sentence naming the
// phase; with the folder back, a run completes.
func TestStalledFolderEndsMaintenance(t *testing.T) {
	sec := repo.Secrets{Passphrase: repotest.Passphrase}

	for _, p := range maintPhases {
		if p.extension {
			continue // folders have no object lock
		}

		t.Run(p.name, func(t *testing.T) {
			t.Parallel()

			folder := repo.Filesystem{Path: filepath.Join(repotest.TempDir(t), "repo")}
			local := maintainedFixture(t, folder, sec)

			var (
				undo      func()
				stalledAt time.Time
			)

			_, err := stalledRun(local, sec, p, func() {
				stalledAt = time.Now()
				undo = blockReads(t, folder.Path)
			})
			if undo == nil {
				t.Fatalf("the run never reached %s: %v", p.name, err)
			}

			undo()
			requireStallSentence(t, p, err, stalledAt)

			if _, err := eng.Maintain(context.Background(), local, sec, repo.MaintenanceRequest{Mode: p.mode}); err != nil {
				t.Fatalf("a run after the stalled one: %v", err)
			}
		})
	}
}

// TestCancelEndsMaintenanceAtEveryPhase: Cancel, pressed a second into a
// stall at each phase, ends maintenance within 2 seconds, as a
// cancellation, on MinIO and on a folder.
func TestCancelEndsMaintenanceAtEveryPhase(t *testing.T) {
	bucket := repotest.Shared(t, repotest.Options{}).Bucket(t)
	sec := repotest.RootSecrets()

	for _, p := range maintPhases {
		if p.extension {
			continue
		}

		for _, store := range []string{"minio", "folder"} {
			t.Run(store+" "+p.name, func(t *testing.T) {
				t.Parallel()

				local, block := blockableStore(t, store, bucket, "cancel-"+strings.ReplaceAll(p.name, " ", "-"), maintainedFixture)

				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()

				var cancelled atomic.Pointer[time.Time]

				ctx = repo.WithProgress(ctx, func(s repo.Step) {
					if s == p.step && cancelled.Load() == nil {
						block()
						time.AfterFunc(time.Second, func() {
							now := time.Now()
							cancelled.Store(&now)
							cancel()
						})
					}
				})

				_, err := eng.Maintain(ctx, local, repo.Secrets{Passphrase: sec.Passphrase, S3: sec.S3}, repo.MaintenanceRequest{Mode: p.mode})
				if at := cancelled.Load(); at == nil {
					t.Fatalf("ended before Cancel: %v", err)
				} else if took := time.Since(*at); took > 2*time.Second {
					t.Errorf("Cancel took %v", took)
				}

				repotest.RequireCode(t, err, repo.CodeCanceled)
			})
		}
	}
}

// blockableStore makes a repository with fixture on store ("minio": the
// prefix name in bucket of the shared MinIO, reached through a proxy;
// "folder": a new folder) and returns its connection and block, which
// makes every later request of the store wait for ever: the proxy holds
// them, or the folder's files become named pipes nobody writes.
func blockableStore(t *testing.T, store, bucket, name string, fixture func(*testing.T, repo.Settings, repo.Secrets) repo.Local) (repo.Local, func()) {
	t.Helper()

	sec := repotest.RootSecrets()

	if store == "folder" {
		// repotest.TempDir: a write the stopped run had under way may
		// still land while the folder is removed.
		folder := repo.Filesystem{Path: filepath.Join(repotest.TempDir(t), "repo")}
		local := fixture(t, folder, repo.Secrets{Passphrase: sec.Passphrase})

		return local, func() { t.Cleanup(blockReads(t, folder.Path)) }
	}

	m := repotest.Shared(t, repotest.Options{})
	s := m.Settings(bucket, name)
	fixture(t, s, sec)

	var stalling atomic.Bool

	s.Endpoint = m.FaultProxy(t, func(*http.Request) repotest.Fault {
		if stalling.Load() {
			return repotest.Stall
		}

		return repotest.Forward
	})
	local := repotest.LocalIn(t.TempDir())

	if _, err := eng.Connect(context.Background(), s, sec, local); err != nil {
		t.Fatal(err)
	}

	return local, func() { stalling.Store(true) }
}
