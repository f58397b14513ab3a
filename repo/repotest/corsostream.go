package repotest

import (
	"context"
	"encoding/base64"
	"io"
	"time"

	"github.com/kopia/kopia/fs"
	"github.com/kopia/kopia/fs/virtualfs"
	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/snapshot"
	"github.com/kopia/kopia/snapshot/policy"
	"github.com/kopia/kopia/snapshot/upload"
)

// DetailsBackup is one Corso backup with its details, to write.
type DetailsBackup struct {
	ID, ResourceName string
	Created          time.Time
	// Details are its items; Details.To is how many items the model says
	// were read.
	Details DetailsSpec
}

// WriteBackupWithDetails writes b as Corso's backup operation does: its
// details (WriteDetails) in a stream store snapshot, then its backup model
// naming that snapshot as streamStoreID. The snapshot's tree is Corso's
// (internal/streamstore, internal/kopia at v0.19.0): the tenant's folder
// as root, then <service>Metadata/details/details and the file details,
// every name base64url-encoded; the file is a 4-byte serialization
// header (version 1) and the JSON.
func WriteBackupWithDetails(ctx context.Context, configFile, passphrase string, b DetailsBackup) (DetailsStats, error) {
	var st DetailsStats

	r, err := kopiarepo.Open(ctx, configFile, passphrase, &kopiarepo.Options{DisableRepositoryLog: true})
	if err != nil {
		return st, err
	}
	defer r.Close(ctx) //nolint:errcheck

	err = kopiarepo.WriteSession(ctx, r, kopiarepo.WriteSessionOptions{Purpose: "corso details fixture"}, func(ctx context.Context, w kopiarepo.RepositoryWriter) error {
		pr, pw := io.Pipe()

		go func() {
			_, err := pw.Write([]byte{0, 0, 0, 1})
			if err == nil {
				st, err = WriteDetails(pw, b.Details)
			}

			pw.CloseWithError(err)
		}()

		enc := func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }
		file := virtualfs.StreamingFileWithModTimeFromReader(enc("details"), b.Created, pr)
		tree := virtualfs.NewStaticDirectory(enc("tenant-0b5e"), []fs.Entry{
			virtualfs.NewStaticDirectory(enc(b.Details.Service+"Metadata"), []fs.Entry{
				virtualfs.NewStaticDirectory(enc("details"), []fs.Entry{
					virtualfs.NewStaticDirectory(enc("details"), []fs.Entry{file}),
				}),
			}),
		})

		service, resource := b.Details.Service, b.Details.Resource
		src := snapshot.SourceInfo{Host: service + "Metadatadetails", UserName: "tenant-0b5e-" + resource, Path: tree.Name()}

		// Compressed as Corso's global policy says.
		pol := *policy.DefaultPolicy
		pol.CompressionPolicy.CompressorName = "zstd-better-compression"

		man, err := upload.NewUploader(w).Upload(ctx, tree, policy.BuildTree(nil, &pol), src)
		if err != nil {
			pr.CloseWithError(err)
			return err
		}

		man.Tags = map[string]string{"tag:backup-id": b.ID, "tag:" + resource: "0"}

		streamID, err := snapshot.SaveSnapshot(ctx, w, man)
		if err != nil {
			return err
		}

		labels := map[string]string{"type": "BackupSchema", "stableID": b.ID, "storeVersion": "1", "service": service, "backup-type": "merge-backup"}
		body := map[string]any{
			"ID": b.ID, "creationTime": b.Created, "snapshotID": "", "streamStoreID": string(streamID),
			"status": "Completed", "version": 9,
			"selectors":             CorsoSelector(service, resource, b.ResourceName),
			"protectedResourceID":   resource,
			"protectedResourceName": b.ResourceName,
			"itemsRead":             b.Details.To - b.Details.From, "nonMetaItemsWritten": b.Details.To - b.Details.From,
			"startedAt": b.Created.Add(-3 * time.Minute), "completedAt": b.Created,
		}

		_, err = w.PutManifest(ctx, labels, body)

		return err
	})

	return st, err
}
