package repo_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

type engineOps interface {
	Initialize(context.Context, repo.Settings, repo.Secrets, repo.Local) (*repo.Info, error)
	Finish(context.Context, repo.Settings, repo.Secrets, repo.Local) (*repo.Info, error)
	Clear(context.Context, repo.Settings, repo.S3Secrets) error
}

type inProcess struct{}

func (inProcess) Initialize(ctx context.Context, s repo.Settings, sec repo.Secrets, l repo.Local) (*repo.Info, error) {
	return repo.Initialize(ctx, s, sec, l)
}

func (inProcess) Finish(ctx context.Context, s repo.Settings, sec repo.Secrets, l repo.Local) (*repo.Info, error) {
	return repo.Finish(ctx, s, sec, l)
}

func (inProcess) Clear(ctx context.Context, s repo.Settings, sec repo.S3Secrets) error {
	return repo.Clear(ctx, s, sec)
}

// enginePairs are the two ways two operations meet: in one process, and
// in two engine helpers (two processes, as two app windows or instances).
func enginePairs(t *testing.T) map[string][2]engineOps {
	return map[string][2]engineOps{
		"in-process":  {inProcess{}, inProcess{}},
		"two-helpers": {engineClient(t), repo.NewEngineClient(enginePath)},
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
		{"minio", func(_ *testing.T, i int) repo.Settings { return s3Settings(m, bucket, fmt.Sprintf("race-%d", i)) }},
		{"folder", func(_ *testing.T, i int) repo.Settings {
			return repo.Filesystem{Path: filepath.Join(dir, fmt.Sprintf("race-%d", i))}
		}},
	}
}

func secretsWith(pass string) repo.Secrets {
	s := rootSecrets()
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
				passes := [2]string{"first " + testPassphrase, "second " + testPassphrase}
				infos := [2]*repo.Info{}
				errs := [2]error{}

				both(func() {
					infos[0], errs[0] = ops[0].Initialize(context.Background(), s, secretsWith(passes[0]), localIn(t.TempDir()))
				}, func() {
					infos[1], errs[1] = ops[1].Initialize(context.Background(), s, secretsWith(passes[1]), localIn(t.TempDir()))
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

				got, err := repo.Connect(context.Background(), s, secretsWith(passes[winner]), localIn(t.TempDir()))
				if err != nil || got.UniqueID != infos[winner].UniqueID {
					t.Fatalf("%s/%s round %d: the winner's repository does not open with its passphrase: %v", ename, loc.name, i, err)
				}

				_, err = repo.Connect(context.Background(), s, secretsWith(passes[1-winner]), localIn(t.TempDir()))
				requireCode(t, err, repo.CodeWrongPassphrase)
			}
		}
	}
}

// halfMade makes an interrupted creation after the format: a complete
// repository whose index and packs are taken away.
func halfMade(t *testing.T, s repo.Settings) {
	t.Helper()

	if _, err := repo.Initialize(context.Background(), s, rootSecrets(), localIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	takeSettingsAway(t, s)
}

// takeSettingsAway removes a repository's index, packs and sessions, as if
// its creation had stopped before Corso's settings were committed.
func takeSettingsAway(t *testing.T, s repo.Settings) {
	t.Helper()

	switch v := s.(type) {
	case repo.Filesystem:
		for _, d := range []string{"x", "q", "s", "p"} {
			os.RemoveAll(filepath.Join(v.Path, d)) //nolint:errcheck
		}
	case repo.S3Compatible:
		m := repotest.Shared(t, repotest.Options{})
		for _, k := range m.Objects(t, v.Bucket) {
			k, _, _ = strings.Cut(k, " ") // Objects gives "key etag"
			rel := strings.TrimPrefix(k, v.Prefix+"/")
			if strings.HasPrefix(k, v.Prefix+"/") && strings.IndexAny(rel[:1], "xqsp") == 0 {
				m.Remove(t, v.Bucket, k)
			}
		}
	}

	rep, err := repo.Check(context.Background(), s, rootSecrets().S3, repo.CheckRead)
	if err != nil || rep.State != repo.StateHalfMade || rep.HalfMade != repo.HalfMadeBeforeSettings {
		t.Fatalf("not half-made: %v %v", rep.State, err)
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
				halfMade(t, s)

				var (
					finishErr, clearErr error
					info                *repo.Info
				)

				both(func() {
					info, finishErr = ops[0].Finish(context.Background(), s, rootSecrets(), localIn(t.TempDir()))
				}, func() {
					clearErr = ops[1].Clear(context.Background(), s, rootSecrets().S3)
				})

				if finishErr == nil && clearErr == nil {
					t.Fatalf("%s/%s round %d: both finish and clear reported success", ename, loc.name, i)
				}

				rep, err := repo.Check(context.Background(), s, rootSecrets().S3, repo.CheckRead)
				if err != nil {
					t.Fatal(err)
				}

				if finishErr == nil {
					got, err := repo.Connect(context.Background(), s, rootSecrets(), localIn(t.TempDir()))
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
			local := localIn(t.TempDir())

			if _, err := repo.Initialize(context.Background(), s, rootSecrets(), local); err != nil {
				t.Fatal(err)
			}

			takeSettingsAway(t, s)

			var applyErr, clearErr error

			both(func() {
				_, applyErr = repo.ApplyCorsoSettings(context.Background(), local, rootSecrets())
			}, func() {
				clearErr = repo.Clear(context.Background(), s, rootSecrets().S3)
			})

			if applyErr == nil && clearErr == nil {
				t.Fatalf("%s round %d: both apply and clear reported success", loc.name, i)
			}

			if applyErr == nil {
				got, err := repo.Connect(context.Background(), s, rootSecrets(), localIn(t.TempDir()))
				if err != nil || !got.CorsoSettings {
					t.Fatalf("%s round %d: apply reported success, then: %v", loc.name, i, err)
				}
			}
		}
	}
}
