package repotest

import (
	"context"
	"fmt"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
)

// CorsoServices are the services Corso v0.19.0 backs up.
var CorsoServices = []string{"exchange", "onedrive", "sharepoint", "groups", "chats"}

// WriteCorsoBackups writes n backup models as Corso's model store writes
// them (labels and JSON body of pkg/backup.Backup, v0.19.0; see
// ../shared/corso-compat.md) into the connected repository at configFile,
// spread over services and resources, every seventh an assist backup and
// every eleventh failed, one an hour apart ending at last. The fork-written
// proof of the same shape is compat/backups_test.go; this one is for the
// scale benchmark and the screenshots.
func WriteCorsoBackups(ctx context.Context, configFile, passphrase string, n int, last time.Time) error {
	r, err := kopiarepo.Open(ctx, configFile, passphrase, &kopiarepo.Options{DisableRepositoryLog: true})
	if err != nil {
		return err
	}
	defer r.Close(ctx) //nolint:errcheck

	names := []string{"adele@contoso.com", "bruno@contoso.com", "HR site", "Sales team", "carla@contoso.com", "Finance site", "dmitri@contoso.com"}

	return kopiarepo.WriteSession(ctx, r, kopiarepo.WriteSessionOptions{Purpose: "corso backups fixture"}, func(ctx context.Context, w kopiarepo.RepositoryWriter) error {
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("%08x-1f8f-4a5b-9d7e-6c1c2c5f3a10", i)
			completed := last.Add(-time.Duration(n-1-i) * time.Hour)
			started := completed.Add(-time.Duration(3+i%20) * time.Minute)
			service := CorsoServices[i%len(CorsoServices)]
			resource := i % len(names)

			kind, status, failure, errs := "merge-backup", "Completed", "", 0

			switch {
			case i%7 == 6:
				kind = "assist-backup"
			case i%11 == 10:
				status, failure, errs = "Failed", "the resource could not be reached", 1
			}

			labels := map[string]string{"type": "BackupSchema", "stableID": id, "storeVersion": "1", "service": service, "backup-type": kind}
			body := map[string]any{
				"ID": id, "creationTime": completed, "snapshotID": fmt.Sprintf("k%031x", i), "streamStoreID": fmt.Sprintf("k%031x", n+i),
				"status": status, "version": 9, "errorCount": errs, "failure": failure,
				"selectors":             CorsoSelector(service, fmt.Sprintf("r-%d", resource), names[resource]),
				"protectedResourceID":   fmt.Sprintf("r-%d", resource),
				"protectedResourceName": names[resource],
				// The CLI shows the non-metadata figures as uploaded and written.
				"bytesRead": int64(1_000_000 + 37_000*i), "bytesUploaded": int64(200_000 + 9_000*i), "nonMetaBytesUploaded": int64(150_000 + 8_000*i),
				"itemsRead": 120 + i%400, "itemsWritten": 40 + i%90, "nonMetaItemsWritten": 30 + i%90, "totalSkippedItems": i % 3,
				"startedAt": started, "completedAt": completed,
			}

			if _, err := w.PutManifest(ctx, labels, body); err != nil {
				return err
			}
		}

		return nil
	})
}
