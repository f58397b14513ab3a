package health

import (
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
)

var now = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func backupsAt(times ...time.Time) []repo.Backup {
	var bs []repo.Backup
	for _, t := range times {
		bs = append(bs, repo.Backup{ID: t.String(), Service: "exchange", ResourceID: "u1", Created: t, Status: "Completed", Type: "merge-backup"})
	}

	return bs
}

func hoursAgo(n int) time.Time { return now.Add(-time.Duration(n) * time.Hour) }

// TestDecideFollowsCorsosRecommendation: complete every week, metadata
// every 25 backups counted from the models, due once after a long sleep.
func TestDecideFollowsCorsosRecommendation(t *testing.T) {
	p := DefaultPlan()

	if p.MetadataEvery < 20 || p.MetadataEvery > 30 || p.CompleteEvery < 7*24*time.Hour || p.CompleteEvery > 14*24*time.Hour {
		t.Fatalf("the default plan %+v is not Corso's recommendation", p)
	}

	// Maintained a day ago, 10 backups since: nothing due; says what next.
	var bs []repo.Backup
	for i := range 10 {
		bs = append(bs, backupsAt(hoursAgo(i+1))...)
	}

	r := Record{Maintenance: repo.Maintenance{LastRun: hoursAgo(24), LastFull: hoursAgo(24)}, Created: hoursAgo(24 * 30), Backups: bs}

	d := Decide(p, r, now)
	if d.Due != "" || !strings.Contains(d.Next, "after 15 more backups") || !strings.Contains(d.Next, "complete maintenance in 6 days") {
		t.Fatalf("%+v", d)
	}

	// 25 backups since the last run: metadata is due.
	for i := range 15 {
		r.Backups = append(r.Backups, backupsAt(hoursAgo(i+1))...)
	}

	if d := Decide(p, r, now); d.Due != repo.MaintenanceMetadata || d.Overdue {
		t.Fatalf("after 25 backups: %+v", d)
	}

	// Asleep for three weeks: complete is due once, and overdue; the run's
	// record moves it on.
	later := now.Add(21 * 24 * time.Hour)
	if d := Decide(p, r, later); d.Due != repo.MaintenanceComplete || !d.Overdue {
		t.Fatalf("three weeks later: %+v", d)
	}

	r.Maintenance = repo.Maintenance{LastRun: later, LastFull: later}
	if d := Decide(p, r, later.Add(time.Minute)); d.Due != "" {
		t.Fatalf("just after the run: %+v", d)
	}

	// Never maintained: complete is due a week after creation.
	fresh := Record{Created: hoursAgo(8 * 24)}
	if d := Decide(p, fresh, now); d.Due != repo.MaintenanceComplete || !strings.Contains(d.Why, "never run") {
		t.Fatalf("never maintained: %+v", d)
	}
}

// TestFreshnessFlagsStaleAndFailed: per resource and service, the last
// complete backup; flagged when it is older than the threshold, missing,
// or the newest backup failed; assist backups do not count.
func TestFreshnessFlagsStaleAndFailed(t *testing.T) {
	b := func(service, id string, hours int, status, kind string) repo.Backup {
		return repo.Backup{ID: service + id + status, Service: service, ResourceID: id, ResourceName: id, Created: hoursAgo(hours), Status: status, Type: kind}
	}

	rs := Freshness([]repo.Backup{
		b("exchange", "fresh", 5, "Completed", "merge-backup"),
		b("exchange", "old", 60, "Completed", "merge-backup"),
		b("onedrive", "failing", 70, "Completed", "merge-backup"),
		b("onedrive", "failing", 3, "Failed", "merge-backup"),
		b("sharepoint", "never", 4, "Failed", "merge-backup"),
		b("groups", "assisted", 80, "Completed", "merge-backup"),
		b("groups", "assisted", 1, "Completed", "assist-backup"),
		b("chats", "quiet", 10, "No Data", "merge-backup"),
	}, DefaultStaleAfter, now)

	got := map[string]Resource{}
	for _, r := range rs {
		got[r.ID] = r
	}

	for id, want := range map[string][2]bool{
		"fresh": {false, false}, "old": {true, false}, "failing": {true, true}, "never": {true, true}, "assisted": {true, false}, "quiet": {false, false},
	} {
		if r := got[id]; r.Stale != want[0] || r.Failed != want[1] {
			t.Errorf("%s: stale %v failed %v, want %v", id, r.Stale, r.Failed, want)
		}
	}

	if !rs[0].Flagged() || rs[len(rs)-1].Flagged() {
		t.Errorf("flagged resources come first: %+v", rs)
	}
}
