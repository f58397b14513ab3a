// Details: the items inside one Corso backup, read from the snapshot
// Corso's stream store writes, without writing anything.

package kopiaengine

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/kopia/kopia/fs"
	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/manifest"
	"github.com/kopia/kopia/snapshot"
	"github.com/kopia/kopia/snapshot/snapshotfs"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// Details reads the items of one Corso backup as `corso backup details`
// lists them. It opens the repository read-only and keeps nothing.
func (*Engine) Details(ctx context.Context, local repo.Local, secrets repo.Secrets, req repo.DetailsRequest) (*repo.BackupDetails, error) {
	if err := local.Validate(); err != nil {
		return nil, err
	}

	if req.BackupID == "" {
		return nil, repo.InvalidField("backup", "Choose a backup to look inside.")
	}

	return bounded(ctx, "The repository's storage", func(ctx context.Context) (*repo.BackupDetails, error) {
		return detailsOp(ctx, local, secrets, req)
	})
}

func detailsOp(ctx context.Context, local repo.Local, secrets repo.Secrets, req repo.DetailsRequest) (*repo.BackupDetails, error) {
	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	where := locationOf(local)
	_, keys := s3ListerFor(ctx, local, secrets)
	ctx = withKeys(ctx, keys)

	repo.Progress(ctx, repo.StepDeriving)

	dr, err := openReading(ctx, local, secrets)
	if err != nil {
		return nil, err
	}
	defer dr.Close(ctx) //nolint:errcheck

	repo.Progress(ctx, repo.StepBackupItems)

	d, err := readDetails(ctx, dr, req.BackupID)

	var re *repo.Error
	if err != nil && !errors.As(err, &re) {
		return nil, preflight.Classify(ctx, err, where)
	}

	return d, err
}

// readDetails finds the backup's model, then its details in the stream
// store's snapshot: <tenant>/<service>Metadata/details/details/details,
// each element base64url-encoded (Corso's internal/kopia path encoder),
// the file a 4-byte serialization header and then the JSON of
// details.DetailsModel. The snapshot's root is the tenant's folder, so
// the tenant is not needed to find it.
func readDetails(ctx context.Context, r kopiarepo.Repository, backupID string) (*repo.BackupDetails, error) {
	found, err := r.FindManifests(ctx, map[string]string{corsoTypeLabel: corsoBackupSchema, corsoStableIDLabel: backupID})
	if err != nil {
		return nil, err
	}

	var (
		b      corsoBackup
		labels map[string]string
	)

	for _, md := range found {
		if md.Labels[corsoVersionLabel] != corsoModelStoreVers {
			continue
		}

		if _, err := r.GetManifest(ctx, md.ID, &b); err != nil {
			return nil, err
		}

		labels = md.Labels
	}

	if labels == nil {
		return nil, repo.NewError(repo.CodeUnknown, nil, "This repository has no Corso backup %s. Read the repository's backups again to see those it has.", backupID)
	}

	service := labels[corsoServiceLabel]
	if b.StreamStoreID == "" {
		return nil, repo.NewError(repo.CodeUnknown, nil,
			"Backup %s keeps its details in the form Corso used before version 0.3, which this app does not read. `corso backup details %s --backup %s` shows them.", backupID, service, backupID)
	}

	f, err := detailsFile(ctx, r, b.StreamStoreID, service)
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck

	d := &repo.BackupDetails{BackupID: backupID, Service: service}
	if err := decodeDetails(ctx, f, d); err != nil {
		return nil, err
	}

	return d, nil
}

