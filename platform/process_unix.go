//go:build unix

package platform

import (
	"errors"
	"os"
	"syscall"
)

// ProcessAlive says whether a process with this ID runs on this computer.
func ProcessAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}

	err = p.Signal(syscall.Signal(0))

	return err == nil || errors.Is(err, syscall.EPERM)
}
