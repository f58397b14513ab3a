package library_test

import (
	"testing"

	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

func TestMain(m *testing.M) { repotest.Main(m) }

// eng is the engine the library's operations go through.
var eng = kopiaengine.New()
