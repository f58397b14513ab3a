package ui

// The switch that runs the app at login for its unattended care.

import (
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/platform/autostart"
)

// fakeAutostart stands in for the login item (platform/autostart's own
// tests write the real ones), to test the switch's logic.
type fakeAutostart struct {
	installed []string
	on        bool
}

func (f *fakeAutostart) Install(it autostart.Item) error {
	f.installed, f.on = append([]string{it.Program}, it.Args...), true
	return nil
}

func (f *fakeAutostart) Remove() error             { f.on = false; return nil }
func (f *fakeAutostart) Installed() (bool, string) { return f.on, "the test's login items" }

// TestBackgroundSwitch: the dialog says what runs in the background; its
// switch installs the login item with the flag the app starts hidden
// with, and says where it is kept; off, it removes it and says so.
func TestBackgroundSwitch(t *testing.T) {
	h := newHarness(t)
	fake := &fakeAutostart{}
	h.a.opts.Autostart = fake

	h.loop.onUI(h.a.showBackground)

	text := strings.Join(labelTexts(h.a.win.Canvas().Overlays().Top()), "\n")
	if !strings.Contains(text, "every 10 minutes") || !strings.Contains(text, "Does not start at login") {
		t.Fatalf("the dialog says:\n%s", text)
	}

	h.loop.onUI(func() { h.a.backgroundForm.SetChecked(true) })

	if !fake.on || len(fake.installed) != 2 || fake.installed[1] != "-"+BackgroundFlag {
		t.Fatalf("installed %q", fake.installed)
	}

	text = strings.Join(labelTexts(h.a.win.Canvas().Overlays().Top()), "\n")
	if !strings.Contains(text, "Starts at login, in the tray (kept in the test's login items)") {
		t.Fatalf("after switching on:\n%s", text)
	}

	h.loop.onUI(func() { h.a.backgroundForm.SetChecked(false) })

	if fake.on {
		t.Fatal("switching off left the login item")
	}
}
