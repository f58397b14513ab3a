// Naming what a verification found by the Corso backups it touches: a
// damaged content belongs to an object, the object to a snapshot, the
// snapshot to a backup model.

package kopiaengine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/kopia/kopia/repo/content"
	"github.com/kopia/kopia/repo/manifest"
	"github.com/kopia/kopia/repo/object"
	"github.com/kopia/kopia/snapshot"

	"github.com/corsodesktop/corso-desktop/repo"
)

// recordedBackup is what attribution needs of a Corso backup model.
type recordedBackup struct {
	ID            string `json:"ID"`
	SnapshotID    string `json:"snapshotID"`
	StreamStoreID string `json:"streamStoreID"`
	Resource      string `json:"protectedResourceName"`
	ResourceID    string `json:"protectedResourceID"`
}

// attribute names, for each problem, the Corso backups whose item data,
// details or record it touches.
func (v *verifier) attribute(ctx context.Context) error {
	snapshots := map[manifest.ID]manifestRecord{}
	backupIDs := map[string]bool{}

	var backups []struct {
		rec     recordedBackup
		service string
	}

	for _, m := range v.manifests {
		if m.Deleted {
			continue
		}

		switch m.Labels[corsoTypeLabel] {
		case "snapshot":
			snapshots[m.ID] = m
		case corsoBackupSchema:
			var b recordedBackup
			if m.Labels[corsoVersionLabel] == corsoModelStoreVers && json.Unmarshal(m.Data, &b) == nil {
				b.ID = cmp.Or(b.ID, m.Labels[corsoStableIDLabel])
				backups = append(backups, struct {
					rec     recordedBackup
					service string
				}{b, m.Labels[corsoServiceLabel]})
				backupIDs[b.ID] = true
			}
		}
	}

	// Records may have gone with the damage only when a manifest content
	// or an index could not be read.
	recordsLost := len(v.records) > 0

	for _, b := range backups {
		ref := repo.BackupRef{ID: b.rec.ID, Service: b.service, ResourceName: cmp.Or(b.rec.Resource, b.rec.ResourceID)}

		for _, part := range []struct {
			name string
			id   string
		}{{repo.PartItemData, b.rec.SnapshotID}, {repo.PartDetails, b.rec.StreamStoreID}} {
			if part.id == "" {
				continue
			}

			ref.Part = part.name

			snap, ok := snapshots[manifest.ID(part.id)]
			if !ok {
				if recordsLost {
					v.touch(ref, v.recordProblems())
				}

				continue
			}

			v.touch(ref, v.walkSnapshot(ctx, snap))
		}
	}

	// A snapshot that names a backup whose model is gone: the backup's
	// record went with the damage.
	if recordsLost {
		for _, s := range snapshots {
			id := s.Labels["tag:backup-id"]
			if id == "" || backupIDs[id] {
				continue
			}

			backupIDs[id] = true
			v.touch(repo.BackupRef{ID: id, Service: serviceOfTags(s.Labels), ResourceName: resourceOf(s), Part: repo.PartRecord}, v.recordProblems())
		}
	}

	return ctx.Err()
}

// recordProblems are the problems that can take records with them:
// unreadable manifest contents and index blobs.
func (v *verifier) recordProblems() []int {
	var out []int

	for i := range v.res.Problems {
		if v.records[i] {
			out = append(out, i)
		}
	}

	return out
}

// touch adds ref to each problem in problems, once.
func (v *verifier) touch(ref repo.BackupRef, problems []int) {
	for _, i := range problems {
		if !slices.Contains(v.res.Problems[i].Backups, ref) {
			v.res.Problems[i].Backups = append(v.res.Problems[i].Backups, ref)
		}
	}
}

// walkSnapshot walks a snapshot's tree and returns the problems its
// objects touch: a damaged content's, or, for an object whose contents
// cannot be found (an index set aside), the records' problems.
func (v *verifier) walkSnapshot(ctx context.Context, s manifestRecord) []int {
	var man snapshot.Manifest
	if json.Unmarshal(s.Data, &man) != nil || man.RootEntry == nil {
		return v.recordProblems()
	}

	found := map[int]bool{}

	var walk func(oid object.ID, dir bool)

	walk = func(oid object.ID, dir bool) {
		if ctx.Err() != nil {
			return
		}

		ids, err := v.dr.VerifyObject(ctx, oid)
		if err != nil {
			for _, i := range v.recordProblems() {
				found[i] = true
			}

			return
		}

		damaged := false

		for _, id := range ids {
			if i, ok := v.damagedIn(id); ok {
				found[i], damaged = true, true
			}
		}

		if !dir || damaged {
			return
		}

		entries, err := v.readDir(ctx, oid)
		if err != nil {
			for _, i := range v.recordProblems() {
				found[i] = true
			}

			return
		}

		for _, e := range entries {
			walk(e.ObjectID, e.Type == snapshot.EntryTypeDirectory)
		}
	}

	walk(man.RootEntry.ObjectID, man.RootEntry.Type == snapshot.EntryTypeDirectory)

	out := make([]int, 0, len(found))
	for i := range found {
		out = append(out, i)
	}

	slices.Sort(out)

	return out
}

func (v *verifier) damagedIn(id content.ID) (int, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()

	i, ok := v.damaged[id]

	return i, ok
}

// readDir reads a directory object's entries.
func (v *verifier) readDir(ctx context.Context, oid object.ID) ([]*snapshot.DirEntry, error) {
	r, err := v.dr.OpenObject(ctx, oid)
	if err != nil {
		return nil, err
	}
	defer r.Close() //nolint:errcheck

	var dm snapshot.DirManifest
	if err := json.NewDecoder(r).Decode(&dm); err != nil {
		return nil, err
	}

	if dm.StreamType != "kopia:directory" {
		return nil, errors.New("not a directory object")
	}

	return dm.Entries, nil
}

// serviceOfTags is the Corso service a snapshot's tags name
// (tag:<service><category>).
func serviceOfTags(labels map[string]string) string {
	for k := range labels {
		for _, s := range []string{"exchange", "onedrive", "sharepoint", "groups", "chats"} {
			if strings.HasPrefix(k, "tag:"+s) {
				return s
			}
		}
	}

	return ""
}

// resourceOf is the resource a Corso snapshot is of: its source's user
// name is <tenant>-<resource>.
func resourceOf(s manifestRecord) string {
	var man snapshot.Manifest
	if json.Unmarshal(s.Data, &man) != nil {
		return ""
	}

	if _, r, ok := strings.Cut(man.Source.UserName, "-"); ok {
		return r
	}

	return man.Source.UserName
}
