//go:build !windows

package platform

import (
	"fmt"
	"os"
)

// PrivacyOfNewFolder says how a folder the app creates at dir is
// protected.
func PrivacyOfNewFolder(string) string {
	return "private permissions (0700: only you can open it)"
}

// PrivacyOfNewTree says how the folders and files the app creates are
// protected.
func PrivacyOfNewTree() string { return "readable only by you (folders 0700, files 0600)" }

// KeepsAccessLists is true: Unix file systems keep modes.
func KeepsAccessLists(string) bool { return true }

// makeNewDirPrivate has nothing to add on Unix: the mode is the rule.
func makeNewDirPrivate(string) error { return nil }

// IsPrivate says whether only the current user can open path: no group or
// other permission bits.
func IsPrivate(path string) (bool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return false, err
	}

	return fi.Mode().Perm()&0o077 == 0, nil
}

// MakePrivate narrows an existing folder the user chose for a repository
// to mode 0700.
func MakePrivate(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() == DirMode {
		return err
	}

	return os.Chmod(dir, DirMode)
}

// PrivacyOfExistingFolder says what creating a repository in dir does to
// who can read it.
func PrivacyOfExistingFolder(dir string) string {
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() == DirMode {
		return "it is private to you (0700)"
	}

	return fmt.Sprintf("its permissions (%04o) will be narrowed to 0700 so that only you can open it", fi.Mode().Perm())
}
