//go:build !unix

package kopiaengine_test

import "testing"

// blockReads needs named pipes, which this system's folders lack.
func blockReads(t *testing.T, _ string) func() {
	t.Skip("a folder whose reads block is made of named pipes, on Linux and macOS")

	return nil
}
