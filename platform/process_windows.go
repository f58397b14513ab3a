//go:build windows

package platform

import "golang.org/x/sys/windows"

// ProcessAlive says whether a process with this ID runs on this computer.
func ProcessAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h) //nolint:errcheck

	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return false
	}

	const stillActive = 259

	return code == stillActive
}
