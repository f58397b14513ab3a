//go:build unix && !remote_engine

package repo

import (
	"errors"
	"syscall"
)

func isQuotaExceeded(err error) bool { return errors.Is(err, syscall.EDQUOT) }
