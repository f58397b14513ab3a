package engineproto

import (
	"os/exec"
	"syscall"
)

// hideWindow keeps Windows from opening a console window for the engine,
// a console program started by the app's GUI process.
func hideWindow(cmd *exec.Cmd) {
	const createNoWindow = 0x08000000
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true, CreationFlags: createNoWindow}
}
