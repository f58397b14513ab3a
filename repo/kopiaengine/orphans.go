// Corso's clean-up of incomplete backups, run before complete maintenance.

package kopiaengine

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/manifest"
)

// orphanBuffer is Corso's: nothing younger than 7 days is looked at, so a
// backup still being written elsewhere is never taken for an orphan.
const orphanBuffer = 7 * 24 * time.Hour

// Corso's labels (internal/kopia and internal/model at v0.19.0).
const (
	snapshotType      = "snapshot"
	backupSchema      = "BackupSchema"
	detailsSchema     = "BackupDetailsSchema"
	stableIDLabel     = "stableID"
	storeVersionLabel = "storeVersion"
	backupTypeLabel   = "backup-type"
	assistBackup      = "assist-backup"
	canonBackupTag    = "tag:is-canon-backup"
	backupIDTag       = "tag:backup-id"
	userTagPrefix     = "tag:"
	reasonTagPrefix   = "sc-"
	pathLabel         = "path"
	corsoStoreVersion = 1
)

// corsoModel is what the clean-up reads of a backup model's body.
type corsoModel struct {
	CreationTime        time.Time `json:"creationTime"`
	SnapshotID          string    `json:"snapshotID"`
	StreamStoreID       string    `json:"streamStoreID"`
	DetailsID           string    `json:"detailsID"`
	ProtectedResourceID string    `json:"protectedResourceID"`

	id   manifest.ID
	tags map[string]string
}

// cleanupOrphans removes, as Corso's cleanupOrphanedData does, what failed
// or interrupted backups left that is older than buffer: item-data and
// details snapshots and backup models that do not make a complete backup
// (a model, its item data, its details), and assist backups a newer backup
// of the same resource and category made useless. Everything goes in one
// write session; the count of manifests removed is returned.
func cleanupOrphans(ctx context.Context, r kopiarepo.Repository, buffer time.Duration, now time.Time) (int, error) {
	cutoff := now.Add(-buffer)
	old := func(m *manifest.EntryMetadata) bool { return cutoff.After(m.ModTime) }

	snaps, err := r.FindManifests(ctx, map[string]string{manifest.TypeLabelKey: snapshotType})
	if err != nil {
		return 0, err
	}

	var (
		details   = map[manifest.ID]bool{}
		dataSnaps = map[manifest.ID]*manifest.EntryMetadata{}
		toDelete  = map[manifest.ID]bool{}
	)

	for _, s := range snaps {
		if !old(s) {
			continue
		}

		toDelete[s.ID] = true

		if _, ok := s.Labels[canonBackupTag]; ok {
			dataSnaps[s.ID] = s
		} else {
			details[s.ID] = true
		}
	}

	// Models of another store version make Corso's model store refuse
	// the whole listing, and with it the clean-up: so here too.
	legacyDetails, err := corsoModels(ctx, r, detailsSchema)
	if err != nil {
		return 0, err
	}

	for _, d := range legacyDetails {
		if old(d) {
			details[d.ID], toDelete[d.ID] = true, true
		}
	}

	backups, err := corsoModels(ctx, r, backupSchema)
	if err != nil {
		return 0, err
	}

	var (
		assists []*corsoModel
		// newestMerge is each reason's newest complete merge backup.
		newestMerge = map[string]time.Time{}
	)

	for _, b := range backups {
		if !old(b) {
			continue
		}

		toDelete[b.ID] = true

		var m corsoModel
		if _, err := r.GetManifest(ctx, b.ID, &m); errors.Is(err, manifest.ErrNotFound) {
			// Gone meanwhile: what it referenced is orphaned.
			continue
		} else if err != nil {
			return 0, err
		}

		m.id, m.tags = b.ID, withoutHidden(b.Labels)

		ssid := m.StreamStoreID
		if ssid == "" {
			ssid = m.DetailsID
		}

		data, dataOK := dataSnaps[manifest.ID(m.SnapshotID)]
		if !dataOK || !details[manifest.ID(ssid)] {
			continue
		}

		// A complete backup: kept, with its item data and details.
		delete(toDelete, b.ID)
		delete(toDelete, manifest.ID(m.SnapshotID))
		delete(toDelete, manifest.ID(ssid))

		if !reasonTagsFrom(data, &m) {
			// Kept, and not counted as a newer base either.
			continue
		}

		if m.tags[backupTypeLabel] == assistBackup {
			assists = append(assists, &m)
			continue
		}

		for _, key := range reasonKeys(&m) {
			if m.CreationTime.After(newestMerge[key]) {
				newestMerge[key] = m.CreationTime
			}
		}
	}

	for _, id := range staleAssists(newestMerge, assists) {
		toDelete[id] = true
	}

	delete(toDelete, "")

	if len(toDelete) == 0 {
		return 0, nil
	}

	ids := make([]manifest.ID, 0, len(toDelete))
	for id := range toDelete {
		ids = append(ids, id)
	}

	slices.Sort(ids)

	err = kopiarepo.WriteSession(ctx, r, kopiarepo.WriteSessionOptions{Purpose: "Corso maintenance: clean-up of incomplete backups"}, func(ctx context.Context, w kopiarepo.RepositoryWriter) error {
		for _, id := range ids {
			if err := w.DeleteManifest(ctx, id); err != nil {
				return err
			}
		}

		return nil
	})
	if err != nil {
		return 0, err
	}

	return len(ids), nil
}

