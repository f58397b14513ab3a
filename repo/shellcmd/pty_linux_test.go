package shellcmd

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// terminal is a shell running on a pseudo-terminal, as in a person's
// terminal window: pasted text arrives line by line, and what is typed is
// echoed unless the program turns echo off.
type terminal struct {
	t      *testing.T
	master *os.File
	cmd    *exec.Cmd

	mu  sync.Mutex
	out bytes.Buffer
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg)); errno != 0 {
		return errno
	}

	return nil
}

// openTerminal starts argv on a new pseudo-terminal.
func openTerminal(t *testing.T, env []string, argv ...string) *terminal {
	t.Helper()

	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminal: %v", err)
	}

	var unlock int32
	if err := ioctl(master, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatal(err)
	}

	var n uint32
	if err := ioctl(master, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatal(err)
	}

	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()

	path, err := exec.LookPath(argv[0])
	if err != nil {
		t.Fatalf("%s is needed for this test: %v", argv[0], err)
	}

	cmd := exec.Command(path, argv[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}

	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	term := &terminal{t: t, master: master, cmd: cmd}

	go func() {
		buf := make([]byte, 4096)

		for {
			n, err := master.Read(buf)

			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()

			if err != nil {
				return
			}
		}
	}()

	t.Cleanup(func() {
		cmd.Process.Kill() //nolint:errcheck
		cmd.Wait()         //nolint:errcheck
		master.Close()
	})

	return term
}

// screen is everything the terminal showed so far.
func (term *terminal) screen() string {
	term.mu.Lock()
	defer term.mu.Unlock()

	return term.out.String()
}

// send types text into the terminal.
func (term *terminal) send(text string) {
	if _, err := term.master.WriteString(text); err != nil {
		term.t.Fatal(err)
	}
}

// waitFor waits until the screen shows text after position from.
func (term *terminal) waitFor(text string, from int) int {
	term.t.Helper()

	deadline := time.Now().Add(20 * time.Second)

	for time.Now().Before(deadline) {
		if s := term.screen(); len(s) >= from {
			if i := strings.Index(s[from:], text); i >= 0 {
				return from + i + len(text)
			}
		}

		time.Sleep(10 * time.Millisecond)
	}

	term.t.Fatalf("the terminal never showed %q:\n%s", text, term.screen())

	return 0
}

// fileRecorder writes a stand-in program that writes its arguments and
// the three variables, NUL-separated, to the file $CORSO_TEST_RECORD.
func fileRecorder(t *testing.T) string {
	t.Helper()

	prog := filepath.Join(t.TempDir(), "argv")
	script := "#!/bin/sh\n{ for a in \"$@\"; do printf '%s\\0' \"$a\"; done\n" +
		"printf 'ID=%s\\0SECRET=%s\\0PLAIN=%s\\0' \"$CORSO_TEST_ID\" \"$CORSO_TEST_SECRET\" \"$CORSO_TEST_PLAIN\"; } >\"$CORSO_TEST_RECORD\"\n"

	if err := os.WriteFile(prog, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}

	return prog
}

// TestAskedSecretsWorkInRealShells: the asking form, pasted whole into sh,
// dash and bash running on a terminal and then answered at its prompts,
// hands the program exactly what was typed, single quotes included; the
// secret is never shown on the terminal, and bash's history holds none of
// what was typed.
func TestAskedSecretsWorkInRealShells(t *testing.T) {
	prog := fileRecorder(t)

	for _, shell := range posixShells {
		for _, secret := range append(slices.Clone(secrets), `it's 'quoted' too`) {
			dir := t.TempDir()
			record, history := filepath.Join(dir, "record"), filepath.Join(dir, "history")

			c := secretCommand()
			c.Args[0] = prog
			text := c.RenderForm(POSIX, FormAsk)

			term := openTerminal(t, append(os.Environ(), "PS1=", "PS2=", "HISTFILE="+history, "CORSO_TEST_RECORD="+record), shell...)
			term.send(text)

			at := term.waitFor("The ID: ", 0)
			term.send("id " + secret + "\n")
			at = term.waitFor("The secret: ", at)
			term.send(secret + "\n")

			deadline := time.Now().Add(20 * time.Second)
			for _, err := os.Stat(record); err != nil && time.Now().Before(deadline); _, err = os.Stat(record) {
				time.Sleep(10 * time.Millisecond)
			}

			time.Sleep(50 * time.Millisecond) // the recorder finishes its one write

			raw, err := os.ReadFile(record)
			if err != nil {
				t.Fatalf("%s: the program never ran:\n%s", shell[0], term.screen())
			}

			got := strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
			want := []string{"--flag", "value with space", "ID=id " + secret, "SECRET=" + secret, "PLAIN=as it is"}

			if !slices.Equal(got, want) {
				t.Errorf("%s: %q typed came back as %q\n%s", shell[0], secret, got, text)
			}

			if shown := term.screen()[at:]; strings.Contains(shown, strings.TrimSpace(secret)) {
				t.Errorf("%s: the secret was shown as it was typed:\n%s", shell[0], shown)
			}

			term.send("exit\n")
			term.cmd.Wait() //nolint:errcheck

			if h, _ := os.ReadFile(history); strings.Contains(string(h), strings.TrimSpace(secret)) {
				t.Errorf("%s: the secret is in the shell's history:\n%s", shell[0], h)
			}
		}
	}
}
