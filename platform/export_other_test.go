//go:build !windows

package platform

// KeepsAccessLists: modes are always kept.
func KeepsAccessLists() bool { return true }
