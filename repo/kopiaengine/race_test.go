package kopiaengine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// raceRounds is how many times each pair of operations is raced:
// CORSO_RACE_ROUNDS for a longer run (make faults), else 6.
var raceRounds = func() int {
	if n, err := strconv.Atoi(os.Getenv("CORSO_RACE_ROUNDS")); err == nil && n > 0 {
		return n
	}

	return 6
}()

// enginePairs are the two ways two operations meet: in one process, and
// in two engine helpers (two processes, as two app windows or instances).
func enginePairs(t *testing.T) map[string][2]repo.Engine {
	return map[string][2]repo.Engine{
		"in-process":  {eng, eng},
		"two-helpers": {repotest.Helper(t), repotest.Helper(t)},
	}
}

// both runs a and b at the same moment.
func both(a, b func()) {
	var wg sync.WaitGroup

	start := make(chan struct{})

	for _, f := range []func(){a, b} {
		wg.Add(1)

		go func() {
			defer wg.Done()
			<-start
			f()
		}()
	}

	close(start)
	wg.Wait()
}

// locations gives a fresh S3 prefix or folder for each round.
type locations struct {
	name string
	next func(t *testing.T, i int) repo.Settings
}

func raceLocations(t *testing.T) []locations {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	dir := t.TempDir()

	return []locations{
		{"minio", func(_ *testing.T, i int) repo.Settings { return m.Settings(bucket, fmt.Sprintf("race-%d", i)) }},
		{"folder", func(_ *testing.T, i int) repo.Settings {
			return repo.Filesystem{Path: filepath.Join(dir, fmt.Sprintf("race-%d", i))}
		}},
	}
}

func secretsWith(pass string) repo.Secrets {
	s := repotest.RootSecrets()
	s.Passphrase = pass

	return s
}

// TestConcurrentCreatesNeverReplace races two creates with different
// passphrases on one location, in one process and in two engine helpers:
// exactly one wins, the loser is told and writes nothing over the
// winner's, and the winner's passphrase opens what is there.
func TestConcurrentCreatesNeverReplace(t *testing.T) {
	for ename, ops := range enginePairs(t) {
		for _, loc := range raceLocations(t) {
			for i := 0; i < raceRounds; i++ {
				s := loc.next(t, i+len(ename)*100)
				passes := [2]string{"first " + repotest.Passphrase, "second " + repotest.Passphrase}
				infos := [2]*repo.Info{}
				errs := [2]error{}

				both(func() {
					infos[0], errs[0] = ops[0].Initialize(context.Background(), s, secretsWith(passes[0]), repotest.LocalIn(t.TempDir()))
				}, func() {
					infos[1], errs[1] = ops[1].Initialize(context.Background(), s, secretsWith(passes[1]), repotest.LocalIn(t.TempDir()))
				})

				winner := -1

				for k := range 2 {
					if errs[k] == nil {
						if winner >= 0 {
							t.Fatalf("%s/%s round %d: both creates reported success", ename, loc.name, i)
						}

						winner = k
					} else if c := repo.CodeOf(errs[k]); c != repo.CodeLostRace && c != repo.CodeAlreadyRepository && c != repo.CodeBusy {
						t.Fatalf("%s/%s round %d: the loser was told %v: %v", ename, loc.name, i, c, errs[k])
					}
				}

				if winner < 0 {
					t.Fatalf("%s/%s round %d: neither create succeeded: %v / %v", ename, loc.name, i, errs[0], errs[1])
				}

				got, err := eng.Connect(context.Background(), s, secretsWith(passes[winner]), repotest.LocalIn(t.TempDir()))
				if err != nil || got.UniqueID != infos[winner].UniqueID {
					t.Fatalf("%s/%s round %d: the winner's repository does not open with its passphrase: %v", ename, loc.name, i, err)
				}

				_, err = eng.Connect(context.Background(), s, secretsWith(passes[1-winner]), repotest.LocalIn(t.TempDir()))
				repotest.RequireCode(t, err, repo.CodeWrongPassphrase)
			}
		}
	}
}

// TestClearRacingFinishNeverLosesARepository: Clear and Finish on one
// half-made location at once. Whatever the order, a Finish that reports
// success leaves a repository that opens, and both never succeed.
func TestClearRacingFinishNeverLosesARepository(t *testing.T) {
	for ename, ops := range enginePairs(t) {
		for _, loc := range raceLocations(t) {
			for i := 0; i < raceRounds; i++ {
				s := loc.next(t, 1000+i+len(ename)*100)
				repotest.HalfMade(t, s)

				var (
					finishErr, clearErr error
					info                *repo.Info
				)

				both(func() {
					info, finishErr = ops[0].Finish(context.Background(), s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
				}, func() {
					clearErr = ops[1].Clear(context.Background(), s, repotest.RootSecrets().S3)
				})

				if finishErr == nil && clearErr == nil {
					t.Fatalf("%s/%s round %d: both finish and clear reported success", ename, loc.name, i)
				}

				rep, err := eng.Check(context.Background(), s, repotest.RootSecrets().S3, repo.CheckRead)
				if err != nil {
					t.Fatal(err)
				}

				if finishErr == nil {
					got, err := eng.Connect(context.Background(), s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
					if rep.State != repo.StateRepository || err != nil || got.UniqueID != info.UniqueID || !got.CorsoSettings {
						t.Fatalf("%s/%s round %d: finish reported success, then: %v, %v", ename, loc.name, i, rep.State, err)
					}
				}

				if clearErr == nil && rep.State != repo.StateEmpty {
					t.Fatalf("%s/%s round %d: clear reported success, location is %v", ename, loc.name, i, rep.State)
				}

				for _, e := range []error{finishErr, clearErr} {
					if c := repo.CodeOf(e); e != nil && c != repo.CodeLostRace && c != repo.CodeBusy {
						t.Fatalf("%s/%s round %d: the loser was told %v: %v", ename, loc.name, i, c, e)
					}
				}
			}
		}
	}
}

// TestApplySettingsRacingClearNeverLosesARepository: "Apply Corso's
// settings" on an interrupted creation is a Finish by another door; raced
// against Clear it must never report success over a deleted format.
func TestApplySettingsRacingClearNeverLosesARepository(t *testing.T) {
	for _, loc := range raceLocations(t) {
		for i := 0; i < raceRounds; i++ {
			s := loc.next(t, 3000+i)
			local := repotest.LocalIn(t.TempDir())

			if _, err := eng.Initialize(context.Background(), s, repotest.RootSecrets(), local); err != nil {
				t.Fatal(err)
			}

			repotest.TakeSettingsAway(t, s)

			var applyErr, clearErr error

			both(func() {
				_, applyErr = eng.ApplyCorsoSettings(context.Background(), local, repotest.RootSecrets())
			}, func() {
				clearErr = eng.Clear(context.Background(), s, repotest.RootSecrets().S3)
			})

			if applyErr == nil && clearErr == nil {
				t.Fatalf("%s round %d: both apply and clear reported success", loc.name, i)
			}

			if applyErr == nil {
				got, err := eng.Connect(context.Background(), s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
				if err != nil || !got.CorsoSettings {
					t.Fatalf("%s round %d: apply reported success, then: %v", loc.name, i, err)
				}
			}
		}
	}
}
