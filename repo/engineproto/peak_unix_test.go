//go:build unix

package engineproto_test

import (
	"os"
	"syscall"
)

// peakKiB is the most memory a finished process held, in KiB.
func peakKiB(ps *os.ProcessState) (int64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}

	return ru.Maxrss, true
}
