package ui

import (
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// loop stands in for Fyne's event loop: everything the app posts from its
// goroutines runs here, on the test goroutine, and the loop records the
// longest time the "UI goroutine" was held by one piece of work.
type loop struct {
	q       chan func()
	longest time.Duration
}

func newLoop() *loop { return &loop{q: make(chan func(), 1024)} }

func (l *loop) post(f func()) { l.q <- f }

// onUI runs f as the event loop would and records how long it took.
func (l *loop) onUI(f func()) {
	start := time.Now()
	f()

	if d := time.Since(start); d > l.longest {
		l.longest = d
	}
}

// until runs posted work until cond holds.
func (l *loop) until(t testing.TB, what string, cond func() bool) {
	t.Helper()

	deadline := time.After(2 * time.Minute)

	for !cond() {
		select {
		case f := <-l.q:
			l.onUI(f)
		case <-time.After(5 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

type harness struct {
	t    testing.TB
	eng  repo.Engine
	a    *App
	loop *loop
	dirs platform.Dirs
	kc   keychain.Keychain
	root string
}

// inProcess is the engine of most UI tests; the flows that matter most
// also run over the real helper (forEachEngine).
var inProcess = kopiaengine.New()

func newHarness(t testing.TB) *harness { return newHarnessOver(t, inProcess) }

// newHarnessOver starts the app with eng on new folders and keychain.
func newHarnessOver(t testing.TB, eng repo.Engine) *harness {
	root := repotest.TempDir(t)
	dirs := platform.Dirs{Config: filepath.Join(root, "config"), Cache: filepath.Join(root, "cache")}

	return newHarnessOn(t, root, dirs, keychain.NewMemory(), eng)
}

// newHarnessOn starts the app on existing folders and keychain: a restart.
func newHarnessOn(t testing.TB, root string, dirs platform.Dirs, kc keychain.Keychain, eng repo.Engine) *harness {
	h := &harness{t: t, eng: eng, loop: newLoop(), dirs: dirs, kc: kc, root: root}
	fa := test.NewTempApp(t)
	h.a = New(fa, Options{Engine: eng, Dirs: dirs, Keychain: kc, CorsoConfigPath: filepath.Join(root, "home", ".corso.toml"), Post: h.loop.post,
		Care: CareOptions{Off: true}})
	h.a.win.Resize(fyne.NewSize(900, 600))

	// A read of contents the details started in the background is stopped
	// and waited for before the test's folders go: on Windows a file the
	// engine still has open cannot be removed.
	t.Cleanup(func() {
		h.loop.onUI(func() {
			for _, st := range h.a.contents {
				if st.loading && st.cancel != nil {
					st.cancel()
				}
			}
		})
		h.loop.until(t, "background reads to end", func() bool {
			for _, st := range h.a.contents {
				if st.loading {
					return false
				}
			}

			return true
		})
	})

	return h
}

// tap taps b on the "UI goroutine". A new passphrase's submit waits, as
// the button does, for the passphrase to be rated.
func (h *harness) tap(b *widget.Button) {
	h.t.Helper()

	if f := h.a.flow; f != nil && b == f.submitButton && f.newRepo {
		h.loop.until(h.t, "the passphrase to be rated", f.ratingDone)
	}

	if b.Disabled() {
		h.t.Fatalf("button %q is disabled", b.Text)
	}

	h.loop.onUI(func() { test.Tap(b) })
}

// typeInto replaces e's text by typing, as a person would.
func (h *harness) typeInto(e *keyEntry, text string) {
	h.loop.onUI(func() {
		e.SetText("")
		test.Type(e, text)
	})
}

// forEachEngine runs test once over each engine: in-process, and the real
// helper binary the release app runs.
func forEachEngine(t *testing.T, test func(t *testing.T, eng repo.Engine)) {
	for name, eng := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) { test(t, eng) })
	}
}

func (h *harness) idle() {
	h.t.Helper()
	h.loop.until(h.t, "the operation to finish", func() bool { return h.a.busy == nil })
}
