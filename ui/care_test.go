package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/library"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// carePass runs one look at every repository, as the app's timer does,
// and the UI work it posts.
func (h *harness) carePass() {
	h.t.Helper()

	done := make(chan struct{})

	go func() {
		defer close(done)
		h.a.careNow(context.Background())
	}()

	h.loop.until(h.t, "the look at the repositories", func() bool {
		select {
		case <-done:
			return len(h.loop.q) == 0
		default:
			return false
		}
	})
}

// withBackups creates a folder repository named name with n Corso
// backups, the last one lastAgo before now.
func (h *harness) withBackups(name string, n int, lastAgo time.Duration) library.Entry {
	h.t.Helper()

	h.checkFolder(filepath.Join(h.root, name))
	e := h.createHere(name)

	if err := repotest.WriteCorsoBackups(context.Background(), h.a.lib.Local(e.ID).ConfigFile, passphrase, n, time.Now().Add(-lastAgo)); err != nil {
		h.t.Fatal(err)
	}

	return e
}

func (h *harness) savedEntry(id string) library.Entry {
	h.t.Helper()

	e, ok, err := h.a.lib.Get(context.Background(), id)
	if !ok || err != nil {
		h.t.Fatalf("%s is not saved: %v", id, err)
	}

	return e
}

// notified says whether a notification titled title was sent, and how
// many were sent in all.
func (h *harness) notified(title string) (bool, int) {
	sent := h.a.sentNotifications()

	for _, n := range sent {
		if n.Title == title {
			return true, len(sent)
		}
	}

	return false, len(sent)
}

// scheduleDialog opens e's schedule from its details: the switch and the
// three fields (metadata, complete, stale after).
func (h *harness) scheduleDialog(e library.Entry) (*widget.Check, []*keyEntry) {
	h.t.Helper()
	h.contentsRead(e)

	b := h.detailsButton("Schedule…")
	if b == nil {
		h.t.Fatal("no Schedule button in the details")
	}

	h.tap(b)

	var on *widget.Check

	var fields []*keyEntry

	h.loop.onUI(func() {
		top := h.a.win.Canvas().Overlays().Top()
		for _, o := range test.LaidOutObjects(top) {
			if c, ok := o.(*widget.Check); ok {
				on = c
			}
		}

		fields = keyEntries(top)
	})

	if on == nil || len(fields) != 3 {
		h.t.Fatalf("the schedule dialog has no switch or not three fields (%d)", len(fields))
	}

	return on, fields
}

// TestCareRunsWhatIsDueAndSaysWhatNeedsALook, over both engines: with the
// default schedule, a repository of 30 backups never maintained gets
// metadata maintenance by itself, as this computer's identity, recorded
// with the repository and said in its details; one whose schedule is
// turned off in its dialog is not maintained but notified as overdue;
// resources whose last complete backup is older than two days are flagged
// in the list, the tray, the details and a notification. A second look
// runs nothing again (a missed run is caught up once) and repeats no
// notification.
func TestCareRunsWhatIsDueAndSaysWhatNeedsALook(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng repo.Engine) {
		h := newHarnessOver(t, eng)
		ctx := context.Background()

		on := h.withBackups("Looked after", 30, 3*24*time.Hour)
		off := h.withBackups("Left alone", 30, time.Hour)

		// The schedule's dialog refuses a figure out of range and keeps
		// what was saved; a good one is saved.
		h.loop.onUI(func() { h.a.selectEntry(off.ID) })
		sw, fields := h.scheduleDialog(off)
		h.typeInto(fields[0], "0")
		h.loop.onUI(func() { h.a.scheduleForm.Submit() })

		if fields[0].Validate() == nil || h.savedEntry(off.ID).Care != nil {
			t.Fatal("a schedule of 0 backups was taken")
		}

		h.typeInto(fields[0], "10")
		h.loop.onUI(func() { sw.SetChecked(false); h.a.scheduleForm.Submit() })
		h.loop.until(t, "the schedule to be saved", func() bool { return h.savedEntry(off.ID).Care != nil })

		if p := h.savedEntry(off.ID).CareOf().Plan; p.Scheduled || p.MetadataEvery != 10 || p.CompleteEvery != 7*24*time.Hour {
			t.Fatalf("saved plan %+v", p)
		}

		h.carePass()

		// Scheduled: ran, as this computer's identity, and recorded.
		c, err := eng.Contents(ctx, h.a.lib.Local(on.ID), repo.Secrets{Passphrase: passphrase})
		if err != nil || c.Maintenance.LastRun.IsZero() || c.Maintenance.Owner != c.Maintenance.Identity {
			t.Fatalf("the scheduled repository was not maintained: %+v %v", c.Maintenance, err)
		}

		run := h.savedEntry(on.ID).CareOf().LastScheduled
		if run == nil || !run.OK || run.Mode != string(repo.MaintenanceMetadata) || !strings.Contains(run.Said, "Ran as "+c.Maintenance.Identity) {
			t.Fatalf("the run was not recorded: %+v", run)
		}

		// Off: not run, said overdue (30 backups, twice its 10).
		c, err = eng.Contents(ctx, h.a.lib.Local(off.ID), repo.Secrets{Passphrase: passphrase})
		if err != nil || !c.Maintenance.LastRun.IsZero() || h.savedEntry(off.ID).CareOf().LastScheduled != nil {
			t.Fatalf("a repository whose schedule is off was maintained: %+v %v", c.Maintenance, err)
		}

		if ok, _ := h.notified("Maintenance of Left alone is overdue"); !ok {
			t.Fatalf("no overdue notification: %v", titles(h.a.sentNotifications()))
		}

		// Stale backups: flagged in the list, the tray, the details and a
		// notification; the fresh repository's are not.
		if ok, _ := h.notified("Backups of adele@contoso.com need a look"); !ok {
			t.Fatalf("no notification of stale backups: %v", titles(h.a.sentNotifications()))
		}

		var line string

		var attention bool

		h.loop.onUI(func() { line, attention = h.a.careAttention(h.savedEntry(on.ID)) })

		if !attention || !strings.HasSuffix(line, "resources need a look") {
			t.Fatalf("the list says %q (attention %v)", line, attention)
		}

		h.loop.onUI(func() { line, attention = h.a.careAttention(h.savedEntry(off.ID)) })

		if !attention || !strings.HasPrefix(line, "metadata maintenance overdue") {
			t.Fatalf("the list says of the repository left alone %q (attention %v)", line, attention)
		}

		var tray []string

		h.loop.onUI(func() {
			for _, it := range h.a.trayMenu().Items {
				tray = append(tray, it.Label)
			}
		})

		if !containsPrefix(tray, "Looked after: ") || !containsPrefix(tray, "Left alone: metadata maintenance overdue") {
			t.Fatalf("tray menu %q", tray)
		}

		h.loop.onUI(func() { h.a.selectEntry(on.ID) })
		h.contentsRead(on)
		details := h.detailsText()

		for _, want := range []string{"adele@contoso.com (Exchange): its last complete backup is", "went well: Ran as", "Metadata maintenance every 25 backups"} {
			if !strings.Contains(details, want) {
				t.Fatalf("the details do not say %q:\n%s", want, details)
			}
		}

		// A second look: nothing due, nothing run, nothing notified again.
		_, before := h.notified("")
		h.carePass()

		if again := h.savedEntry(on.ID).CareOf().LastScheduled; !again.At.Equal(run.At) {
			t.Fatalf("maintenance ran again at %v (first %v)", again.At, run.At)
		}

		if _, after := h.notified(""); after != before {
			t.Fatalf("%d notifications repeated: %v", after-before, titles(h.a.sentNotifications()))
		}
	})
}

