package ui

import (
	"testing"

	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

func TestMain(m *testing.M) { repotest.Main(m) }
