package autostart

import (
	"errors"
	"io/fs"
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

// Install makes it start at login.
func Install(it Item) error {
	p, err := path()
	if err != nil {
		return err
	}

	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}

	return os.WriteFile(p, launchAgent(it), 0o600)
}

// Remove stops it starting at login; nothing there is not an error.
func Remove() error {
	p, err := path()
	if err != nil {
		return err
	}

	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}

	return nil
}

// Installed says whether it starts at login, and where that is kept.
func Installed() (bool, string) {
	p, err := path()
	if err != nil {
		return false, ""
	}

	_, err = os.Stat(p)

	return err == nil, p
}
