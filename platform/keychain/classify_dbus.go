//go:build !windows && !darwin

package keychain

import (
	"errors"

	"github.com/godbus/dbus/v5"
)

// classifyPlatform reads the D-Bus error name the Secret Service (or the
// bus itself) answered with.
func classifyPlatform(err error) (Code, bool) {
	var de dbus.Error
	if errors.As(err, &de) {
		switch de.Name {
		case "org.freedesktop.Secret.Error.IsLocked":
			return CodeLocked, true
		case "org.freedesktop.DBus.Error.ServiceUnknown",
			"org.freedesktop.DBus.Error.NameHasNoOwner",
			"org.freedesktop.DBus.Error.Spawn.ServiceNotFound",
			"org.freedesktop.DBus.Error.Spawn.ChildExited",
			"org.freedesktop.DBus.Error.NoReply",
			"org.freedesktop.DBus.Error.Disconnected":
			return CodeUnavailable, true
		}
	}

	var pde *dbus.Error
	if errors.As(err, &pde) {
		return classifyPlatform(*pde)
	}

	return 0, false
}
