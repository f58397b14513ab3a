package repotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/kopia/kopia/fs"
	"github.com/kopia/kopia/fs/virtualfs"
	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/manifest"
	"github.com/kopia/kopia/snapshot"
	"github.com/kopia/kopia/snapshot/policy"
	"github.com/kopia/kopia/snapshot/upload"
)

// CorsoBackupWithData is one backup WriteCorsoBackupsWithData wrote, with
// the blobs each of its parts went into.
type CorsoBackupWithData struct {
	ID, Service, Resource string
	// ItemData, Details and Record are the blobs (packs, indexes) written
	// for its item-data snapshot, its details snapshot and its model, each
	// in a write session of its own, as Corso's backup operation writes
	// them.
	ItemData, Details, Record []blob.ID
	// Items is how many items its item data holds.
	Items int
}

// WriteCorsoBackupsWithData writes one complete Exchange backup of each
// resource as Corso v0.19.0 writes one: the item data as a kopia snapshot
// (tenant/service/resource/category/folder/items, random bytes so that no
// two backups share a content), the details as a snapshot of their own,
// then the backup model naming both, each in a write session of its own.
// items is how many items each backup holds, size each one's bytes.
func WriteCorsoBackupsWithData(ctx context.Context, configFile, passphrase string, resources []string, items, size int) ([]CorsoBackupWithData, error) {
	r, err := kopiarepo.Open(ctx, configFile, passphrase, &kopiarepo.Options{DisableRepositoryLog: true})
	if err != nil {
		return nil, err
	}
	defer r.Close(ctx) //nolint:errcheck

	dr, _ := r.(kopiarepo.DirectRepository)
	tenant := base64.URLEncoding.EncodeToString([]byte("contoso-tenant"))

	var out []CorsoBackupWithData

	for i, resource := range resources {
		b := CorsoBackupWithData{ID: fmt.Sprintf("0d%06x-1f8f-4a5b-9d7e-6c1c2c5f3a10", i), Service: "exchange", Resource: resource, Items: items}
		created := time.Now().Add(-time.Duration(len(resources)-i) * time.Hour).UTC()

		var data, details manifest.ID

		session := func(purpose string, into *[]blob.ID, write func(w kopiarepo.RepositoryWriter) error) error {
			before, err := blobNames(ctx, dr)
			if err != nil {
				return err
			}

			if err := kopiarepo.WriteSession(ctx, r, kopiarepo.WriteSessionOptions{Purpose: purpose}, func(_ context.Context, w kopiarepo.RepositoryWriter) error {
				return write(w)
			}); err != nil {
				return err
			}

			after, err := blobNames(ctx, dr)
			for _, id := range after {
				if !slices.Contains(before, id) {
					*into = append(*into, id)
				}
			}

			return err
		}

		tags := map[string]string{"tag:backup-id": b.ID, "tag:is-canon-backup": "0", "tag:" + resource: "0", "tag:exchangeemail": "0"}

		if err := session("corso item data", &b.ItemData, func(w kopiarepo.RepositoryWriter) error {
			var files []fs.Entry
			for j := range items {
				files = append(files, randomFile(fmt.Sprintf("item-%04d", j), size))
			}

			root := virtualfs.NewStaticDirectory(tenant, []fs.Entry{
				virtualfs.NewStaticDirectory("exchange", []fs.Entry{
					virtualfs.NewStaticDirectory(resource, []fs.Entry{
						virtualfs.NewStaticDirectory("email", []fs.Entry{virtualfs.NewStaticDirectory("Inbox", files)}),
					}),
				}),
			})

			man, err := upload.NewUploader(w).Upload(ctx, root, policy.BuildTree(nil, policy.DefaultPolicy),
				snapshot.SourceInfo{Host: "exchangeemail", UserName: "contoso-" + resource, Path: tenant})
			if err != nil {
				return err
			}

			man.Tags = tags
			data, err = snapshot.SaveSnapshot(ctx, w, man)

			return err
		}); err != nil {
			return nil, err
		}

		if err := session("corso details", &b.Details, func(w kopiarepo.RepositoryWriter) error {
			man, err := upload.NewUploader(w).Upload(ctx, virtualfs.NewStaticDirectory("details", []fs.Entry{randomFile("details", 4<<10)}),
				policy.BuildTree(nil, policy.DefaultPolicy), snapshot.SourceInfo{Host: "streamstore", UserName: "contoso-" + resource, Path: "details"})
			if err != nil {
				return err
			}

			man.Tags = map[string]string{"tag:backup-id": b.ID}
			details, err = snapshot.SaveSnapshot(ctx, w, man)

			return err
		}); err != nil {
			return nil, err
		}

		if err := session("corso backup model", &b.Record, func(w kopiarepo.RepositoryWriter) error {
			_, err := w.PutManifest(ctx, map[string]string{"type": "BackupSchema", "stableID": b.ID, "storeVersion": "1", "service": "exchange", "backup-type": "merge-backup"},
				map[string]any{
					"ID": b.ID, "creationTime": created, "snapshotID": string(data), "streamStoreID": string(details), "status": "Completed", "version": 9,
					"selectors":           CorsoSelector("exchange", resource, resource),
					"protectedResourceID": resource, "protectedResourceName": resource,
					"itemsRead": items, "nonMetaItemsWritten": items, "startedAt": created.Add(-time.Minute), "completedAt": created,
				})

			return err
		}); err != nil {
			return nil, err
		}

		out = append(out, b)
	}

	return out, nil
}

func blobNames(ctx context.Context, dr kopiarepo.DirectRepository) ([]blob.ID, error) {
	var ids []blob.ID

	err := dr.BlobReader().ListBlobs(ctx, "", func(md blob.Metadata) error {
		ids = append(ids, md.BlobID)
		return nil
	})

	return ids, err
}

// randomFile is a file of size random bytes.
func randomFile(name string, size int) fs.Entry {
	b := make([]byte, size)
	rand.Read(b) //nolint:errcheck

	return virtualfs.StreamingFileFromReader(name, io.NopCloser(bytes.NewReader(b)))
}
