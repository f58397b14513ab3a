package preflight_test

import (
	"testing"

	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestMain stops the shared MinIO at the end: without it every run of
// this package's tests or benchmarks left a server running, which then
// took CPU from every later measurement on the machine.
func TestMain(m *testing.M) { repotest.Main(m) }
