package kopiaengine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
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

// oneWinner requires exactly one of two raced operations (what, in round)
// to have succeeded, the other to have been told one of loserCodes, and
// returns the winner.
func oneWinner(t *testing.T, round, what string, errs [2]error, loserCodes ...repo.Code) int {
	t.Helper()

	winner := -1

	for k := range 2 {
		if errs[k] == nil {
			if winner >= 0 {
				t.Fatalf("%s: both %s reported success", round, what)
			}

			winner = k
		} else if c := repo.CodeOf(errs[k]); !slices.Contains(loserCodes, c) {
			t.Fatalf("%s: the loser was told %v: %v", round, c, errs[k])
		}
	}

	if winner < 0 {
		t.Fatalf("%s: neither of the %s succeeded: %v / %v", round, what, errs[0], errs[1])
	}

	return winner
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

				winner := oneWinner(t, fmt.Sprintf("%s/%s round %d", ename, loc.name, i), "creates", errs, repo.CodeLostRace, repo.CodeAlreadyRepository, repo.CodeBusy)

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

// TestConcurrentPassphraseChangesLeaveOne: two changes of one repository's
// passphrase, from the same current one to two different new ones, at
// once, in one process and in two engine helpers. The location's lock
// makes them one after the other: exactly one reports success, the other
// is refused (the current passphrase it was given no longer opens the
// format), and the repository opens with the winner's new passphrase
// only, its object-lock settings (kopia.blobcfg) intact.
func TestConcurrentPassphraseChangesLeaveOne(t *testing.T) {
	for ename, ops := range enginePairs(t) {
		for _, loc := range raceLocations(t) {
			for i := 0; i < max(raceRounds/2, 1); i++ {
				s := loc.next(t, 4000+i+len(ename)*100)
				locals := [2]repo.Local{repotest.LocalIn(t.TempDir()), repotest.LocalIn(t.TempDir())}

				created, err := eng.Initialize(context.Background(), s, repotest.RootSecrets(), locals[0])
				if err != nil {
					t.Fatal(err)
				}

				if _, err := eng.Connect(context.Background(), s, repotest.RootSecrets(), locals[1]); err != nil {
					t.Fatal(err)
				}

				news := [2]string{"first new " + repotest.Passphrase, "second new " + repotest.Passphrase}
				errs := [2]error{}

				both(func() {
					_, errs[0] = ops[0].ChangePassphrase(context.Background(), locals[0], repotest.RootSecrets(), repo.PassphraseChange{New: news[0], Retention: created.Retention})
				}, func() {
					_, errs[1] = ops[1].ChangePassphrase(context.Background(), locals[1], repotest.RootSecrets(), repo.PassphraseChange{New: news[1], Retention: created.Retention})
				})

				winner := oneWinner(t, fmt.Sprintf("%s/%s round %d", ename, loc.name, i), "changes", errs, repo.CodeBusy, repo.CodeLostRace)

				// The loser is told another change won, not that its
				// passphrase was never right.
				if loser := errs[1-winner]; repo.CodeOf(loser) == repo.CodeLostRace && !strings.Contains(loser.Error(), "while this change waited") {
					t.Errorf("%s/%s round %d: the losing change was told %q", ename, loc.name, i, loser)
				}

				got, err := eng.Connect(context.Background(), s, secretsWith(news[winner]), repotest.LocalIn(t.TempDir()))
				if err != nil || got.UniqueID != created.UniqueID || got.Retention != created.Retention || !got.CorsoSettings {
					t.Fatalf("%s/%s round %d: the repository does not open as it was with the winner's passphrase: %v", ename, loc.name, i, err)
				}

				for _, refused := range []string{repotest.Passphrase, news[1-winner]} {
					_, err := eng.Connect(context.Background(), s, secretsWith(refused), repotest.LocalIn(t.TempDir()))
					repotest.RequireCode(t, err, repo.CodeWrongPassphrase)
				}
			}
		}
	}
}

// TestConcurrentMaintenanceLosesNothing: two complete maintenance runs of
// one repository at once, as its owner from two connections (two windows,
// or the app beside a scheduled run), in one process and in two engine
// helpers. Both may run (kopia's safety margins, not a lock, make that
// safe) or one may be refused with a sentence; either way every backup is
// still there afterwards, the repository opens, and a later run works.
func TestConcurrentMaintenanceLosesNothing(t *testing.T) {
	const backups = 12

	for ename, ops := range enginePairs(t) {
		for _, loc := range raceLocations(t) {
			for i := 0; i < max(raceRounds/3, 1); i++ {
				s := loc.next(t, 5000+i+len(ename)*100)
				locals := [2]repo.Local{repotest.LocalIn(t.TempDir()), repotest.LocalIn(t.TempDir())}
				ctx := context.Background()

				if _, err := eng.Initialize(ctx, s, repotest.RootSecrets(), locals[0]); err != nil {
					t.Fatal(err)
				}

				if err := repotest.WriteCorsoBackups(kopiaengine.WithS3Secrets(ctx, repotest.RootSecrets().S3), locals[0].ConfigFile, repotest.Passphrase, backups, time.Now().Add(-time.Hour)); err != nil {
					t.Fatal(err)
				}

				if _, err := eng.Connect(ctx, s, repotest.RootSecrets(), locals[1]); err != nil {
					t.Fatal(err)
				}

				// The first run claims ownership for this computer's identity,
				// which both connections run as.
				if _, err := eng.Maintain(ctx, locals[0], repotest.RootSecrets(), repo.MaintenanceRequest{Mode: repo.MaintenanceMetadata}); err != nil {
					t.Fatal(err)
				}

				before, err := eng.Contents(ctx, locals[0], repotest.RootSecrets())
				if err != nil || len(before.Backups) == 0 {
					t.Fatalf("before: %d backups, %v", len(before.Backups), err)
				}

				errs := [2]error{}
				complete := repo.MaintenanceRequest{Mode: repo.MaintenanceComplete}

				both(func() {
					_, errs[0] = ops[0].Maintain(ctx, locals[0], repotest.RootSecrets(), complete)
				}, func() {
					_, errs[1] = ops[1].Maintain(ctx, locals[1], repotest.RootSecrets(), complete)
				})

				for k, err := range errs {
					if err != nil && repo.CodeOf(err) == repo.CodeUnknown {
						t.Fatalf("%s/%s round %d: run %d failed without a sentence: %v", ename, loc.name, i, k, err)
					}
				}

				if errs[0] != nil && errs[1] != nil {
					t.Fatalf("%s/%s round %d: both runs failed: %v / %v", ename, loc.name, i, errs[0], errs[1])
				}

				after, err := eng.Contents(ctx, locals[1], repotest.RootSecrets())
				if err != nil || !slices.EqualFunc(after.Backups, before.Backups, func(a, b repo.Backup) bool { return a.ID == b.ID }) || after.AssistBackups != before.AssistBackups {
					t.Fatalf("%s/%s round %d: after two runs at once (%v): %d backups and %d assist backups, were %d and %d", ename, loc.name, i, err,
						len(after.Backups), after.AssistBackups, len(before.Backups), before.AssistBackups)
				}

				if _, err := eng.Maintain(ctx, locals[0], repotest.RootSecrets(), complete); err != nil {
					t.Fatalf("%s/%s round %d: a run after them: %v", ename, loc.name, i, err)
				}
			}
		}
	}
}

// TestConcurrentMaintenanceOfOneConnectionRunsOnce: two runs on one connection (a
// scheduled run and one started by hand, or two windows' helpers) never
// both report success: kopia itself would skip the second silently, so
// the loser is told it is busy, and the winner's run really ran.
func TestConcurrentMaintenanceOfOneConnectionRunsOnce(t *testing.T) {
	ctx := context.Background()
	s := repo.Filesystem{Path: filepath.Join(t.TempDir(), "once")}
	local := repotest.LocalIn(t.TempDir())

	if _, err := eng.Initialize(ctx, s, repotest.RootSecrets(), local); err != nil {
		t.Fatal(err)
	}

	for ename, ops := range enginePairs(t) {
		for i := 0; i < raceRounds; i++ {
			var (
				res  [2]*repo.MaintenanceResult
				errs [2]error
			)

			req := repo.MaintenanceRequest{Mode: repo.MaintenanceMetadata}

			both(func() {
				res[0], errs[0] = ops[0].Maintain(ctx, local, repotest.RootSecrets(), req)
			}, func() {
				res[1], errs[1] = ops[1].Maintain(ctx, local, repotest.RootSecrets(), req)
			})

			round := fmt.Sprintf("%s round %d", ename, i)

			if errs[0] == nil && errs[1] == nil {
				// Only if one finished before the other began.
				first, second := res[0], res[1]
				if second.Started.Before(first.Started) {
					first, second = second, first
				}

				if first.Started.Add(first.Took).After(second.Started) {
					t.Fatalf("%s: two overlapping runs both reported success", round)
				}

				continue
			}

			winner := oneWinner(t, round, "maintenance runs", errs, repo.CodeBusy)
			if len(res[winner].Tasks) == 0 {
				t.Fatalf("%s: the winner ran no task", round)
			}

			if !strings.Contains(errs[1-winner].Error(), "already running") {
				t.Fatalf("%s: the loser was told %q", round, errs[1-winner])
			}
		}
	}

	// Released: a later run works.
	if _, err := eng.Maintain(ctx, local, repotest.RootSecrets(), repo.MaintenanceRequest{Mode: repo.MaintenanceMetadata}); err != nil {
		t.Fatal(err)
	}
}
