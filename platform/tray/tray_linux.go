package tray

import (
	"context"
	"time"

	"github.com/godbus/dbus/v5"
)

// watcher is the freedesktop StatusNotifierItem host's bus name: fyne's
// tray icon registers with it, and without it no icon shows.
const watcher = "org.kde.StatusNotifierWatcher"

func available() bool {
	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		return false
	}
	defer conn.Close()

	if conn.Auth(nil) != nil || conn.Hello() != nil {
		return false
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()

	var has bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcher).Store(&has); err != nil {
		return false
	}

	return has
}
