//go:build unix

package preflight

import (
	"errors"
	"syscall"
)

func isQuotaExceeded(err error) bool { return errors.Is(err, syscall.EDQUOT) }
