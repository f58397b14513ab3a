// Contents: what a repository holds, read without writing.

package kopiaengine

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/format"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// Contents reads what a connected repository holds: its blobs by kind and
// the Corso backups recorded in it. It only lists and reads: no session,
// no maintenance, no cache.
func (*Engine) Contents(ctx context.Context, local repo.Local, secrets repo.Secrets) (*repo.Contents, error) {
	if err := local.Validate(); err != nil {
		return nil, err
	}

	return bounded(ctx, "The repository's storage", func(ctx context.Context) (*repo.Contents, error) { return contentsOp(ctx, local, secrets) })
}

func contentsOp(ctx context.Context, local repo.Local, secrets repo.Secrets) (*repo.Contents, error) {
	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	where := locationOf(local)
	lister, keys := s3ListerFor(ctx, local, secrets)
	ctx = withKeys(ctx, keys) // resolved once: kopia's open uses the same

	if lister != nil {
		// What kopia's open reads is asked for now, beside kopia's
		// .storageconfig, not a round after it.
		ctx = withAheadSource(ctx, sdkSource{lister})
	}

	// The storage is listed beside the rest: a bucket's listing needs no
	// key, so it starts now, beside the derivation and kopia's open.
	listCtx, stopListing := context.WithCancel(ctx)
	// The first of the backups and the storage summary to be done goes
	// ahead of the result (the one to swap it).
	gate := &atomic.Bool{}
	storage := startStorageUse(listCtx, lister, gate)

	repo.Progress(ctx, repo.StepDeriving)

	dr, err := openReading(ctx, local, secrets)
	if err != nil {
		stopListing()
		storage.wait()

		return nil, err
	}
	defer dr.Close(ctx) //nolint:errcheck

	// Before the repository closes: the listing may be kopia's.
	defer storage.wait()
	defer stopListing()

	storage.open(dr.BlobReader())

	r := kopiarepo.Repository(dr)

	c := &repo.Contents{}

	// The maintenance settings are a round to the store; the backups are
	// read from what the open loaded: one beside the other.
	var maintErr error

	maintRead := make(chan struct{})
	go func() {
		defer close(maintRead)
		c.Maintenance, _, maintErr = maintenanceOf(ctx, dr)
	}()
	defer func() { <-maintRead }() // before the repository closes

	repo.Progress(ctx, repo.StepBackups)

	if c.Backups, c.AssistBackups, err = corsoBackups(ctx, r); err != nil {
		return nil, preflight.Classify(ctx, err, where)
	}

	if <-maintRead; maintErr != nil {
		return nil, preflight.Classify(ctx, maintErr, where)
	}

	if ahead := repo.ContentsAhead(ctx); gate.CompareAndSwap(false, true) && ahead != nil && !storage.finished() {
		ahead(*c)
	}

	repo.Progress(ctx, repo.StepListing)

	if c.Storage, err = storage.wait(); err != nil {
		return nil, preflight.Classify(ctx, err, where)
	}

	return c, nil
}

// s3ListerFor is a client that lists a connected bucket in listings side
// by side (preflight.ListAll), and the keys it resolved; nil for a
// folder, whose listing is local.
func s3ListerFor(ctx context.Context, local repo.Local, secrets repo.Secrets) (*preflight.S3API, *preflight.Keys) {
	o := connectedS3Options(local)
	if o == nil {
		return nil, nil
	}

	loc := o.location()
	keys := preflight.ResolveKeys(ctx, loc.S3Compatible, secrets.S3)

	api, err := preflight.OpenS3(loc, o.BucketRegion, keys)
	if err != nil {
		return nil, keys
	}

	return api, keys
}

// storageListing is a storage summary read beside the rest of the
// contents: a bucket across a network listed side by side (so that
// 100,000 blobs are a few rounds, not a hundred); a folder, a store next
// to this computer (where more listings only add the store's work), or a
// bucket that listing cannot reach as saved, through kopia's own listing
// once the repository is open.
type storageListing struct {
	opened chan blob.Reader
	isOpen chan struct{}
	done   chan struct{}
	use    repo.StorageUse
	err    error
}

