package platform

import (
	"os"
	"path/filepath"
)

// AppDir is the folder name under the OS's config and cache locations.
const AppDir = "corso-desktop"

// Dirs are where the app keeps what it writes: settings and kopia's
// connection files under Config, kopia's caches under Cache. Both are
// created 0700 when first written to.
type Dirs struct {
	Config string
	Cache  string
}

// UserDirs are the OS's locations: ~/.config and ~/.cache on Linux (or
// $XDG_CONFIG_HOME, $XDG_CACHE_HOME), ~/Library/Application Support and
// ~/Library/Caches on macOS, %AppData% and %LocalAppData% on Windows.
func UserDirs() (Dirs, error) {
	config, err := os.UserConfigDir()
	if err != nil {
		return Dirs{}, err
	}

	cache, err := os.UserCacheDir()
	if err != nil {
		return Dirs{}, err
	}

	return Dirs{Config: filepath.Join(config, AppDir), Cache: filepath.Join(cache, AppDir)}, nil
}

// SettingsFile holds the saved repositories.
func (d Dirs) SettingsFile() string { return filepath.Join(d.Config, "repositories.json") }

// ConnectionFile is kopia's connection state for one saved repository.
func (d Dirs) ConnectionFile(id string) string {
	return filepath.Join(d.Config, "connections", id+".config")
}

// CacheDir is kopia's cache for one saved repository.
func (d Dirs) CacheDir(id string) string { return filepath.Join(d.Cache, id) }
