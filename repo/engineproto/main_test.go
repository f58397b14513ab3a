package engineproto_test

import (
	"testing"

	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

func TestMain(m *testing.M) { repotest.Main(m) }

// eng is the in-process engine: the reference the helper is held to.
var eng = kopiaengine.New()
