package ui

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/platform/keychain/keychaintest"
	"github.com/corsodesktop/corso-desktop/repo/library"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// createRemembering walks the add flow for a new folder repository with
// "Remember" set as asked.
func (h *harness) createRemembering(name string, remember bool) library.Entry {
	h.t.Helper()

	h.checkFolder(filepath.Join(h.root, name))

	f := h.a.flow
	h.tap(f.primary)
	h.typeInto(f.name, name)
	h.typeInto(f.pass, passphrase)
	h.typeInto(f.confirm, passphrase)
	h.loop.onUI(func() { f.remember.SetChecked(remember) })
	h.tap(f.submitButton)
	h.idle()

	e, ok := h.a.entry(h.a.selected)
	if !ok || e.Name != name {
		h.t.Fatalf("not created: %v", h.a.lastError)
	}

	return e
}

// secretsLine is what the details say about e's secrets once looked up.
func (h *harness) secretsLine(e library.Entry) string {
	h.t.Helper()

	delete(h.a.located, e.ID)
	h.loop.onUI(func() { h.a.selectEntry(e.ID) })
	h.loop.until(h.t, "the secrets to be located", func() bool { _, ok := h.a.located[e.ID]; return ok && !h.a.opening[e.ID] })

	return h.a.secretsText(e)
}

// detailsSayWhereSecretsAre creates a repository with "Remember" on and one
// with it off on keychain kc, and holds the details' sentence to where the
// secrets really are, then again after a restart.
func detailsSayWhereSecretsAre(t *testing.T, kc keychain.Keychain, works bool) {
	root := repotest.TempDir(t)
	h := newHarnessOn(t, root, platform.Dirs{Config: filepath.Join(root, "config"), Cache: filepath.Join(root, "cache")}, kc, inProcess)
	store := keychain.StoreName(runtime.GOOS)

	on := h.createRemembering("remembered", true)
	off := h.createRemembering("not-remembered", false)

	want := map[string]string{on.ID: "Passphrase in " + store + ".", off.ID: "Passphrase kept in memory until Corso Desktop quits."}
	if !works {
		want[on.ID] = "Passphrase kept in memory until Corso Desktop quits. The keychain could not be asked:"
	}

	for _, e := range []library.Entry{on, off} {
		if got := h.secretsLine(e); !strings.HasPrefix(got, want[e.ID]) {
			t.Errorf("%s, right after creating: %q, want %q", e.Name, got, want[e.ID])
		}
	}

	r := newHarnessOn(t, h.root, h.dirs, kc, inProcess)
	want[off.ID] = "Passphrase not stored: asked for when the repository is opened."
	want[on.ID] = "Passphrase in " + store + "."

	if !works {
		want[on.ID] = "Passphrase not stored: asked for when the repository is opened. The keychain could not be asked:"
	}

	for _, e := range []library.Entry{on, off} {
		if got := r.secretsLine(e); !strings.HasPrefix(got, want[e.ID]) {
			t.Errorf("%s, after a restart: %q, want %q", e.Name, got, want[e.ID])
		}
	}

	// The remembered one opened without asking; the other waits for its
	// passphrase.
	if works && (r.a.infos[on.ID] == nil || r.a.infos[off.ID] != nil || r.a.dialog != nil) {
		t.Errorf("after a restart: remembered opened %v, not remembered opened %v, dialog %v (error %v)",
			r.a.infos[on.ID] != nil, r.a.infos[off.ID] != nil, r.a.dialog != nil, r.a.lastError)
	}
}

func TestDetailsSayWhereSecretsAreInTheSystemKeychain(t *testing.T) {
	detailsSayWhereSecretsAre(t, keychaintest.Require(t), true)
}

func TestDetailsSayWhereSecretsAreWithoutAKeychain(t *testing.T) {
	if !keychaintest.Isolated(t) {
		return
	}

	keychaintest.NewBus(t).Use(t)
	detailsSayWhereSecretsAre(t, keychain.System{}, false)
}

func TestDetailsSayWhereSecretsAreWithALockedKeychain(t *testing.T) {
	if !keychaintest.Isolated(t) {
		return
	}

	b := keychaintest.NewBus(t)
	b.StartKeyring(t)
	b.Lock(t)
	b.Use(t)
	detailsSayWhereSecretsAre(t, keychain.System{}, false)
}
