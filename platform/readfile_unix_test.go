//go:build unix

package platform

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestReadRegularFileRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}

	zero := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}

	for name, path := range map[string]string{"named pipe": fifo, "device": zero, "folder": dir} {
		done := make(chan error, 1)

		go func() {
			_, err := ReadRegularFile(path, 1<<20)
			done <- err
		}()

		select {
		case err := <-done:
			var nr *NotRegularError
			if !errors.As(err, &nr) || !errors.Is(err, ErrNotRegular) {
				t.Fatalf("%s: %v, want a NotRegularError", name, err)
			}

			if got := DescribeMode(nr.Mode); got != "a "+name {
				t.Errorf("%s described as %q", name, got)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("reading a %s blocked", name)
		}
	}
}

func TestReadRegularFileLimits(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")

	if err := os.WriteFile(p, make([]byte, 101), 0o600); err != nil {
		t.Fatal(err)
	}

	if _, err := ReadRegularFile(p, 100); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}

	data, err := ReadRegularFile(p, 101)
	if err != nil || len(data) != 101 {
		t.Fatalf("at the limit: %d bytes, %v", len(data), err)
	}

	link := filepath.Join(dir, "link")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}

	if _, err := ReadRegularFile(link, 101); err != nil {
		t.Fatalf("a symbolic link to a regular file: %v", err)
	}

	if _, err := ReadRegularFile(filepath.Join(dir, "missing"), 100); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
}
