package library_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/health"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// A record of a scheduled run, written while the UI saves an entry it
// read before the run (a rename, a remembered state), is never lost; nor is
// a schedule saved while runs are recorded.
func TestCareIsNeverWrittenOverByAStaleEntry(t *testing.T) {
	ctx := context.Background()
	lib := open(t, testDirs(t), keychain.NewMemory())

	e := library.NewEntry("Tenant", repo.Filesystem{Path: "/srv/backups"})
	if err := lib.Save(ctx, e); err != nil {
		t.Fatal(err)
	}

	if c := e.CareOf(); c.Plan != health.DefaultPlan() || c.LastScheduled != nil {
		t.Fatalf("new entry's care = %+v", c)
	}

	stale, _, _ := lib.Get(ctx, e.ID)

	run := library.CareRun{At: time.Now().UTC().Truncate(time.Second), Mode: "metadata", OK: true, Said: "Ran."}
	if err := lib.UpdateCare(ctx, e.ID, func(c *library.Care) { c.LastScheduled = &run }); err != nil {
		t.Fatal(err)
	}

	stale.Name = "Renamed"
	if err := lib.Save(ctx, stale); err != nil {
		t.Fatal(err)
	}

	got, _, _ := lib.Get(ctx, e.ID)
	if got.Name != "Renamed" || got.Care == nil || got.Care.LastScheduled == nil || !got.Care.LastScheduled.At.Equal(run.At) {
		t.Fatalf("after a stale save: name %q, care %+v", got.Name, got.Care)
	}

	// Plans and runs recorded concurrently all land.
	var wg sync.WaitGroup

	for i := 0; i < 20; i++ {
		wg.Add(2)

		go func(i int) {
			defer wg.Done()

			if err := lib.UpdateCare(ctx, e.ID, func(c *library.Care) { c.Plan.MetadataEvery = 100 + i }); err != nil {
				t.Error(err)
			}
		}(i)

		go func(i int) {
			defer wg.Done()

			r := library.CareRun{Mode: "full", Problems: i}
			if err := lib.UpdateCare(ctx, e.ID, func(c *library.Care) { c.LastVerified = &r }); err != nil {
				t.Error(err)
			}
		}(i)
	}

	wg.Wait()

	got, _, _ = lib.Get(ctx, e.ID)
	if c := got.CareOf(); c.Plan.MetadataEvery < 100 || c.LastVerified == nil || c.LastScheduled == nil {
		t.Fatalf("concurrent care updates lost something: %+v", c)
	}

	if err := lib.UpdateCare(ctx, "no-such-id", func(*library.Care) {}); !errors.Is(err, library.ErrGone) {
		t.Fatalf("UpdateCare of a forgotten repository = %v, want ErrGone", err)
	}
}
