package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
)

// TestConnectingTwiceAddsNoDuplicate: check → connect on a location that is
// already in the list selects that entry and says so.
func TestConnectingTwiceAddsNoDuplicate(t *testing.T) {
	h := newHarness(t)
	folder := filepath.Join(h.root, "existing")

	if _, err := repo.Initialize(context.Background(), repo.Filesystem{Path: folder}, repo.Secrets{Passphrase: passphrase},
		repo.Local{ConfigFile: filepath.Join(h.root, "cli", "c.config")}); err != nil {
		t.Fatal(err)
	}

	connect := func() {
		h.checkFolder(folder + "/") // typed a little differently: the same folder
		f := h.a.flow
		h.tap(f.primary)
		h.typeInto(f.pass, passphrase)
		h.tap(f.submitButton)
		h.idle()
	}

	connect()

	first := h.a.selected
	if len(h.a.entries) != 1 {
		t.Fatalf("%d entries after the first connect", len(h.a.entries))
	}

	connect()

	if len(h.a.entries) != 1 || h.a.selected != first {
		t.Fatalf("a second entry for the same repository: %d entries", len(h.a.entries))
	}

	if !strings.Contains(h.a.lastInfo, "already saved") || h.a.lastError != nil {
		t.Fatalf("no word that it was already there: %q (error %v)", h.a.lastInfo, h.a.lastError)
	}
}
