package ui

import (
	"os"
	"sync"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

var (
	fyneTmpOnce sync.Once
	fyneTmp     string
)

// fyneTempDir is this run's folder for Fyne's own files, removed after
// every test has run.
func fyneTempDir(t *testing.T) string {
	fyneTmpOnce.Do(func() {
		var err error
		if fyneTmp, err = os.MkdirTemp("", "corso-desktop-fyne-"); err != nil {
			t.Fatal(err)
		}
	})

	return fyneTmp
}

func TestMain(m *testing.M) {
	repotest.Main(m, func() {
		if fyneTmp != "" {
			os.RemoveAll(fyneTmp) //nolint:errcheck
		}
	})
}
