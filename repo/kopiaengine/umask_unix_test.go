//go:build unix

package kopiaengine_test

import "syscall"

// withUmask runs f with the process umask set, so tests prove modes are
// set explicitly and not inherited.
func withUmask(mask int, f func()) {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)

	f()
}
