package engineproto

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/corsodesktop/corso-desktop/repo"
)

// SelfTest proves the engine is there and works: it checks a new, empty
// folder with the write probe (removed again) and rates a passphrase. In
// the release app both run in the engine helper, so a package that lost
// its helper fails here with the sentence a user would see.
func SelfTest(ctx context.Context, eng repo.Engine) error {
	dir, err := os.MkdirTemp("", "corso-desktop-selftest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	rep, err := eng.Check(ctx, repo.Filesystem{Path: dir}, repo.S3Secrets{}, repo.CheckWrite)
	if err != nil {
		return err
	}

	if rep.Err != nil {
		return rep.Err
	}

	if rep.State != repo.StateEmpty {
		return fmt.Errorf("an empty folder was seen as %v", rep.State)
	}

	if s, err := eng.PassphraseStrength(ctx, "self test of the strength meter"); err != nil {
		return err
	} else if s.Label == "" {
		return errors.New("the passphrase was not rated")
	}

	return nil
}
