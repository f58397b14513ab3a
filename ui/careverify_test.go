package ui

// Verification started from a repository's details.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// verify runs a verification from e's details: mode is the radio's label.
func (h *harness) verify(e library.Entry, mode string) {
	h.t.Helper()
	h.contentsRead(e)

	b := h.detailsButton("Verify…")
	if b == nil {
		h.t.Fatal("no Verify button in the details")
	}

	h.loop.onUI(func() { h.a.verifyForm = nil })
	h.tap(b)

	if h.a.verifyForm == nil {
		h.t.Fatal("no verification dialog")
	}

	h.loop.onUI(func() { h.a.verifyForm.SetSelected(mode) })
	h.tap(h.overlayButton("Verify"))
	h.idle()
}

// TestVerifyFromTheDetails, over both engines: a quick verification of a
// clean repository finds nothing; after a byte of one backup's item data
// is flipped, a full one names that backup, its resource and the part
// touched, and not the other backup; the last run is said in the details.
func TestVerifyFromTheDetails(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng repo.Engine) {
		h := newHarnessOver(t, eng)
		folder := filepath.Join(h.root, "verified")
		h.checkFolder(folder)
		e := h.createHere("Verified")

		written, err := repotest.WriteCorsoBackupsWithData(context.Background(), h.a.lib.Local(e.ID).ConfigFile, passphrase, []string{"adele@contoso.com", "bruno@contoso.com"}, 5, 8<<10)
		if err != nil {
			t.Fatal(err)
		}

		h.loop.onUI(func() { h.a.forgetContents(e.ID); h.a.showDetails() })
		h.verify(e, verifyQuickLabel)

		if !strings.Contains(h.a.lastInfo, "nothing is missing or damaged") || h.a.lastError != nil {
			t.Fatalf("a clean repository: %q (%v)", h.a.lastInfo, h.a.lastError)
		}

		var pack string

		for _, id := range written[0].ItemData {
			if strings.HasPrefix(string(id), "p") {
				pack = repotest.FolderBlob(t, folder, id)
			}
		}

		b, err := os.ReadFile(pack)
		if err != nil {
			t.Fatal(err)
		}

		b[len(b)/2] ^= 0x40

		if err := os.WriteFile(pack, b, 0o600); err != nil {
			t.Fatal(err)
		}

		h.verify(e, verifyFullLabel)

		for _, want := range []string{"1 problem found", "Touches the item data of the Exchange backup " + written[0].ID + " of adele@contoso.com", "take a new backup"} {
			if !strings.Contains(h.a.lastInfo, want) {
				t.Fatalf("the result does not say %q:\n%s", want, h.a.lastInfo)
			}
		}

		if strings.Contains(h.a.lastInfo, written[1].ID) {
			t.Fatalf("the result names the intact backup:\n%s", h.a.lastInfo)
		}

		if run := h.savedEntry(e.ID).CareOf().LastVerified; run == nil || run.OK || run.Problems != 1 || run.Mode != string(repo.VerifyFull) {
			t.Fatalf("recorded %+v", run)
		}

		h.contentsRead(e)

		if d := h.detailsText(); !strings.Contains(d, "Last full verification") || !strings.Contains(d, "1 problem found") {
			t.Fatalf("the details do not say the last verification:\n%s", d)
		}
	})
}
