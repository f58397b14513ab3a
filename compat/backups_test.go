package compat

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/object"
)

// withBackups is the repository this module fills with Corso backup models
// for the main module to list; backupsExpected says what it wrote.
const (
	withBackups     = "with-backups"
	backupsExpected = "backups-expected.json"
)

// writtenModel is one model as written: its labels and its JSON body.
type writtenModel struct {
	Labels map[string]string `json:"labels"`
	Body   map[string]any    `json:"body"`
}

// TestForkWritesCorsoBackups writes what Corso's model store writes for
// backups (src/internal/kopia/model_store.go and pkg/backup.Backup at
// v0.19.0): a kopia manifest per backup, labelled with its schema, stable
// ID, store version, service and backup type, with the backup's JSON as its
// body. Every service, a failed and a "No Data" backup, assist and preview
// backups, an older model without a backup-type tag, a model of another
// store version (Corso refuses to read those) and non-backup models that a
// list must leave out. Item data goes in as a data pack.
func TestForkWritesCorsoBackups(t *testing.T) {
	dir := exchangeDir(t)
	ctx := context.Background()
	dr := openFilesystem(t, ctx, filepath.Join(dir, withBackups), passphrase(t, dir), true)

	written := writeCorsoModels(t, ctx, dr)

	out, err := json.MarshalIndent(written, "", "  ")
	if err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(filepath.Join(dir, backupsExpected), out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeCorsoModels writes the backup models (and a data pack) of
// TestForkWritesCorsoBackups into dr and returns them.
func writeCorsoModels(t *testing.T, ctx context.Context, dr repo.DirectRepository) []writtenModel {
	t.Helper()

	base := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

	backup := func(i int, service, backupType, status, resource, name string, errs int, failure string) writtenModel {
		id := fmt.Sprintf("0b5e%04d-1f8f-4a5b-9d7e-6c1c2c5f3a10", i)
		started := base.Add(time.Duration(i) * time.Hour)
		labels := map[string]string{
			"type": "BackupSchema", "stableID": id, "storeVersion": "1", "service": service,
		}

		if backupType != "" {
			labels["backup-type"] = backupType
		}

		body := map[string]any{
			"ID":            id,
			"creationTime":  started.Add(7 * time.Minute),
			"snapshotID":    fmt.Sprintf("k%031x", i),
			"streamStoreID": fmt.Sprintf("k%031x", 1000+i),
			"status":        status,
			"selectors": map[string]any{
				"service": 1, "discreteOwner": resource, "discreteOwnerName": name,
			},
			"protectedResourceID":       resource,
			"protectedResourceName":     name,
			"version":                   9,
			"failFast":                  false,
			"errorCount":                errs,
			"failure":                   failure,
			"bytesRead":                 int64(1000000 * (i + 1)),
			"bytesUploaded":             int64(400000 * (i + 1)),
			"itemsRead":                 100 + i,
			"itemsWritten":              40 + i,
			"nonMetaBytesUploaded":      int64(300000 * (i + 1)),
			"nonMetaItemsWritten":       30 + i,
			"resourceOwners":            1,
			"startedAt":                 started,
			"completedAt":               started.Add(7 * time.Minute),
			"totalSkippedItems":         i % 3,
			"skippedMalware":            0,
			"skippedInvalidOneNoteFile": 0,
			"detailsID":                 "",
		}

		return writtenModel{Labels: labels, Body: body}
	}

	models := []writtenModel{
		backup(0, "exchange", "merge-backup", "Completed", "u-adele", "adele@contoso.com", 0, ""),
		backup(1, "onedrive", "merge-backup", "Completed", "u-bruno", "bruno@contoso.com", 2, ""),
		backup(2, "sharepoint", "merge-backup", "Failed", "s-hr", "HR site", 1, "the site could not be reached"),
		backup(3, "groups", "merge-backup", "Completed", "g-sales", "Sales team", 0, ""),
		backup(4, "chats", "merge-backup", "No Data", "u-adele", "adele@contoso.com", 0, ""),
		backup(5, "exchange", "assist-backup", "Completed", "u-bruno", "bruno@contoso.com", 0, ""),
		backup(6, "onedrive", "preview-backup", "Completed", "u-adele", "adele@contoso.com", 0, ""),
		backup(7, "exchange", "", "Completed", "u-carla", "carla@contoso.com", 0, ""),
	}

	foreign := backup(8, "exchange", "merge-backup", "Completed", "u-dave", "dave@contoso.com", 0, "")
	foreign.Labels["storeVersion"] = "2"

	others := []writtenModel{
		foreign,
		{Labels: map[string]string{"type": "BackupOpSchema", "stableID": "op-1", "storeVersion": "1", "service": "exchange"}, Body: map[string]any{"status": "Completed"}},
		{Labels: map[string]string{"type": "RepositorySchema", "stableID": "repo-1", "storeVersion": "1"}, Body: map[string]any{"ID": "repo-1"}},
	}

	err := repo.WriteSession(ctx, dr, repo.WriteSessionOptions{Purpose: "compat backups"}, func(ctx context.Context, w repo.RepositoryWriter) error {
		// Item data: enough random bytes to fill a data pack.
		ow := w.NewObjectWriter(ctx, object.WriterOptions{Description: "item data"})
		data := make([]byte, 3<<20)
		rand.Read(data) //nolint:errcheck

		if _, err := ow.Write(data); err != nil {
			return err
		}

		if _, err := ow.Result(); err != nil {
			return err
		}

		for _, m := range append(models, others...) {
			if _, err := w.PutManifest(ctx, m.Labels, m.Body); err != nil {
				return err
			}
		}

		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	return append(models, others...)

}

// TestForkWritesCorsoBackupsOnS3 writes the same models into the S3
// repository Corso Desktop exported (s3.corso.toml), for its maintenance
// on MinIO over the fork's data.
func TestForkWritesCorsoBackupsOnS3(t *testing.T) {
	dir := exchangeDir(t)
	ctx := context.Background()

	st := exportedStorage(t, ctx, dir, "s3")
	cfg := filepath.Join(t.TempDir(), "repository.config")

	if err := repo.Connect(ctx, cfg, st, passphrase(t, dir), &repo.ConnectOptions{}); err != nil {
		t.Fatal(err)
	}

	r, err := repo.Open(ctx, cfg, passphrase(t, dir), &repo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(ctx)

	writeCorsoModels(t, ctx, r.(repo.DirectRepository))
}
