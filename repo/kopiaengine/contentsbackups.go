// The Corso backups a repository records, as `corso backup list` reads
// them.

package kopiaengine

import (
	"cmp"
	"context"
	"runtime"
	"sort"
	"sync"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/manifest"

	"github.com/corsodesktop/corso-desktop/repo"
)

// Corso's model store (internal/kopia/model_store.go, v0.19.0): a backup
// is a kopia manifest with these labels and a JSON body.
const (
	corsoTypeLabel      = "type"
	corsoBackupSchema   = "BackupSchema"
	corsoStableIDLabel  = "stableID"
	corsoVersionLabel   = "storeVersion"
	corsoServiceLabel   = "service"
	corsoBackupTypeTag  = "backup-type"
	corsoAssistBackup   = "assist-backup"
	corsoMergeBackup    = "merge-backup"
	corsoModelStoreVers = "1"
)

// corsoBackup is the JSON of Corso's pkg/backup.Backup that the list shows.
type corsoBackup struct {
	ID                    string    `json:"ID"`
	CreationTime          time.Time `json:"creationTime"`
	SnapshotID            string    `json:"snapshotID"`
	StreamStoreID         string    `json:"streamStoreID"`
	Status                string    `json:"status"`
	ProtectedResourceID   string    `json:"protectedResourceID"`
	ProtectedResourceName string    `json:"protectedResourceName"`
	ResourceOwnerID       string    `json:"resourceOwnerID"`
	ResourceOwnerName     string    `json:"resourceOwnerName"`
	Selector              struct {
		DiscreteOwner     string `json:"discreteOwner"`
		DiscreteOwnerName string `json:"discreteOwnerName"`
	} `json:"selectors"`
	Version    int    `json:"version"`
	ErrorCount int    `json:"errorCount"`
	Failure    string `json:"failure"`
	BytesRead  int64  `json:"bytesRead"`
	ItemsRead  int    `json:"itemsRead"`
	// What `corso backup list` shows as uploaded and written (toStats in
	// pkg/backup): the figures without Corso's own metadata.
	NonMetaBytesUploaded int64     `json:"nonMetaBytesUploaded"`
	NonMetaItemsWritten  int       `json:"nonMetaItemsWritten"`
	TotalSkippedItems    int       `json:"totalSkippedItems"`
	StartedAt            time.Time `json:"startedAt"`
	CompletedAt          time.Time `json:"completedAt"`
}

// corsoBackups reads every backup model, as `corso backup list` selects
// them: assist backups are counted, not listed; a model of another store
// version is skipped, as Corso refuses to read it.
func corsoBackups(ctx context.Context, r kopiarepo.Repository) ([]repo.Backup, int, error) {
	found, err := r.FindManifests(ctx, map[string]string{corsoTypeLabel: corsoBackupSchema})
	if err != nil {
		return nil, 0, err
	}

	var (
		listed []*manifest.EntryMetadata
		assist int
	)

	for _, md := range found {
		switch {
		case md.Labels[corsoVersionLabel] != corsoModelStoreVers:
		case md.Labels[corsoBackupTypeTag] == corsoAssistBackup:
			assist++
		default:
			listed = append(listed, md)
		}
	}

	backups := make([]repo.Backup, len(listed))

	err = inShares(len(listed), func(i int) error {
		md := listed[i]

		kind := md.Labels[corsoBackupTypeTag]
		if kind == "" {
			kind = corsoMergeBackup // written before Corso tagged backups
		}

		var b corsoBackup
		if _, err := r.GetManifest(ctx, md.ID, &b); err != nil {
			return err
		}

		backups[i] = toBackup(b, kind, md.Labels)

		return nil
	})
	if err != nil {
		return nil, 0, err
	}

	sort.SliceStable(backups, func(i, j int) bool { return backups[i].Created.After(backups[j].Created) })

	return backups, assist, nil
}

// modelsPerShare is the fewest models a share of inShares decodes: below
// it, another goroutine costs more than it saves.
const modelsPerShare = 256

// inShares calls do for every index below n, in as many goroutines as
// there are cores to run them (each model is read from memory and
// decoded: 10,000 are a fifth of a second of one core's JSON), and gives
// the first error; a share stops at its own.
func inShares(n int, do func(i int) error) error {
	shares := min(runtime.GOMAXPROCS(0), (n+modelsPerShare-1)/modelsPerShare)
	if shares <= 1 {
		for i := range n {
			if err := do(i); err != nil {
				return err
			}
		}

		return nil
	}

	errs := make([]error, shares)

	var wg sync.WaitGroup
	for s := range shares {
		wg.Go(func() {
			for i := s; i < n; i += shares {
				if errs[s] = do(i); errs[s] != nil {
					return
				}
			}
		})
	}

	wg.Wait()

	for _, err := range errs {
		if err != nil {
			return err
		}
	}

	return nil
}

func toBackup(b corsoBackup, kind string, labels map[string]string) repo.Backup {
	return repo.Backup{
		ID:            cmp.Or(b.ID, labels[corsoStableIDLabel]),
		Type:          kind,
		Service:       labels[corsoServiceLabel],
		ResourceID:    cmp.Or(b.ProtectedResourceID, b.ResourceOwnerID, b.Selector.DiscreteOwner),
		ResourceName:  cmp.Or(b.ProtectedResourceName, b.ResourceOwnerName, b.Selector.DiscreteOwnerName),
		Created:       b.CreationTime,
		Status:        b.Status,
		Version:       b.Version,
		SnapshotID:    b.SnapshotID,
		StreamStoreID: b.StreamStoreID,
		ItemsRead:     b.ItemsRead,
		ItemsWritten:  b.NonMetaItemsWritten,
		ItemsSkipped:  b.TotalSkippedItems,
		BytesRead:     b.BytesRead,
		BytesUploaded: b.NonMetaBytesUploaded,
		Started:       b.StartedAt,
		Completed:     b.CompletedAt,
		ErrorCount:    b.ErrorCount,
		Failure:       b.Failure,
	}
}
