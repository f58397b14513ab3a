package engineproto_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/manifest"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// kopiaIdentity is who a fresh connection runs as: kopia's defaults, which
// are the Corso CLI's on this machine.
func kopiaIdentity(t *testing.T, local repo.Local) string {
	t.Helper()

	lc, err := kopiarepo.LoadConfigFromFile(local.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}

	return lc.ClientOptions.UsernameAtHost()
}

func taskNames(r *repo.MaintenanceResult) []string {
	var names []string
	for _, task := range r.Tasks {
		names = append(names, task.Task)
	}

	return names
}

// requireMaintenance runs Corso's maintenance both ways over one
// repository holding Corso backups and a file of the user's: ownership
// claimed by the first run, refused to another identity, taken over with
// TakeOwnership, run as the owner's identity; Corso's settings alerts
// shown; the user's file untouched and the repository opening after each.
func requireMaintenance(t *testing.T, e repo.Engine, s repo.Settings, sec repo.Secrets, userFile func() string) {
	ctx := context.Background()
	mine, theirs := repotest.LocalIn(t.TempDir()), repotest.LocalIn(t.TempDir())

	if _, err := e.Initialize(ctx, s, sec, mine); err != nil {
		t.Fatal(err)
	}

	if err := repotest.WriteCorsoBackups(kopiaengine.WithS3Secrets(ctx, sec.S3), mine.ConfigFile, sec.Passphrase, 12, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}

	if _, err := e.Connect(ctx, s, sec, theirs); err != nil {
		t.Fatal(err)
	}

	before := userFile()
	me := kopiaIdentity(t, mine)

	c, err := e.Contents(ctx, mine, sec)
	if err != nil || c.Maintenance.Owner != "" || c.Maintenance.Identity != me || !c.Maintenance.LastRun.IsZero() {
		t.Fatalf("maintenance before any run: %+v %v", c.Maintenance, err)
	}

	var steps []repo.Step

	res, err := e.Maintain(repo.WithProgress(ctx, func(s repo.Step) { steps = append(steps, s) }), mine, sec, repo.MaintenanceRequest{Mode: repo.MaintenanceMetadata})
	if err != nil {
		t.Fatal(err)
	}

	if !res.TookOwnership || res.Owner != me || len(res.Tasks) == 0 || res.Before.Blobs == 0 || res.After.Blobs == 0 || len(res.Alerts) != 0 {
		t.Fatalf("first run: %+v", res)
	}

	if !slices.Contains(steps, repo.StepMaintCheck) || !slices.Contains(steps, repo.StepMaintQuick) || slices.Contains(steps, repo.StepMaintFull) {
		t.Fatalf("progress of a metadata run: %v", steps)
	}

	// Another identity is refused, and told who owns it.
	other := repo.MaintenanceRequest{Mode: repo.MaintenanceMetadata, User: "someone", Host: "elsewhere"}

	_, err = e.Maintain(ctx, theirs, sec, other)
	repotest.RequireCode(t, err, repo.CodeNotOwner)

	if re := (*repo.Error)(nil); !errorsAs(err, &re) || re.Location != me || !strings.Contains(err.Error(), me) {
		t.Fatalf("the refusal does not name the owner %s: %v", me, err)
	}

	// Taking over, in complete mode.
	other.Mode, other.TakeOwnership = repo.MaintenanceComplete, true

	res, err = e.Maintain(ctx, theirs, sec, other)
	if err != nil {
		t.Fatal(err)
	}

	if !res.TookOwnership || res.Owner != "someone@elsewhere" || !slices.Contains(taskNames(res), "snapshot-gc") || res.OrphansDeleted != 0 {
		t.Fatalf("taking over: %+v", res)
	}

	// The first identity is refused now; run as the owner, it works.
	_, err = e.Maintain(ctx, mine, sec, repo.MaintenanceRequest{Mode: repo.MaintenanceMetadata})
	repotest.RequireCode(t, err, repo.CodeNotOwner)

	res, err = e.Maintain(ctx, mine, sec, repo.MaintenanceRequest{Mode: repo.MaintenanceComplete, User: "someone", Host: "elsewhere"})
	if err != nil || res.TookOwnership || res.Owner != "someone@elsewhere" {
		t.Fatalf("run as the owner: %+v %v", res, err)
	}

	if c, err := e.Contents(ctx, mine, sec); err != nil || c.Maintenance.Owner != "someone@elsewhere" || c.Maintenance.LastFull.IsZero() || len(c.Backups) == 0 {
		t.Fatalf("after maintenance: %+v %v", c, err)
	}

	// Corso's settings checks are shown, not only logged.
	repotest.TakeSettingsAway(t, s)

	res, err = e.Maintain(ctx, mine, sec, repo.MaintenanceRequest{Mode: repo.MaintenanceMetadata})
	if err != nil || len(res.Alerts) == 0 || !strings.Contains(strings.Join(res.Alerts, "; "), "compression") {
		t.Fatalf("alerts: %+v %v", res, err)
	}

	// Cancel during kopia's full maintenance: the repository still opens,
	// and a second full run completes.
	cctx, cancel := context.WithCancel(ctx)
	_, err = e.Maintain(repo.WithProgress(cctx, func(s repo.Step) {
		if s == repo.StepMaintFull {
			time.AfterFunc(20*time.Millisecond, cancel)
		}
	}), mine, sec, repo.MaintenanceRequest{Mode: repo.MaintenanceComplete})
	cancel()

	if err != nil && repo.CodeOf(err) != repo.CodeCanceled {
		t.Fatalf("a cancelled run: %v", err)
	}

	if _, err := e.Reopen(ctx, mine, sec); err != nil {
		t.Fatalf("after a cancelled run: %v", err)
	}

	if _, err := e.Maintain(ctx, mine, sec, repo.MaintenanceRequest{Mode: repo.MaintenanceComplete}); err != nil {
		t.Fatalf("a full run after the cancelled one: %v", err)
	}

	if after := userFile(); after != before {
		t.Fatalf("maintenance touched the user's file: %q, was %q", after, before)
	}
}