func titles(ns []*fyne.Notification) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Title)
	}

	return out
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}

	return false
}

// TestScheduledMaintenanceThatFailsIsNotified: on MinIO, a repository
// connected with keys that may read but not write is looked at, its
// maintenance is due and fails; the failure is notified with the
// engine's sentence, recorded, and said in the list and the tray; no S3
// XML or secret is in any of it.
func TestScheduledMaintenanceThatFailsIsNotified(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	s := m.Settings(bucket, "read-only")
	writer := repotest.LocalIn(repotest.TempDir(t))

	if _, err := inProcess.Initialize(ctx, s, repotest.RootSecrets(), writer); err != nil {
		t.Fatal(err)
	}

	if err := repotest.WriteCorsoBackups(kopiaengine.WithS3Secrets(ctx, repotest.RootSecrets().S3), writer.ConfigFile, repotest.Passphrase, 30, time.Now()); err != nil {
		t.Fatal(err)
	}

	const reader, readerSecret = "care-reader", "care-reader-secret$ !x"

	m.AddUser(t, reader, readerSecret, bucket, []string{"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:GetBucketObjectLockConfiguration"})

	s.Credentials.AccessKeyID = reader
	e := library.NewEntry("Read only", s)
	secrets := repo.Secrets{Passphrase: repotest.Passphrase, S3: repo.S3Secrets{SecretAccessKey: readerSecret}}

	if _, err := inProcess.Connect(ctx, s, secrets, h.a.lib.Local(e.ID)); err != nil {
		t.Fatal(err)
	}

	if err := h.a.lib.Save(ctx, e); err != nil {
		t.Fatal(err)
	}

	if _, err := h.a.lib.StoreSecrets(ctx, e, secrets); err != nil {
		t.Fatal(err)
	}

	h.loop.onUI(h.a.reload)
	h.carePass()

	run := h.savedEntry(e.ID).CareOf().LastScheduled
	if run == nil || run.OK || run.Said == "" {
		t.Fatalf("the failed run was not recorded: %+v", run)
	}

	var failed *fyne.Notification

	for _, n := range h.a.sentNotifications() {
		if n.Title == "Scheduled maintenance of Read only failed" {
			failed = n
		}
	}

	if failed == nil || failed.Content != run.Said {
		t.Fatalf("no failure notification with the run's sentence: %v", titles(h.a.sentNotifications()))
	}

	for _, bad := range []string{"<?xml", "<Error>", readerSecret, repotest.Passphrase} {
		if strings.Contains(failed.Content, bad) || strings.Contains(run.Said, bad) {
			t.Fatalf("the failure says %q: %s", bad, failed.Content)
		}
	}

	var line string

	h.loop.onUI(func() { line, _ = h.a.careAttention(h.savedEntry(e.ID)) })

	t.Logf("said: %s", run.Said)

	if !strings.HasPrefix(line, "scheduled maintenance failed") {
		t.Fatalf("the list says %q after a failed run", line)
	}
}

