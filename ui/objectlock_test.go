package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// s3Form fills the S3-compatible form for bucket on m.
func (h *harness) s3Form(m *repotest.MinIO, bucket, prefix string) *addFlow {
	h.tap(h.a.addBtn)
	h.tap(h.a.flow.pickButtons[repo.KindS3Compatible])

	f := h.a.flow
	h.typeInto(f.endpoint, m.Endpoint)
	h.loop.onUI(func() { f.disableTLS.SetChecked(true) })
	h.typeInto(f.bucket, bucket)
	h.typeInto(f.prefix, prefix)
	h.loop.onUI(func() { f.credSource.SetSelected(credsKeys) })
	h.typeInto(f.accessKey, repotest.RootUser)
	h.typeInto(f.secretKey, repotest.RootPassword)

	return f
}

// TestCreateWithObjectLock, over both engines: the form's object lock
// (compliance warns, a lock under a day is refused at the field), the
// check's object-lock line, the repository created locked, and the
// details saying how it is protected. A bucket without object lock is
// refused by the check with a sentence, before anything is written.
func TestCreateWithObjectLock(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng repo.Engine) {
		m := repotest.Shared(t, repotest.Options{})
		h := newHarnessOver(t, eng)

		// A bucket without object lock first.
		plain := m.Bucket(t)
		f := h.s3Form(m, plain, "locked")
		h.loop.onUI(func() { f.lock.on.SetChecked(true) })
		h.tap(f.checkButton)
		h.idle()

		if f.report == nil || repo.CodeOf(f.report.Err) != repo.CodeNoObjectLock || !strings.Contains(f.report.Err.Error(), "does not have S3 Object Lock turned on") || !strings.Contains(f.report.Err.Error(), "MinIO among them") {
			t.Fatalf("a bucket without object lock: %+v", f.report)
		}

		if objects := m.Objects(t, plain); len(objects) != 0 {
			t.Fatalf("the refused check left %v", objects)
		}

		h.loop.onUI(func() { h.a.flow = nil; h.a.showMain() })

		bucket := m.LockedBucket(t)
		f = h.s3Form(m, bucket, "locked")
		h.loop.onUI(func() { f.lock.on.SetChecked(true); f.lock.mode.SetSelected(lockCompliance) })

		if f.lock.warning.Hidden || !strings.Contains(f.lock.warning.Text, "cannot be undone") {
			t.Fatalf("compliance mode without its warning: %q", f.lock.warning.Text)
		}

		h.loop.onUI(func() { f.lock.mode.SetSelected(lockGovernance) })
		h.typeInto(f.lock.days, "0")

		if !f.checkButton.Disabled() {
			t.Fatal("a lock of 0 days can be checked")
		}

		h.typeInto(f.lock.days, "2")
		h.tap(f.checkButton)
		h.idle()

		if f.report == nil || !f.report.OK() {
			t.Fatalf("check: %+v %v", f.report, h.a.lastError)
		}

		found := false
		for _, l := range f.report.Lines {
			found = found || l.Name == repo.LineObjectLock && l.Status == repo.StatusOK
		}

		if !found {
			t.Fatalf("no object-lock line: %+v", f.report.Lines)
		}

		e := h.createHere("Locked")

		h.loop.until(t, "the repository to open", func() bool { return h.a.infos[e.ID] != nil })
		h.contentsRead(e)

		if r := h.a.infos[e.ID].Retention; r != (repo.Retention{Mode: repo.RetentionGovernance, Period: 48 * time.Hour}) {
			t.Fatalf("retention %+v", r)
		}

		if got := h.a.objectLockText(e, h.a.infos[e.ID].Retention); got != "On: each blob is locked in governance mode for 2 days after it is written; maintenance extends the locks of blobs still in use." {
			t.Fatalf("details say %q", got)
		}

		if saved, _, _ := h.a.lib.Get(context.Background(), e.ID); saved.S3Compatible == nil || saved.S3Compatible.ObjectLock == nil {
			t.Fatal("the entry does not remember the lock it was created with")
		}
	})
}

// TestCreateTakesTheCheckStep: the add flow hands its check step's report
// to Create (repo.WithCheck), over both engines: the create makes no probe
// of its own, only its listing under the lock.
func TestCreateTakesTheCheckStep(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng repo.Engine) {
		m := repotest.Shared(t, repotest.Options{})
		endpoint, stats := m.LatencyProxy(t, 0)
		h := newHarnessOver(t, eng)

		f := h.s3Form(m, m.Bucket(t), "handed")
		h.typeInto(f.endpoint, endpoint)
		h.tap(f.checkButton)
		h.idle()

		if f.report == nil || !f.report.OK() {
			t.Fatalf("check: %+v %v", f.report, h.a.lastError)
		}

		stats.Reset()
		h.createHere("Handed")

		// A probe written would be a second check; its removal can be the
		// check step's clean-up, done after its answer.
		for _, r := range stats.Trace() {
			if r.Method == http.MethodPut && strings.Contains(r.Path, ".corso-desktop-probe") {
				t.Fatalf("the create checked again: %s %s", r.Method, r.Path)
			}
		}

		if len(stats.Trace()) == 0 {
			t.Fatal("the create went around the proxy")
		}
	})
}
