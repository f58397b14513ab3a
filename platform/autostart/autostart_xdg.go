//go:build unix && !darwin

package autostart

import (
	"os"
	"path/filepath"
)

// path is the XDG autostart file: $XDG_CONFIG_HOME/autostart, else
// ~/.config/autostart.
func path() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}

	return filepath.Join(dir, "autostart", ID+".desktop"), nil
}

// content is what the file holds.
func content(it Item) []byte { return desktopEntry(it) }
