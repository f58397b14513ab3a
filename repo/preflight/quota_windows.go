//go:build windows

package preflight

import (
	"errors"

	"golang.org/x/sys/windows"
)

// Windows reports a full disk and a full quota with its own codes.
func isQuotaExceeded(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) || errors.Is(err, windows.ERROR_HANDLE_DISK_FULL) || errors.Is(err, windows.ERROR_DISK_QUOTA_EXCEEDED)
}
