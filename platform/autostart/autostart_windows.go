package autostart

import (
	"errors"

	"golang.org/x/sys/windows/registry"
)

// runKey is the per-user Run key: what Windows starts at login and lists
// among the Startup apps.
const runKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// Install makes it start at login.
func Install(it Item) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()

	return k.SetStringValue(Name, runValue(it))
}

// Remove stops it starting at login; nothing there is not an error.
func Remove() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}

	if err != nil {
		return err
	}
	defer k.Close()

	if err := k.DeleteValue(Name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}

	return nil
}

// Installed says whether it starts at login, and where that is kept.
func Installed() (bool, string) {
	where := `HKEY_CURRENT_USER\` + runKey + `\` + Name

	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		return false, where
	}
	defer k.Close()

	_, _, err = k.GetStringValue(Name)

	return err == nil, where
}
