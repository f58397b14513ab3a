//go:build !unix

package engineproto_test

import "os"

// peakKiB is not known here.
func peakKiB(*os.ProcessState) (int64, bool) { return 0, false }