// TestMaintenanceOnAFolder, over both engines.
func TestMaintenanceOnAFolder(t *testing.T) {
	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			folder := repo.Filesystem{Path: filepath.Join(t.TempDir(), "repo")}
			notes := filepath.Join(folder.Path, "notes.txt")

			requireMaintenance(t, e, folder, repo.Secrets{Passphrase: repotest.Passphrase}, func() string {
				if _, err := os.Stat(folder.Path); err != nil {
					return ""
				}

				if _, err := os.Stat(notes); os.IsNotExist(err) {
					os.WriteFile(notes, []byte("the user's own notes"), 0o600) //nolint:errcheck
				}

				b, _ := os.ReadFile(notes)

				return string(b)
			})
		})
	}
}

// TestMaintenanceOnMinIO, over both engines.
func TestMaintenanceOnMinIO(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)

	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			s := m.Settings(bucket, "maintained-"+name)
			key := s.Prefix + "/notes.txt"

			requireMaintenance(t, e, s, repotest.RootSecrets(), func() string {
				if !hasObject(m.Objects(t, bucket), key) {
					m.Put(t, bucket, key, "the user's own notes")
				}

				for _, o := range m.Objects(t, bucket) {
					if strings.HasPrefix(o, key+" ") {
						return o
					}
				}

				return ""
			})
		})
	}
}

func errorsAs(err error, target **repo.Error) bool { return errors.As(err, target) }

