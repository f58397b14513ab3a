//go:build windows

package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

var attachConsole = windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")

// attachParentProcess is ATTACH_PARENT_PROCESS, (DWORD)-1.
const attachParentProcess = ^uintptr(0) & 0xffffffff

// tell shows a command-line verdict on Windows, where the app is a GUI
// program without a console of its own: on its output if that goes
// somewhere (a pipe, a file), else on the console it was started from
// (cmd.exe, PowerShell), else in a message box.
func tell(ok bool, text string) {
	out := os.Stdout
	if !ok {
		out = os.Stderr
	}

	if t, err := windows.GetFileType(windows.Handle(out.Fd())); err == nil && t != windows.FILE_TYPE_UNKNOWN {
		fmt.Fprintln(out, text)
		return
	}

	if r, _, _ := attachConsole.Call(attachParentProcess); r != 0 {
		if con, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
			// The prompt was printed before this line arrives: start on a new line.
			fmt.Fprintln(con, "\n"+text)
			con.Close()

			return
		}
	}

	icon := uint32(windows.MB_ICONINFORMATION)
	if !ok {
		icon = windows.MB_ICONERROR
	}

	title, _ := windows.UTF16PtrFromString("Corso Desktop")
	body, _ := windows.UTF16PtrFromString(text)
	windows.MessageBox(0, body, title, windows.MB_OK|icon) //nolint:errcheck
}
