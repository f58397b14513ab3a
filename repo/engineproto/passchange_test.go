package engineproto_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// formatWrite says whether r writes or deletes one of the two blobs a
// passphrase change rewrites.
func formatWrite(r *http.Request) bool {
	if r.Method != http.MethodPut && r.Method != http.MethodDelete {
		return false
	}

	return strings.HasSuffix(r.URL.Path, "/kopia.repository") || strings.HasSuffix(r.URL.Path, "/kopia.blobcfg")
}

// TestPassphraseChangeInterruptedAtEveryWrite stops a passphrase change
// before each of its three writes (remove kopia.blobcfg, rewrite
// kopia.repository, write kopia.blobcfg back) in three ways: the real
// helper killed (kill -9), the network cut, MinIO itself stopped. Each
// time the repository must open with exactly one of the two passphrases,
// the one the writes so far give, and the change run again with the same
// two must finish it.
func TestPassphraseChangeInterruptedAtEveryWrite(t *testing.T) {
	repotest.Helper(t) // builds the helper

	m := repotest.Start(t, repotest.Options{}) // its own, to be stopped
	bucket := m.Bucket(t)
	ctx := context.Background()

	oldSec := repotest.RootSecrets()
	newSec := oldSec
	newSec.Passphrase = "the new " + repotest.Passphrase

	for through := 0; through < 3; through++ {
		for _, way := range []string{"kill", "cut", "stop"} {
			// A cut or a stopped server costs the change about a minute of
			// retries, so make test tries each at one point (the two
			// states a resume must finish) and make faults at all.
			if os.Getenv("CORSO_KILL_POINTS") != "all" && (way == "cut" && through != 1 || way == "stop" && through != 2) {
				continue
			}

			t.Run(fmt.Sprintf("%s before write %d", way, through+1), func(t *testing.T) {
				direct := m.Settings(bucket, fmt.Sprintf("%s-%d", way, through))
				if _, err := eng.Initialize(ctx, direct, oldSec, repotest.LocalIn(t.TempDir())); err != nil {
					t.Fatal(err)
				}

				var (
					e    repo.Engine = eng
					seen atomic.Int32
				)

				interrupted := func(r *http.Request) bool { return formatWrite(r) && int(seen.Add(1)) > through }
				via := direct

				switch way {
				case "kill":
					h := repotest.Helper(t)
					h.Prepare(repo.Upcoming{})

					helper := h.Spare()
					if helper == nil {
						t.Fatal("no prepared helper to kill")
					}

					e = h
					via.Endpoint = m.FaultProxy(t, func(r *http.Request) repotest.Fault {
						if interrupted(r) {
							helper.Process.Kill() //nolint:errcheck // the point of the test
							return repotest.Cut
						}

						return repotest.Forward
					})
				case "cut":
					var gone atomic.Bool

					via.Endpoint = m.FaultProxy(t, func(r *http.Request) repotest.Fault {
						if gone.Load() || interrupted(r) {
							gone.Store(true)
							return repotest.Cut
						}

						return repotest.Forward
					})
				case "stop":
					via.Endpoint = m.FaultProxy(t, func(r *http.Request) repotest.Fault {
						if interrupted(r) {
							m.Stop()
						}

						return repotest.Forward
					})
				}

				local := repotest.LocalIn(t.TempDir())
				if _, err := eng.Connect(ctx, via, oldSec, local); err != nil {
					t.Fatal(err)
				}

				start := time.Now()
				if _, err := e.ChangePassphrase(ctx, local, oldSec, repo.PassphraseChange{New: newSec.Passphrase}); err == nil {
					t.Fatal("the change survived its interruption")
				}
				t.Logf("interrupted change took %v", time.Since(start))

				if way == "stop" {
					m.Restart(t)
				}

				// It opens with exactly one: the new one once its format
				// was rewritten (the second write), the old one before.
				opens, refused := oldSec, newSec
				if through >= 2 {
					opens, refused = newSec, oldSec
				}

				if _, err := eng.Connect(ctx, direct, opens, repotest.LocalIn(t.TempDir())); err != nil {
					t.Fatalf("does not open with the passphrase it should: %v", err)
				}

				_, err := eng.Connect(ctx, direct, refused, repotest.LocalIn(t.TempDir()))
				repotest.RequireCode(t, err, repo.CodeWrongPassphrase)

				// The app resumes with the same two and finishes it.
				resumed := repotest.LocalIn(t.TempDir())
				if _, err := eng.Connect(ctx, direct, opens, resumed); err != nil {
					t.Fatal(err)
				}

				info, err := eng.ChangePassphrase(ctx, resumed, oldSec, repo.PassphraseChange{New: newSec.Passphrase})
				if err != nil {
					t.Fatalf("resuming the change: %v", err)
				}

				repotest.RequireCorsoFormat(t, info)

				_, err = eng.Connect(ctx, direct, oldSec, repotest.LocalIn(t.TempDir()))
				repotest.RequireCode(t, err, repo.CodeWrongPassphrase)

				if names := m.Objects(t, bucket); !hasObject(names, strings.TrimSuffix(direct.Prefix, "/")+"/kopia.blobcfg") {
					t.Fatalf("kopia.blobcfg was not written back: %v", names)
				}
			})
		}
	}
}

func hasObject(names []string, name string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, name+" ") {
			return true
		}
	}

	return false
}
