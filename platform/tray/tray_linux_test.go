package tray_test

import (
	"os"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/corsodesktop/corso-desktop/platform/tray"
)

// On a real session bus (make test runs under dbus-run-session): no tray
// until a StatusNotifierWatcher owns its name, then one, then none again.
func TestTrayFollowsTheWatcher(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no session bus: run under scripts/with-keyring.sh")
		}

		t.Skip("no session bus")
	}

	if tray.Available() {
		t.Fatal("a tray is said to be there before any watcher")
	}

	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		t.Fatal(err)
	}

	if err := conn.Auth(nil); err != nil {
		t.Fatal(err)
	}

	if err := conn.Hello(); err != nil {
		t.Fatal(err)
	}

	reply, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("claiming the watcher's name: %v %v", reply, err)
	}

	if !tray.Available() {
		t.Fatal("no tray said while a watcher runs")
	}

	conn.Close()

	if tray.Available() {
		t.Fatal("a tray is still said to be there once the watcher is gone")
	}
}
