package autostart

import (
	"os"
	"path/filepath"
)

// path is the LaunchAgent: ~/Library/LaunchAgents/<ID>.plist.
func path() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}

	return filepath.Join(home, "Library", "LaunchAgents", ID+".plist"), nil
}

// content is what the file holds.
func content(it Item) []byte { return launchAgent(it) }
