package engineproto_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// maintenanceFixture makes, at prefix, a repository of Corso backups with
// item data and the leftovers of interrupted ones, as a scheduled run
// meets one, and returns its connection.
func maintenanceFixture(t *testing.T, m *repotest.MinIO, bucket, prefix string) (repo.S3Compatible, repo.Local) {
	t.Helper()

	ctx := context.Background()
	sec := repotest.RootSecrets()
	s := m.Settings(bucket, prefix)
	local := repotest.LocalIn(t.TempDir())

	if _, err := eng.Initialize(ctx, s, sec, local); err != nil {
		t.Fatal(err)
	}

	sctx := kopiaengine.WithS3Secrets(ctx, sec.S3)
	if _, err := repotest.WriteCorsoBackupsWithData(sctx, local.ConfigFile, sec.Passphrase, []string{"adele@contoso.com", "bruno@contoso.com"}, 4, 8<<10); err != nil {
		t.Fatal(err)
	}

	if err := repotest.WriteCorsoBackups(sctx, local.ConfigFile, sec.Passphrase, 12, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}

	if _, err := repotest.WriteCorsoLeftovers(sctx, local.ConfigFile, sec.Passphrase, time.Now().Add(-10*24*time.Hour)); err != nil {
		t.Fatal(err)
	}

	return s, local
}

// changing says whether a request changes the store.
func changing(r *http.Request) bool {
	return r.Method == http.MethodPut || r.Method == http.MethodDelete || r.Method == http.MethodPost
}

// TestKillScheduledMaintenanceAtEveryWrite kills the real engine helper
// (kill -9) right after each write or delete that complete maintenance (a
// scheduled run's heaviest) makes on MinIO, each time on a fresh
// repository. After each kill the backups a finished run keeps are all
// listed, a quick verification finds nothing missing, and the next run,
// as the same owner, finishes and reads back whole.
func TestKillScheduledMaintenanceAtEveryWrite(t *testing.T) {
	repotest.Helper(t) // builds the helper
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	sec := repotest.RootSecrets()
	ctx := context.Background()
	complete := repo.MaintenanceRequest{Mode: repo.MaintenanceComplete}

	// One whole run, counted through a proxy, and what it keeps.
	var changes atomic.Int32

	s, local := maintenanceFixture(t, m, bucket, "kill-maintenance-count")
	counted := s
	counted.Endpoint = m.FaultProxy(t, func(r *http.Request) repotest.Fault {
		if changing(r) {
			changes.Add(1)
		}

		return repotest.Forward
	})

	if _, err := eng.Connect(ctx, counted, sec, local); err != nil {
		t.Fatal(err)
	}

	if _, err := eng.Maintain(ctx, local, sec, complete); err != nil {
		t.Fatal(err)
	}

	kept, err := eng.Contents(ctx, local, sec)
	if err != nil {
		t.Fatal(err)
	}

	total := int(changes.Load())
	if total < 3 {
		t.Fatalf("complete maintenance made only %d changes: the proxy saw nothing", total)
	}

	for k := 1; k < total; k += killEvery() {
		point := fmt.Sprintf("after change %d of %d", k, total)
		s, local := maintenanceFixture(t, m, bucket, fmt.Sprintf("kill-maintenance-%d", k))

		e := repotest.Helper(t)
		e.Prepare(repo.Upcoming{})

		helper := e.Spare()
		if helper == nil {
			t.Fatal("no prepared helper to kill")
		}

		var seen atomic.Int32

		killed := s
		killed.Endpoint = m.FaultProxy(t, func(r *http.Request) repotest.Fault {
			if changing(r) && int(seen.Add(1)) > k {
				helper.Process.Kill() //nolint:errcheck // the point of the test

				return repotest.Cut
			}

			return repotest.Forward
		})

		killedLocal := repotest.LocalIn(t.TempDir())
		if _, err := eng.Connect(ctx, killed, sec, killedLocal); err != nil {
			t.Fatal(err)
		}

		if _, err := e.Maintain(ctx, killedLocal, sec, complete); err == nil {
			t.Fatalf("%s: the run survived the kill", point)
		}

		// What a finished run would drop (the leftovers) may be there or
		// gone; every backup it keeps is there.
		after, err := eng.Contents(ctx, local, sec)
		if err != nil {
			t.Fatalf("%s: %v", point, err)
		}

		for _, b := range kept.Backups {
			if !slices.ContainsFunc(after.Backups, func(a repo.Backup) bool { return a.ID == b.ID }) {
				t.Fatalf("%s: backup %s is gone", point, b.ID)
			}
		}

		res, err := eng.Verify(ctx, local, sec, repo.VerifyRequest{Mode: repo.VerifyQuick})
		if err != nil || len(res.Problems) != 0 {
			t.Fatalf("%s: quick verification: %+v %v", point, res, err)
		}

		if _, err := eng.Maintain(ctx, local, sec, complete); err != nil {
			t.Fatalf("%s: the next run: %v", point, err)
		}

		res, err = eng.Verify(ctx, local, sec, repo.VerifyRequest{Mode: repo.VerifyFull})
		if err != nil || len(res.Problems) != 0 || res.PacksRead == 0 {
			t.Fatalf("%s: full verification after the next run: %+v %v", point, res, err)
		}
	}
}
