// One maintenance at a time per connection. kopia's own local lock makes
// a second run on the same connection return at once as if it had run, so
// the engine holds a lock of its own for the whole run and refuses a
// second one with a sentence instead.

package kopiaengine

import (
	"sync"

	"github.com/gofrs/flock"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// maintainingSuffix names the lock file beside the connection file; Disconnect
// removes it with the connection.
const maintainingSuffix = ".running"

// maintaining holds the connections whose maintenance runs in this
// process; the file lock covers other processes (two helpers).
var maintaining sync.Map

// claimMaintenance claims the maintenance of the connection local for
// this run, or says that one is already running on it: scheduled, or
// started by hand in this or another window. release gives it back.
func claimMaintenance(local repo.Local) (release func(), err error) {
	if _, running := maintaining.LoadOrStore(local.ConfigFile, struct{}{}); running {
		return nil, maintenanceRunning()
	}

	l := flock.New(local.ConfigFile+maintainingSuffix, flock.SetPermissions(platform.FileMode))

	ok, err := l.TryLock()
	if err != nil || !ok {
		maintaining.Delete(local.ConfigFile)

		if err != nil {
			return nil, preflight.ClassifyFS(err, l.Path())
		}

		return nil, maintenanceRunning()
	}

	return func() {
		l.Unlock() //nolint:errcheck // closing the file gives the lock back too
		maintaining.Delete(local.ConfigFile)
	}, nil
}

func maintenanceRunning() error {
	return repo.NewError(repo.CodeBusy, nil, "Maintenance of this repository is already running in Corso Desktop on this computer (scheduled, or started in another window). Nothing was done; wait for it to finish.")
}
