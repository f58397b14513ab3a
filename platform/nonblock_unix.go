//go:build unix

package platform

import "syscall"

// nonBlockFlag keeps opening a named pipe from waiting for a writer.
const nonBlockFlag = syscall.O_NONBLOCK
