package repotest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kopia/kopia/fs"
	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/manifest"
	"github.com/kopia/kopia/repo/object"
	"github.com/kopia/kopia/snapshot"
)

// CorsoLeftovers says what WriteCorsoLeftovers wrote: what Corso's
// clean-up must remove, and what it must keep.
type CorsoLeftovers struct {
	Removed, Kept []manifest.ID
	// NewestAssist is the part of Kept that is bruno's assist backup, the
	// newest of its reason: an older set's goes when a newer set's is also
	// past Corso's buffer.
	NewestAssist []manifest.ID
}

// WriteCorsoLeftovers writes, dated at (the repository's clock set back),
// what failed and superseded Corso backups leave in a repository, beside
// what they must not take with them (labels and bodies as Corso v0.19.0
// writes them; ../shared/corso-compat.md):
//
//   - a complete merge backup of adele's mail (model, item-data snapshot,
//     details snapshot): kept;
//   - an item-data snapshot no backup model refers to: removed;
//   - a backup model whose details were never written: removed with its
//     item data;
//   - two complete assist backups of adele's mail older than the merge
//     backup: removed, each with its item data and details;
//   - a complete assist backup of bruno's mail, the newest for its reason:
//     kept.
func WriteCorsoLeftovers(ctx context.Context, configFile, passphrase string, at time.Time) (*CorsoLeftovers, error) {
	r, err := kopiarepo.Open(ctx, configFile, passphrase, &kopiarepo.Options{
		DisableRepositoryLog: true,
		TimeNowFunc:          func() time.Time { return at },
	})
	if err != nil {
		return nil, err
	}
	defer r.Close(ctx) //nolint:errcheck

	res := &CorsoLeftovers{}
	tenant := base64.URLEncoding.EncodeToString([]byte("contoso-tenant"))

	err = kopiarepo.WriteSession(ctx, r, kopiarepo.WriteSessionOptions{Purpose: "corso leftovers fixture"}, func(ctx context.Context, w kopiarepo.RepositoryWriter) error {
		n := 0

		snap := func(resource string, itemData bool, backupID string) (manifest.ID, error) {
			n++

			ow := w.NewObjectWriter(ctx, object.WriterOptions{})
			fmt.Fprintf(ow, "item data %d", n)

			oid, err := ow.Result()
			if err != nil {
				return "", err
			}

			tags := map[string]string{}
			if itemData {
				tags = map[string]string{"tag:is-canon-backup": "0", "tag:" + resource: "0", "tag:exchangeemail": "0", "tag:backup-id": backupID}
			}

			return snapshot.SaveSnapshot(ctx, w, &snapshot.Manifest{
				Source:    snapshot.SourceInfo{Host: "exchangeemail", UserName: "contoso-" + resource, Path: tenant},
				StartTime: fs.UTCTimestamp(at.UnixNano()), EndTime: fs.UTCTimestamp(at.UnixNano()),
				RootEntry: &snapshot.DirEntry{Name: "item", Type: snapshot.EntryTypeFile, ObjectID: oid},
				Tags:      tags,
			})
		}

		model := func(id, resource, kind string, created time.Time, data, details manifest.ID) (manifest.ID, error) {
			body, _ := json.Marshal(map[string]any{
				"ID": id, "creationTime": created, "snapshotID": string(data), "streamStoreID": string(details),
				"status": "Completed", "protectedResourceID": resource, "version": 9,
			})

			return w.PutManifest(ctx, map[string]string{
				"type": "BackupSchema", "stableID": id, "storeVersion": "1", "service": "exchange", "backup-type": kind,
			}, json.RawMessage(body))
		}

		backup := func(id, resource, kind string, created time.Time, withDetails bool) ([]manifest.ID, error) {
			data, err := snap(resource, true, id)
			if err != nil {
				return nil, err
			}

			var details manifest.ID
			if withDetails {
				if details, err = snap(resource, false, id); err != nil {
					return nil, err
				}
			}

			m, err := model(id, resource, kind, created, data, details)
			if err != nil {
				return nil, err
			}

			ids := []manifest.ID{m, data}
			if withDetails {
				ids = append(ids, details)
			}

			return ids, nil
		}

		kept, err := backup("0c1e0001-1f8f-4a5b-9d7e-6c1c2c5f3a10", "u-adele", "merge-backup", at, true)
		if err != nil {
			return err
		}

		res.Kept = append(res.Kept, kept...)

		orphan, err := snap("u-adele", true, "0c1e0002-1f8f-4a5b-9d7e-6c1c2c5f3a10")
		if err != nil {
			return err
		}

		res.Removed = append(res.Removed, orphan)

		for _, b := range []struct {
			id, resource, kind string
			created            time.Time
			details, removed   bool
		}{
			{"0c1e0003-1f8f-4a5b-9d7e-6c1c2c5f3a10", "u-adele", "merge-backup", at, false, true},
			{"0c1e0004-1f8f-4a5b-9d7e-6c1c2c5f3a10", "u-adele", "assist-backup", at.Add(-2 * time.Hour), true, true},
			{"0c1e0005-1f8f-4a5b-9d7e-6c1c2c5f3a10", "u-adele", "assist-backup", at.Add(-time.Hour), true, true},
			{"0c1e0006-1f8f-4a5b-9d7e-6c1c2c5f3a10", "u-bruno", "assist-backup", at, true, false},
		} {
			ids, err := backup(b.id, b.resource, b.kind, b.created, b.details)
			if err != nil {
				return err
			}

			if b.removed {
				res.Removed = append(res.Removed, ids...)
			} else {
				res.Kept = append(res.Kept, ids...)
				res.NewestAssist = append(res.NewestAssist, ids...)
			}
		}

		return nil
	})

	return res, err
}
