// Command corso-desktop is the Corso Desktop app: it wires the pieces
// together and starts the UI; everything else lives in ui, repo and platform.
package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/repo/engineproto"
	"github.com/corsodesktop/corso-desktop/ui"
)

func main() {
	screenshots := flag.String("screenshots", "", "walk the main screens, save PNGs in this folder and quit (uses an in-memory keychain)")
	selfTest := flag.Bool("selftest", false, "check that the app's engine is installed and works, then exit")
	background := flag.Bool(ui.BackgroundFlag, false, "start in the system tray without opening the window (the login item's start)")
	flag.Parse()

	// The window's process never links kopia or the AWS SDK: every
	// repository operation runs in the helper installed next to the app.
	eng := engineproto.NewClient(engineproto.DefaultPath())

	if *selfTest {
		if err := engineproto.SelfTest(context.Background(), eng); err != nil {
			tell(false, "self-test failed: "+err.Error())
			os.Exit(1)
		}

		tell(true, "self-test: the engine works")

		return
	}

	opts := ui.Options{Engine: eng, Background: *background}
	if *screenshots != "" {
		opts.Keychain = keychain.NewMemory()
	}

	prepareFyneCache()

	fa := app.NewWithID(ui.AppID)

	// The screenshots' walk is not the user's app: it claims nothing.
	var inst *platform.Instance
	if *screenshots == "" {
		var refused bool
		if inst, refused = claimInstance(fa, *background); refused {
			return
		}
	}

	a := ui.New(fa, opts)

	if inst != nil {
		defer inst.Close()
		inst.Serve(func(ask string) {
			if ask == platform.AskShow {
				a.Raise()
			}
		})
	}

	quitOnEarlySignal(fa)
	if *screenshots != "" {
		a.Tour(*screenshots, fyne.NewSize(900, 600))
	}

	a.ShowAndRun()
}

// claimInstance makes this start the app's one instance for this user;
// refused says it must end: the app already runs (asked to show its
// window, unless this is the login item's start), or it runs and does not
// answer (said in a window, or on stderr at login). Where the settings
// folder cannot be used, the app starts anyway and says so itself.
func claimInstance(fa fyne.App, background bool) (inst *platform.Instance, refused bool) {
	dirs, err := platform.UserDirs()
	if err != nil {
		return nil, false
	}

	ask := platform.AskShow
	if background {
		ask = platform.AskStay
	}

	inst, err = platform.ClaimInstance(dirs.Config, ask)

	var pe *platform.Error

	switch {
	case err == nil:
		return inst, false
	case errors.Is(err, platform.ErrOtherInstance):
		return nil, true
	case errors.As(err, &pe) && pe.Code == platform.CodeBusy:
		if background {
			tell(false, err.Error())
		} else {
			ui.RunRefusal(fa, err.Error())
		}

		return nil, true
	default:
		return nil, false
	}
}

// prepareFyneCache makes the cache folder Fyne keeps for the app, private
// to the user, with its parents: Fyne makes only the last two levels, and
// in a home without ~/.cache it says on the terminal that it failed.
func prepareFyneCache() {
	if dir, err := os.UserCacheDir(); err == nil {
		os.MkdirAll(filepath.Join(dir, "fyne", ui.AppID), 0o700) //nolint:errcheck // Fyne says so if it is still missing
	}
}

// quitOnEarlySignal makes a logout or `kill` (SIGTERM, SIGINT) that comes
// while the window is already on screen but before Fyne's event loop runs
// end the app cleanly instead of killing it. Once the loop runs, Fyne's
// driver handles these signals itself; quitting through the driver (not
// App.Quit) is safe if both see the same signal, since the driver quits once.
func quitOnEarlySignal(fa fyne.App) {
	early := make(chan os.Signal, 1)
	signal.Notify(early, os.Interrupt, syscall.SIGTERM)
	fa.Lifecycle().SetOnStarted(func() {
		signal.Stop(early)
		select {
		case <-early:
			fa.Driver().Quit()
		default:
		}
	})
}
