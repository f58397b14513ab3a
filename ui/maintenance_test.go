package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/dialog"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// contentsRead waits for e's contents (and who owns maintenance).
func (h *harness) contentsRead(e library.Entry) *repo.Contents {
	h.t.Helper()
	h.loop.until(h.t, "the contents to be read", func() bool { st := h.a.contents[e.ID]; return st != nil && !st.loading })

	st := h.a.contents[e.ID]
	if st.err != nil {
		h.t.Fatal(st.err)
	}

	return st.result
}

func (h *harness) openMaintenance(e library.Entry) *maintenanceForm {
	h.t.Helper()
	h.contentsRead(e)

	b := h.detailsButton("Maintenance…")
	if b == nil {
		h.t.Fatal("no Maintenance button in the details")
	}

	h.a.maintForm = nil
	h.tap(b)

	if h.a.maintForm == nil {
		h.t.Fatalf("no maintenance dialog; %q", h.a.lastInfo)
	}

	return h.a.maintForm
}

// TestMaintenanceFromTheDetails, over both engines: the first run claims
// ownership for the identity shown and says what it did; when another
// identity owns it, a run as this one is not offered until the user runs
// as the owner or takes ownership, which asks first and says what it
// means for the CLI's scheduled maintenance.
func TestMaintenanceFromTheDetails(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng repo.Engine) {
		h := newHarnessOver(t, eng)
		h.checkFolder(filepath.Join(h.root, "maintained"))
		e := h.createHere("Maintained")

		c := h.contentsRead(e)
		me := c.Maintenance.Identity

		if got := maintenanceText(c.Maintenance, c.Maintenance.LastRun); !strings.HasPrefix(got, "Never run") || !strings.Contains(got, me) {
			t.Fatalf("before any run: %q", got)
		}

		f := h.openMaintenance(e)
		if f.identity() != me || !strings.Contains(f.ownerLine.Text, "Nobody owns") || f.run.Disabled() {
			t.Fatalf("first run offered as %q: %q", f.identity(), f.ownerLine.Text)
		}

		h.tap(f.run)
		h.idle()

		for _, want := range []string{"Metadata maintenance finished", me + " now owns", "kopia ran: "} {
			if !strings.Contains(h.a.lastInfo, want) {
				t.Fatalf("the result does not say %q:\n%s (error %v)", want, h.a.lastInfo, h.a.lastError)
			}
		}

		if got := h.contentsRead(e).Maintenance; got.Owner != me || got.LastRun.IsZero() {
			t.Fatalf("after the run: %+v", got)
		}

		// Another identity takes it, as a CLI elsewhere with --force would.
		secrets, _ := h.a.lib.Secrets(context.Background(), e)
		elsewhere := repotest.LocalIn(repotest.TempDir(t))

		if _, err := eng.Connect(context.Background(), e.Settings(), secrets, elsewhere); err != nil {
			t.Fatal(err)
		}

		if _, err := eng.Maintain(context.Background(), elsewhere, secrets, repo.MaintenanceRequest{Mode: repo.MaintenanceMetadata, User: "corso", Host: "backup-host", TakeOwnership: true}); err != nil {
			t.Fatal(err)
		}

		h.loop.onUI(func() { h.a.forgetContents(e.ID); h.a.showDetails() })

		f = h.openMaintenance(e)
		h.loop.onUI(func() { f.user.SetText(strings.Split(me, "@")[0]); f.host.SetText(strings.Split(me, "@")[1]) })

		if !f.run.Disabled() || !strings.Contains(f.ownerLine.Text, "corso@backup-host owns") {
			t.Fatalf("a run another identity owns is offered: %q", f.ownerLine.Text)
		}

		h.loop.onUI(func() { f.take.SetChecked(true) })

		if f.run.Disabled() {
			t.Fatal("taking ownership is not offered")
		}

		h.tap(f.run)

		d, ok := h.a.dialog.(*dialog.ConfirmDialog)
		if !ok || !strings.Contains(h.a.lastInfo, "--force") || !strings.Contains(h.a.lastInfo, "backup-host") {
			t.Fatalf("no confirmation that says what taking over means: %q", h.a.lastInfo)
		}

		h.loop.onUI(func() { d.Confirm() })
		h.idle()

		if !strings.Contains(h.a.lastInfo, me+" now owns") {
			t.Fatalf("after taking over: %q (error %v)", h.a.lastInfo, h.a.lastError)
		}

		// Run as the owner: the button fills the identity in.
		if _, err := eng.Maintain(context.Background(), elsewhere, secrets, repo.MaintenanceRequest{Mode: repo.MaintenanceMetadata, User: "corso", Host: "backup-host", TakeOwnership: true}); err != nil {
			t.Fatal(err)
		}

		h.loop.onUI(func() { h.a.forgetContents(e.ID); h.a.showDetails() })
		f = h.openMaintenance(e)

		asOwner := f.asOwner
		if asOwner == nil || asOwner.Text != "Run as corso@backup-host" {
			t.Fatal("no Run as the owner button")
		}

		h.tap(asOwner)
		h.loop.onUI(func() { f.mode.SetSelected(modeCompleteLabel) })
		h.tap(f.run)
		h.idle()

		if !strings.Contains(h.a.lastInfo, "Complete maintenance finished") || strings.Contains(h.a.lastInfo, "now owns") {
			t.Fatalf("run as the owner: %q (error %v)", h.a.lastInfo, h.a.lastError)
		}

		if got, _, _ := h.a.lib.Get(context.Background(), e.ID); got.MaintenanceUser != "corso" || got.MaintenanceHost != "backup-host" {
			t.Fatalf("the identity used was not kept with the entry: %+v", got)
		}

		// Corso's settings checks are shown, not only logged.
		repotest.TakeSettingsAway(t, e.Settings())
		h.loop.onUI(func() { h.a.forgetContents(e.ID); h.a.showDetails() })
		f = h.openMaintenance(e)

		if f.identity() != "corso@backup-host" || f.run.Disabled() {
			t.Fatalf("the saved identity is not offered: %q", f.identity())
		}

		h.tap(f.run)
		h.idle()

		if !strings.Contains(h.a.lastInfo, "Corso's settings checks found: no global policy") || !strings.Contains(h.a.lastInfo, "only writes these to its log") {
			t.Fatalf("the alerts are not shown: %q", h.a.lastInfo)
		}

		if strings.Contains(h.a.lastInfo, "snapshot-gc") {
			t.Fatalf("a metadata run lists a task of the complete run before it: %q", h.a.lastInfo)
		}
	})
}

// TestMaintenanceTextWithoutAnIdentity: where the engine could not say who
// this connection runs as, the line names nobody rather than "( on this
// computer)".
func TestMaintenanceTextWithoutAnIdentity(t *testing.T) {
	now := time.Now()

	for _, c := range []struct {
		m    repo.Maintenance
		want string
	}{
		{repo.Maintenance{}, "Never run. The first run makes the identity it runs as the owner."},
		{repo.Maintenance{Identity: "anna@laptop"}, "Never run. The first run makes the identity it runs as (anna@laptop on this computer) the owner."},
	} {
		if got := maintenanceText(c.m, now); got != c.want {
			t.Errorf("%+v: %q, want %q", c.m, got, c.want)
		}
	}
}
