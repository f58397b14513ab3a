package kopiaengine_test

import (
	"os"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

func TestMain(m *testing.M) {
	repotest.Main(m, func() {
		if scaleDir != "" {
			os.RemoveAll(scaleDir) //nolint:errcheck
		}
	})
}

// eng is the engine under test.
var eng = kopiaengine.New()

// scaleDir holds the scale benchmark's connection state, for every round
// of it; TestMain removes it.
var scaleDir string
