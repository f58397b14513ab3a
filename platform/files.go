// Package platform holds what depends on the operating system: private file
// modes, atomic writes, and where the app keeps its settings and caches.
// It is the bottom layer: it must never import repo, ui or Fyne.
package platform

import (
	"fmt"
	"os"
	"path/filepath"
)

// Modes for everything the app writes: private to the user, whatever the umask.
const (
	DirMode  os.FileMode = 0o700
	FileMode os.FileMode = 0o600
)

// MkdirPrivate creates dir and any missing parents with mode 0700 (on
// Windows, an owner-only access list). Only the directories it creates are
// changed: an existing parent such as $HOME is not ours to change.
func MkdirPrivate(dir string) error {
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s exists and is not a folder", dir)
		}

		return nil
	}

	if parent := filepath.Dir(dir); parent != dir {
		if err := MkdirPrivate(parent); err != nil {
			return err
		}
	}

	if err := os.Mkdir(dir, DirMode); err != nil && !os.IsExist(err) {
		return err
	}

	// The umask may have narrowed the mode; set it exactly. On Windows
	// the mode means nothing, so the folder gets an owner-only access list.
	if err := os.Chmod(dir, DirMode); err != nil {
		return err
	}

	return makeNewDirPrivate(dir)
}

// WriteFileAtomic replaces path with data so that a crash leaves either the
// old file or the new one, never half of either: write a temporary file in
// the same folder, fsync it, rename it over path, fsync the folder.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := MkdirPrivate(dir); err != nil {
		return err
	}

	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}

	tmpName := tmp.Name()
	ok := false

	defer func() {
		if !ok {
			tmp.Close()        //nolint:errcheck
			os.Remove(tmpName) //nolint:errcheck
		}
	}()

	if err := tmp.Chmod(FileMode); err != nil {
		return err
	}

	if _, err := tmp.Write(data); err != nil {
		return err
	}

	if err := tmp.Sync(); err != nil {
		return err
	}

	if err := tmp.Close(); err != nil {
		return err
	}

	if err := os.Rename(tmpName, path); err != nil {
		return err
	}

	ok = true

	return syncDir(dir)
}
