package ui

import (
	"os"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

func TestMain(m *testing.M) {
	restore := repotest.IsolateAWS()
	code := m.Run()

	repotest.StopShared()
	restore()
	os.Exit(code)
}