// startStorageUse starts summing a repository's blobs by kind; lister is
// nil for a folder. Done before the backups are read, the summary is
// handed to repo.StorageAhead's receiver, once kopia's open has proved
// the passphrase.
func startStorageUse(ctx context.Context, lister *preflight.S3API, gate *atomic.Bool) *storageListing {
	l := &storageListing{opened: make(chan blob.Reader, 1), isOpen: make(chan struct{}), done: make(chan struct{})}

	go func() {
		defer close(l.done)
		defer l.handAhead(ctx, gate)

		if lister != nil && !nearby(ctx, lister) {
			var t usageTally

			err := lister.ListAll(ctx, preflight.KopiaGroups, func(o preflight.ListedObject) error {
				t.add(o.Name, o.Size, o.Modified)
				return nil
			})
			if err == nil {
				l.use = t.result()
				return
			}

			if ctx.Err() != nil {
				l.err = repo.CanceledError(ctx.Err())
				return
			}
		}

		select {
		case st := <-l.opened:
			l.use, l.err = storageUse(ctx, st)
		case <-ctx.Done():
			l.err = repo.CanceledError(ctx.Err())
		}
	}()

	return l
}

// nearby says whether the store answers as one next to this computer,
// waiting no longer than such a store takes: a store that has not
// answered by then is not, and its listing need not wait a round more.
func nearby(ctx context.Context, lister *preflight.S3API) bool {
	answer := make(chan bool, 1)
	go func() { answer <- lister.Nearby(ctx, format.KopiaRepositoryBlobID) }()

	wait := time.NewTimer(preflight.NearbyAnswer)
	defer wait.Stop()

	select {
	case near := <-answer:
		return near
	case <-wait.C:
		return false
	}
}

// open hands the listing kopia's storage, should it need it.
func (l *storageListing) open(st blob.Reader) {
	l.opened <- st
	close(l.isOpen)
}

// handAhead gives a summary done before the backups to the receiver.
func (l *storageListing) handAhead(ctx context.Context, gate *atomic.Bool) {
	ahead := repo.StorageAhead(ctx)
	if ahead == nil || l.err != nil {
		return
	}

	select {
	case <-l.isOpen:
		if gate.CompareAndSwap(false, true) {
			ahead(l.use)
		}
	case <-ctx.Done():
	}
}

func (l *storageListing) finished() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// wait is the summary, once it is done.
func (l *storageListing) wait() (repo.StorageUse, error) {
	<-l.done
	return l.use, l.err
}

// storageUse lists every blob once, through kopia, and sums them by kind.
func storageUse(ctx context.Context, st blob.Reader) (repo.StorageUse, error) {
	var t usageTally

	err := st.ListBlobs(ctx, "", func(bm blob.Metadata) error {
		t.add(string(bm.BlobID), bm.Length, bm.Timestamp)
		return nil
	})
	if err != nil {
		return repo.StorageUse{}, err
	}

	return t.result(), nil
}

// usageTally sums blobs by kind as they are listed.
type usageTally struct {
	sum    repo.StorageUse
	byKind map[string]*repo.BlobUse
}

func (t *usageTally) add(id string, length int64, written time.Time) {
	if t.byKind == nil {
		t.byKind = map[string]*repo.BlobUse{}
	}

	kind := blobUseKind(id)

	u := t.byKind[kind]
	if u == nil {
		u = &repo.BlobUse{Kind: kind}
		t.byKind[kind] = u
	}

	u.Blobs++
	u.Bytes += length
	t.sum.Blobs++
	t.sum.Bytes += length

	if written.After(t.sum.LastWrite) {
		t.sum.LastWrite = written
	}

	if id == "kopia.repository" {
		t.sum.Created = written
	}
}

func (t *usageTally) result() repo.StorageUse {
	use := t.sum

	for _, k := range repo.BlobKinds {
		if u := t.byKind[k]; u != nil {
			use.Kinds = append(use.Kinds, *u)
		}
	}

	return use
}

// blobUseKind names what a blob is by kopia's exact names (anything else
// under the location is "other").
func blobUseKind(id string) string {
	switch preflight.KopiaBlobKind(id) {
	case preflight.BlobFormat, preflight.BlobCfg:
		return repo.BlobFormat
	case preflight.BlobBookkeeping:
		if strings.HasPrefix(id, "kopia.") || id == ".storageconfig" {
			return repo.BlobFormat
		}
	case preflight.BlobIndex:
		if strings.HasPrefix(id, "xe") || strings.HasPrefix(id, "xw") {
			return repo.BlobEpochMarkers
		}

		return repo.BlobIndexes
	case preflight.BlobContent:
		switch {
		case strings.HasPrefix(id, "_log_"):
			return repo.BlobLogs
		case id[0] == 'p':
			return repo.BlobDataPacks
		case id[0] == 'q':
			return repo.BlobMetadataPacks
		case id[0] == 's':
			return repo.BlobSessions
		case id[0] == 'n':
			return repo.BlobIndexes
		}
	}

	return repo.BlobOther
}
