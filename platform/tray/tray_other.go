//go:build !linux

package tray

// available: Windows' notification area and the macOS menu bar are always
// there.
func available() bool { return true }