// corsoModels lists the models of one schema as Corso's model store does:
// every one must carry a stable ID and this store version.
func corsoModels(ctx context.Context, r kopiarepo.Repository, schema string) ([]*manifest.EntryMetadata, error) {
	found, err := r.FindManifests(ctx, map[string]string{manifest.TypeLabelKey: schema})
	if err != nil {
		return nil, err
	}

	for _, m := range found {
		if m.Labels[stableIDLabel] == "" {
			return nil, fmt.Errorf("a %s model without a stable ID", schema)
		}

		if v, err := strconv.Atoi(m.Labels[storeVersionLabel]); err != nil || v != corsoStoreVersion {
			return nil, fmt.Errorf("a %s model of store version %q, which Corso v0.19.0 refuses", schema, m.Labels[storeVersionLabel])
		}
	}

	return found, nil
}

// withoutHidden is a model's labels as Corso's model tags: without its
// stable ID, store version and type.
func withoutHidden(labels map[string]string) map[string]string {
	tags := make(map[string]string, len(labels))

	for k, v := range labels {
		if k != stableIDLabel && k != storeVersionLabel && k != manifest.TypeLabelKey {
			tags[k] = v
		}
	}

	return tags
}

// reasonTagsFrom copies, as Corso's transferTags does, the tenant (from the
// item-data snapshot's path label) and the service and category tags onto
// the backup's tags; false when the tenant cannot be read.
func reasonTagsFrom(data *manifest.EntryMetadata, m *corsoModel) bool {
	tenant, err := base64.URLEncoding.DecodeString(data.Labels[pathLabel])
	if err != nil {
		return false
	}

	m.tags["tenant"] = string(tenant)

	skip := map[string]bool{backupIDTag: true, canonBackupTag: true, userTagPrefix + m.ProtectedResourceID: true}

	for k := range data.Labels {
		if skip[k] || !strings.HasPrefix(k, userTagPrefix) {
			continue
		}

		m.tags[reasonTagPrefix+strings.TrimPrefix(k, userTagPrefix)] = "0"
	}

	return true
}

// reasonKeys are the (tenant, resource, service and category) a backup is
// for, one key each, as Corso's keysForBackup makes them.
func reasonKeys(m *corsoModel) []string {
	tenant := m.tags["tenant"]
	if tenant == "" {
		return nil
	}

	var keys []string

	for k := range m.tags {
		if strings.HasPrefix(k, reasonTagPrefix) {
			keys = append(keys, tenant+m.ProtectedResourceID+k)
		}
	}

	return keys
}

// staleAssists is Corso's collectOldAssistBases: per reason, every assist
// backup but the newest goes, and the newest too when a merge backup is
// newer than it; a backup newest for any of its reasons stays. Each goes
// with its item data and details.
func staleAssists(newestMerge map[string]time.Time, assists []*corsoModel) []manifest.ID {
	maybe := map[manifest.ID]*corsoModel{}
	byReason := map[string][]*corsoModel{}

	for _, a := range assists {
		keys := reasonKeys(a)
		if len(keys) == 0 {
			continue
		}

		maybe[a.id] = a

		for _, k := range keys {
			byReason[k] = append(byReason[k], a)
		}
	}

	for key, set := range byReason {
		newest := slices.MaxFunc(set, func(a, b *corsoModel) int { return a.CreationTime.Compare(b.CreationTime) })
		if !newest.CreationTime.Before(newestMerge[key]) {
			delete(maybe, newest.id)
		}
	}

	var ids []manifest.ID

	for id, a := range maybe {
		ids = append(ids, id, manifest.ID(a.SnapshotID), manifest.ID(a.StreamStoreID))
	}

	return ids
}
