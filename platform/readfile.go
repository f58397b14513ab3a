package platform

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is returned by ReadRegularFile for a folder, device, pipe or
// socket; ErrTooLarge for a file over the limit.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("file too large")
)

// NotRegularError says what a path is instead of a regular file.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, DescribeMode(e.Mode))
}

// Unwrap lets errors.Is(err, ErrNotRegular) match.
func (e *NotRegularError) Unwrap() error { return ErrNotRegular }

// DescribeMode names a file type for people: "a folder", "a named pipe"….
func DescribeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	case m.IsRegular():
		return "a regular file"
	}

	return "a special file"
}

// ReadRegularFile reads a small regular file (following symbolic links) of
// at most max bytes. A pipe, device, socket or folder is refused without
// reading from it, so that a FIFO cannot block the caller and /dev/zero
// cannot fill its memory: the file is opened without blocking and checked
// through the open handle, so a swap after a check cannot slip through.
func ReadRegularFile(path string, max int64) ([]byte, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck // read-only

	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}

	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, Mode: fi.Mode()}
	}

	if fi.Size() > max {
		return nil, ErrTooLarge
	}

	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}

	if int64(len(data)) > max {
		return nil, ErrTooLarge
	}

	return data, nil
}

func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|nonBlockFlag, 0)
}