// TestNothingRunsBesideScheduledMaintenance: while a scheduled run holds
// a repository, the user's maintenance, passphrase change, Forget and
// verification are not started; the app says so and offers to stop the
// run, which stops it.
func TestNothingRunsBesideScheduledMaintenance(t *testing.T) {
	h := newHarness(t)
	h.checkFolder(filepath.Join(h.root, "busy"))
	e := h.createHere("Busy")
	h.contentsRead(e)

	stopped := false
	h.loop.onUI(func() {
		h.a.care[e.ID] = &careState{running: repo.MaintenanceComplete, stop: func() { stopped = true }}
		h.a.showDetails()
	})

	for _, action := range []string{"Maintenance…", "Verify…", "Forget…", "Change passphrase…"} {
		b := h.detailsButton(action)
		if b == nil {
			t.Fatalf("no %s button", action)
		}

		h.loop.onUI(func() {
			h.a.dialog = nil
			h.a.maintForm = nil
			h.a.verifyForm = nil
			h.a.forgetForm = nil
			h.a.changeForm = nil
		})
		h.tap(b)

		if h.a.maintForm != nil || h.a.verifyForm != nil || h.a.forgetForm != nil || h.a.changeForm != nil || h.a.busy != nil {
			t.Fatalf("%s started beside scheduled maintenance", action)
		}

		if h.overlayButton("Stop it") == nil {
			t.Fatalf("%s: no offer to stop the scheduled run", action)
		}
	}

	h.tap(h.overlayButton("Stop it"))

	if !stopped {
		t.Fatal("Stop it did not stop the scheduled run")
	}
}

// TestScheduledRunWaitsForTheUser: while an operation of the user's runs,
// a look finds maintenance due but leaves it for the next look; once the
// operation is over, the next look runs it.
func TestScheduledRunWaitsForTheUser(t *testing.T) {
	h := newHarness(t)
	e := h.withBackups("Waiting", 30, time.Hour)

	h.loop.onUI(func() { h.a.busy = &task{} })
	h.carePass()

	if run := h.savedEntry(e.ID).CareOf().LastScheduled; run != nil {
		t.Fatalf("a scheduled run started beside the user's operation: %+v", run)
	}

	var line string

	h.loop.onUI(func() { line = h.a.careLine(h.savedEntry(e.ID)) })

	if !strings.HasPrefix(line, "metadata maintenance due, runs by itself") {
		t.Fatalf("the list says %q", line)
	}

	h.loop.onUI(func() { h.a.busy = nil })
	h.carePass()

	if run := h.savedEntry(e.ID).CareOf().LastScheduled; run == nil || !run.OK {
		t.Fatalf("the next look did not run it: %+v", run)
	}
}

// TestScheduledRunRunsAsTheOwner: when another identity owns a
// repository's maintenance (a CLI elsewhere), the scheduled run runs as
// that identity, never taking ownership, and says so.
func TestScheduledRunRunsAsTheOwner(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()

	h.checkFolder(filepath.Join(h.root, "owned"))
	e := h.createHere("Owned elsewhere")
	secrets := repo.Secrets{Passphrase: passphrase}
	elsewhere := repotest.LocalIn(repotest.TempDir(t))

	if _, err := inProcess.Connect(ctx, e.Settings(), secrets, elsewhere); err != nil {
		t.Fatal(err)
	}

	if _, err := inProcess.Maintain(ctx, elsewhere, secrets, repo.MaintenanceRequest{Mode: repo.MaintenanceMetadata, User: "corso", Host: "backup-host", TakeOwnership: true}); err != nil {
		t.Fatal(err)
	}

	// The fixture's backups are an hour apart up to now: one of them is
	// newer than that run, which a schedule of every backup makes due.
	if err := repotest.WriteCorsoBackups(ctx, h.a.lib.Local(e.ID).ConfigFile, passphrase, 3, time.Now()); err != nil {
		t.Fatal(err)
	}

	if err := h.a.lib.UpdateCare(ctx, e.ID, func(c *library.Care) { c.Plan.MetadataEvery = 1 }); err != nil {
		t.Fatal(err)
	}

	h.loop.onUI(h.a.reload)
	h.carePass()

	run := h.savedEntry(e.ID).CareOf().LastScheduled
	if run == nil || !run.OK || !strings.Contains(run.Said, "Ran as corso@backup-host") {
		t.Fatalf("the scheduled run: %+v", run)
	}

	c, err := inProcess.Contents(ctx, h.a.lib.Local(e.ID), secrets)
	if err != nil || c.Maintenance.Owner != "corso@backup-host" || c.Maintenance.LastRun.IsZero() {
		t.Fatalf("after the run: %+v %v", c.Maintenance, err)
	}
}
