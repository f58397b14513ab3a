//go:build !windows

package engineproto

import "os/exec"

func hideWindow(*exec.Cmd) {}
