package kopiaengine

import (
	"context"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/itemindex"
)

// OpenDetails starts reading a backup's items into a session held here:
// each read (the backup's, and another's to compare with) opens the
// repository read-only as Details does.
func (e *Engine) OpenDetails(ctx context.Context, local repo.Local, secrets repo.Secrets, req repo.DetailsRequest) (repo.DetailsSession, error) {
	if err := local.Validate(); err != nil {
		return nil, err
	}

	if req.BackupID == "" {
		return nil, repo.InvalidField("backup", "Choose a backup to look inside.")
	}

	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	read := func(ctx context.Context, r repo.DetailsRequest) (*repo.BackupDetails, error) {
		return e.Details(ctx, local, secrets, r)
	}

	return itemindex.Open(read, req), nil
}