// detailsFile opens the details in the stream store snapshot id, past
// their serialization header.
func detailsFile(ctx context.Context, r kopiarepo.Repository, id, service string) (io.ReadCloser, error) {
	unreadable := func(cause error) error {
		return repo.NewError(repo.CodeUnknown, cause,
			"The details of this backup cannot be read: Corso's record of them (snapshot %s) is missing or damaged. Run Verify on this repository to see what else is affected.", id)
	}

	man, err := snapshot.LoadSnapshot(ctx, r, manifest.ID(id))
	if err != nil {
		if errors.Is(err, snapshot.ErrSnapshotNotFound) {
			return nil, unreadable(err)
		}

		return nil, err
	}

	root, err := snapshotfs.SnapshotRoot(r, man)
	if err != nil {
		return nil, unreadable(err)
	}

	elements := []string{service + "Metadata", "details", "details", "details"}
	for i, e := range elements {
		elements[i] = base64.URLEncoding.EncodeToString([]byte(e))
	}

	entry, err := snapshotfs.GetNestedEntry(ctx, root, elements)
	if err != nil {
		return nil, unreadable(err)
	}

	file, ok := entry.(fs.File)
	if !ok {
		return nil, unreadable(fmt.Errorf("details entry is a %T", entry))
	}

	rc, err := file.Open(ctx)
	if err != nil {
		return nil, unreadable(err)
	}

	var header [4]byte
	if _, err := io.ReadFull(rc, header[:]); err != nil {
		rc.Close() //nolint:errcheck
		return nil, unreadable(err)
	}

	// Corso's readers.SerializationFormat: the top bit marks an item deleted
	// while it was being backed up, the low 16 bits are the version (1).
	if v := binary.BigEndian.Uint32(header[:]); v&(1<<31) != 0 || v&0xffff != 1 {
		rc.Close() //nolint:errcheck
		return nil, unreadable(fmt.Errorf("serialization header %#x", v))
	}

	return rc, nil
}

// decodeDetails reads details.DetailsModel entry by entry, so that a
// backup of a million items is never held as JSON.
func decodeDetails(ctx context.Context, in io.Reader, d *repo.BackupDetails) error {
	dec := json.NewDecoder(bufio.NewReaderSize(in, 1<<20))
	folders := newFolderTable(d)

	malformed := func(cause error) error {
		return repo.NewError(repo.CodeUnknown, cause, "The details of backup %s are not in the form Corso v0.19.0 writes, so they cannot be shown.", d.BackupID)
	}

	if err := expectEntries(dec); err != nil {
		return malformed(err)
	}

	// With a receiver, what is read goes to it in parts: a first small
	// one for the first screen, then every partItems items.
	receive, sent, next := repo.ItemParts(ctx), 0, firstPartItems

	for n := 0; dec.More(); n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}

		if receive != nil && d.Len() >= next {
			folders := len(d.Folders)
			receive(d.Detach(sent))
			sent, next = folders, partItems
		}

		var e detailsEntry
		if err := dec.Decode(&e); err != nil {
			return malformed(err)
		}

		if it, place, ok := e.item(); ok {
			it.Folder = folders.index(place)
			d.Add(it)
		}
	}

	d.Folders = d.Folders[sent:]

	return nil
}

// The parts decodeDetails hands over: the first soon, for a first screen
// at once; the rest large enough to cost little each.
const (
	firstPartItems = 2000
	partItems      = 20000
)

// expectEntries moves dec to the first element of the "entries" array.
func expectEntries(dec *json.Decoder) error {
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("details: want an object, got %v (%w)", t, err)
	}

	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}

		if t == "entries" {
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return fmt.Errorf("details: entries is not an array (%v, %w)", t, err)
			}

			return nil
		}

		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}

	return errors.New("details: no entries")
}

// folderTable keeps each folder once, keyed by its joined elements.
type folderTable struct {
	d     *repo.BackupDetails
	known map[string]int32
}

func newFolderTable(d *repo.BackupDetails) *folderTable {
	return &folderTable{d: d, known: map[string]int32{}}
}

func (t *folderTable) index(place []string) int32 {
	key := joinKey(place)
	if i, ok := t.known[key]; ok {
		return i
	}

	i := int32(len(t.d.Folders))
	t.known[key] = i
	t.d.Folders = append(t.d.Folders, place)

	return i
}

func joinKey(place []string) string {
	n := 0
	for _, p := range place {
		n += len(p) + 1
	}

	b := make([]byte, 0, n)
	for _, p := range place {
		b = append(b, p...)
		b = append(b, 0)
	}

	return string(b)
}
