//go:build unix

package autostart

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/corsodesktop/corso-desktop/platform"
)

// On Linux and macOS the login item is one file (path, content): made to
// start the app at login, removed to stop it.

// Install makes it start at login.
func Install(it Item) error {
	p, err := path()
	if err != nil {
		return platform.NewError(platform.CodeIO, err, "Your home folder could not be found, so the app cannot start at login.")
	}

	if err := os.MkdirAll(filepath.Dir(p), platform.DirMode); err != nil {
		return notWritten(p, err)
	}

	if err := platform.WriteFileAtomic(p, content(it)); err != nil {
		return notWritten(p, err)
	}

	return nil
}

// Remove stops it starting at login; nothing there is not an error.
func Remove() error {
	p, err := path()
	if err != nil {
		return platform.NewError(platform.CodeIO, err, "Your home folder could not be found, so what starts at login could not be looked at.")
	}

	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return platform.NewError(platform.CodeIO, err, "%s could not be removed, so the app still starts at login. Remove the file yourself.", p)
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

func notWritten(p string, err error) error {
	return platform.NewError(platform.CodeIO, err, "%s could not be written, so the app does not start at login. Check that you may write to %s.", p, filepath.Dir(p))
}
