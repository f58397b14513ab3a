package autostart

import (
	"errors"

	"golang.org/x/sys/windows/registry"

	"github.com/corsodesktop/corso-desktop/platform"
)

// runKey is the per-user Run key: what Windows starts at login and lists
// among the Startup apps.
const runKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// Install makes it start at login.
func Install(it Item) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err == nil {
		defer k.Close()
		err = k.SetStringValue(Name, runValue(it))
	}

	if err != nil {
		return platform.NewError(platform.CodeIO, err, `The login item could not be written to HKEY_CURRENT_USER\%s, so the app does not start at login.`, runKey)
	}

	return nil
}

// Remove stops it starting at login; nothing there is not an error.
func Remove() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}

	if err == nil {
		defer k.Close()
		err = k.DeleteValue(Name)
	}

	if err != nil && !errors.Is(err, registry.ErrNotExist) {
		return platform.NewError(platform.CodeIO, err, `The value %q under HKEY_CURRENT_USER\%s could not be removed, so the app still starts at login. Turn it off in Settings, Apps, Startup.`, Name, runKey)
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
