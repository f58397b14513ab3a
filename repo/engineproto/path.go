package engineproto

import (
	"os"
	"path/filepath"
	"runtime"
)

// DefaultPath is where the release app installs its helper: HelperName
// next to the running executable.
func DefaultPath() string {
	name := HelperName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}

	exe, err := os.Executable()
	if err != nil {
		return name
	}

	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}

	return filepath.Join(filepath.Dir(exe), name)
}