// manifestsThere says which of ids the repository still holds.
func manifestsThere(t *testing.T, local repo.Local, pass string, ids []manifest.ID) (there, gone []manifest.ID) {
	t.Helper()

	ctx := context.Background()

	r, err := kopiarepo.Open(ctx, local.ConfigFile, pass, &kopiarepo.Options{DisableRepositoryLog: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(ctx) //nolint:errcheck

	for _, id := range ids {
		if _, err := r.GetManifest(ctx, id, nil); errors.Is(err, manifest.ErrNotFound) {
			gone = append(gone, id)
		} else if err != nil {
			t.Fatal(err)
		} else {
			there = append(there, id)
		}
	}

	return there, gone
}

// TestCompleteMaintenanceCleansUpLikeCorso, over both engines: complete
// maintenance removes exactly what Corso's clean-up removes of what failed
// and superseded backups left more than 7 days ago, keeps complete
// backups and the newest assist backup of a reason, and keeps everything
// younger than 7 days; metadata maintenance removes nothing.
func TestCompleteMaintenanceCleansUpLikeCorso(t *testing.T) {
	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			sec := repo.Secrets{Passphrase: repotest.Passphrase}
			local := repotest.LocalIn(t.TempDir())

			if _, err := e.Initialize(ctx, repo.Filesystem{Path: filepath.Join(t.TempDir(), "repo")}, sec, local); err != nil {
				t.Fatal(err)
			}

			// Corso's buffer is 7 days: what failed backups left 8 and 10
			// days ago goes, 6 days ago and an hour ago stays.
			leftovers := func(age time.Duration) *repotest.CorsoLeftovers {
				l, err := repotest.WriteCorsoLeftovers(ctx, local.ConfigFile, sec.Passphrase, time.Now().Add(-age))
				if err != nil {
					t.Fatal(err)
				}

				return l
			}

			old, eightDays, sixDays, young := leftovers(10*24*time.Hour), leftovers(8*24*time.Hour), leftovers(6*24*time.Hour), leftovers(time.Hour)
			all := slices.Concat(old.Removed, old.Kept, eightDays.Removed, eightDays.Kept, sixDays.Removed, sixDays.Kept, young.Removed, young.Kept)

			// Complete maintenance by an identity that does not own it is
			// refused before Corso's clean-up removes anything.
			if _, err := e.Maintain(ctx, local, sec, repo.MaintenanceRequest{Mode: repo.MaintenanceMetadata, User: "owner", Host: "here"}); err != nil {
				t.Fatal(err)
			}

			_, err := e.Maintain(ctx, local, sec, repo.MaintenanceRequest{Mode: repo.MaintenanceComplete, User: "someone", Host: "else"})
			repotest.RequireCode(t, err, repo.CodeNotOwner)

			if _, gone := manifestsThere(t, local, sec.Passphrase, all); len(gone) != 0 {
				t.Fatalf("a refused complete run removed %v", gone)
			}

			res, err := e.Maintain(ctx, local, sec, repo.MaintenanceRequest{Mode: repo.MaintenanceMetadata, User: "owner", Host: "here"})
			if err != nil || res.OrphansDeleted != 0 {
				t.Fatalf("metadata maintenance: %+v %v", res, err)
			}

			if _, gone := manifestsThere(t, local, sec.Passphrase, all); len(gone) != 0 {
				t.Fatalf("metadata maintenance removed %v", gone)
			}

			var steps []repo.Step

			res, err = e.Maintain(repo.WithProgress(ctx, func(s repo.Step) { steps = append(steps, s) }), local, sec, repo.MaintenanceRequest{Mode: repo.MaintenanceComplete, User: "owner", Host: "here"})
			if err != nil || len(res.Alerts) != 0 || !slices.Contains(steps, repo.StepMaintOrphans) {
				t.Fatalf("complete maintenance: %+v %v, steps %v", res, err, steps)
			}

			// The 10-day set's newest assist backup is superseded by the
			// 8-day set's, also past the buffer.
			removed := slices.Concat(old.Removed, old.NewestAssist, eightDays.Removed)
			oldKept := slices.DeleteFunc(slices.Clone(old.Kept), func(id manifest.ID) bool { return slices.Contains(old.NewestAssist, id) })
			if res.OrphansDeleted != len(removed) {
				t.Errorf("removed %d records, want %d", res.OrphansDeleted, len(removed))
			}

			if there, _ := manifestsThere(t, local, sec.Passphrase, removed); len(there) != 0 {
				t.Errorf("left what Corso removes: %v", there)
			}

			if _, gone := manifestsThere(t, local, sec.Passphrase, slices.Concat(oldKept, eightDays.Kept, sixDays.Removed, sixDays.Kept, young.Removed, young.Kept)); len(gone) != 0 {
				t.Errorf("removed what Corso keeps: %v", gone)
			}
		})
	}
}
