// A connect's read-ahead: what kopia's open of an existing repository
// reads, asked for at once, while kopia waits for the first of it and
// then derives the key.

package kopiaengine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/format"

	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// aheadBlobs are the blobs kopia's open reads whole, one after another:
// the format, the blob settings (after the key derivation) and the
// maintenance schedule. (kopia's S3 storage reads .storageconfig as it is
// opened, before this starts.)
var aheadBlobs = []blob.ID{format.KopiaBlobCfgBlobID, format.KopiaRepositoryBlobID, "kopia.maintenance"}

// aheadListings are the index prefixes kopia's open lists: its epoch
// manager's markers, deletion watermarks and compactions, and every
// epoch's indexes ("xn", which answers the listing of each epoch).
var aheadListings = []blob.ID{"xe", "xw", "xr", "xs", "xn"}

// The indexes read ahead, at most: a repository that has more is one
// kopia compacts, and reads its compactions rather than these.
const (
	aheadIndexes     = 64
	aheadIndexBytes  = 16 << 20
	aheadIndexPrefix = "xn"
)

// aheadSource is what a read-ahead reads from: kopia's storage, or the
// AWS SDK's client of the same location (sdkSource), which is ready a
// round before kopia's storage (that reads .storageconfig as it opens).
type aheadSource interface {
	GetBlob(ctx context.Context, id blob.ID, offset, length int64, out blob.OutputBuffer) error
	ListBlobs(ctx context.Context, prefix blob.ID, cb func(blob.Metadata) error) error
}

// readAhead is what a connect asked for ahead of kopia's open.
type readAhead struct {
	gets  map[blob.ID]*aheadGet
	lists map[blob.ID]*aheadListing
	// indexes are the epochs' indexes, read once their listing is in;
	// the map is complete when that listing's done is closed.
	indexes map[blob.ID]*aheadGet
	// listed are the prefixes of xn kopia has listed, each answered once.
	mu     sync.Mutex
	listed map[blob.ID]bool
	// opened ends the answers to listings and to reads of indexes: once
	// kopia's open is over, what it lists or reads is asked of the store
	// (a write may follow); ended ends every answer.
	opened, ended atomic.Bool
}

// openDone says kopia's open is over: listings and indexes go to the
// store from now on.
func (a *readAhead) openDone() {
	if a != nil {
		a.opened.Store(true)
	}
}

// finish says the operation's open is over: everything goes to the store.
func (a *readAhead) finish() {
	if a != nil {
		a.opened.Store(true)
		a.ended.Store(true)
	}
}

// aheadListing is one listing made ahead, answered to kopia once.
type aheadListing struct {
	done  chan struct{}
	blobs []blob.Metadata
	err   error
}

// aheadGet is one blob read ahead, answered to kopia once.
type aheadGet struct {
	done  chan struct{}
	data  []byte
	err   error
	taken atomic.Bool
}

// startReadAhead asks raw for everything kopia's open of an existing
// repository reads before it needs a key and what it lists after, at once
// (nothing is written). Each answers kopia once, as a read kopia made a
// moment earlier would; anything else kopia asks goes to the store then.
func startReadAhead(ctx context.Context, raw aheadSource) *readAhead {
	a := &readAhead{gets: map[blob.ID]*aheadGet{}, lists: map[blob.ID]*aheadListing{}, indexes: map[blob.ID]*aheadGet{}, listed: map[blob.ID]bool{}}

	for _, id := range aheadBlobs {
		g := &aheadGet{done: make(chan struct{})}
		a.gets[id] = g

		go func() {
			defer close(g.done)

			var buf gather
			g.err = raw.GetBlob(ctx, id, 0, -1, &buf)
			g.data = buf.b
		}()
	}

	for _, prefix := range aheadListings {
		l := &aheadListing{done: make(chan struct{})}
		a.lists[prefix] = l

		go func() {
			l.err = raw.ListBlobs(ctx, prefix, func(md blob.Metadata) error {
				l.blobs = append(l.blobs, md)
				return nil
			})

			if prefix != aheadIndexPrefix {
				close(l.done)
				return
			}

			reads := a.planIndexes(l)
			close(l.done)
			a.readIndexes(ctx, raw, reads)
		}()
	}

	return a
}

// planIndexes makes room for the listed indexes of every epoch, unless
// there are more than a read-ahead should hold, and returns them.
func (a *readAhead) planIndexes(l *aheadListing) []blob.ID {
	var total int64
	for _, md := range l.blobs {
		total += md.Length
	}

	if l.err != nil || len(l.blobs) > aheadIndexes || total > aheadIndexBytes {
		return nil
	}

	ids := make([]blob.ID, 0, len(l.blobs))
	for _, md := range l.blobs {
		a.indexes[md.BlobID] = &aheadGet{done: make(chan struct{})}
		ids = append(ids, md.BlobID)
	}

	return ids
}

// readIndexes reads the indexes planned, all at once.
func (a *readAhead) readIndexes(ctx context.Context, raw aheadSource, ids []blob.ID) {
	for _, id := range ids {
		g := a.indexes[id]

		go func() {
			defer close(g.done)

			var buf gather
			g.err = raw.GetBlob(ctx, id, 0, -1, &buf)
			g.data = buf.b
		}()
	}
}

// gather is a blob.OutputBuffer that keeps what is written to it.
type gather struct{ b []byte }

func (g *gather) Write(p []byte) (int, error) { g.b = append(g.b, p...); return len(p), nil }

func (g *gather) Reset() { g.b = g.b[:0] }

func (g *gather) Length() int { return len(g.b) }

// aheadStorage is the storage lent to kopia's open during a connect: what
// was read ahead answers kopia's first ask for it.
type aheadStorage struct {
	blob.Storage
	ahead *readAhead
}

func (s aheadStorage) GetBlob(ctx context.Context, id blob.ID, offset, length int64, out blob.OutputBuffer) error {
	if s.ahead.ended.Load() || s.ahead.opened.Load() && strings.HasPrefix(string(id), aheadIndexPrefix) {
		return s.Storage.GetBlob(ctx, id, offset, length, out)
	}

	g := s.ahead.gets[id]

	if l := s.ahead.lists[aheadIndexPrefix]; g == nil && strings.HasPrefix(string(id), aheadIndexPrefix) {
		select {
		case <-l.done:
			g = s.ahead.indexes[id]
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	if g == nil || offset != 0 || length >= 0 || g.taken.Swap(true) {
		return s.Storage.GetBlob(ctx, id, offset, length, out)
	}

	select {
	case <-g.done:
	case <-ctx.Done():
		return ctx.Err()
	}

	switch {
	case errors.Is(g.err, blob.ErrBlobNotFound):
		return g.err // what the store answered a moment ago
	case g.err != nil:
		return s.Storage.GetBlob(ctx, id, offset, length, out)
	}

	out.Reset()
	_, err := out.Write(g.data)

	return err
}

// ListBlobs answers kopia's first listing of each index prefix from the
// one made ahead (an epoch's indexes from the listing of them all),
// unless that failed.
func (s aheadStorage) ListBlobs(ctx context.Context, prefix blob.ID, cb func(blob.Metadata) error) error {
	if s.ahead.opened.Load() {
		return s.Storage.ListBlobs(ctx, prefix, cb)
	}

	l := s.ahead.lists[prefix]
	if l == nil && strings.HasPrefix(string(prefix), aheadIndexPrefix) {
		l = s.ahead.lists[aheadIndexPrefix]
	}

	s.ahead.mu.Lock()
	first := !s.ahead.listed[prefix]
	s.ahead.listed[prefix] = true
	s.ahead.mu.Unlock()

	if l == nil || !first {
		return s.Storage.ListBlobs(ctx, prefix, cb)
	}

	select {
	case <-l.done:
	case <-ctx.Done():
		return ctx.Err()
	}

	if l.err != nil {
		return s.Storage.ListBlobs(ctx, prefix, cb)
	}

	for _, md := range l.blobs {
		if !strings.HasPrefix(string(md.BlobID), string(prefix)) {
			continue
		}

		if err := cb(md); err != nil {
			return err
		}
	}

	return nil
}

// aheadSlot carries a read-ahead from an operation to the storage kopia's
// open makes from the connection file, and back.
type aheadSlot struct {
	ahead *readAhead
	lent  bool
}

type (
	aheadSlotKey   struct{}
	aheadSourceKey struct{}
)

// withReadAhead asks the S3 storage kopia's open makes through ctx to read
// ahead; the slot then holds that read-ahead, to say when the open is over.
// With a source in ctx (withAheadSource) the reads start now, before
// kopia's storage is made.
func withReadAhead(ctx context.Context) (context.Context, *aheadSlot) {
	slot := &aheadSlot{}
	if src, ok := ctx.Value(aheadSourceKey{}).(aheadSource); ok {
		slot.ahead = startReadAhead(ctx, src)
	}

	return context.WithValue(ctx, aheadSlotKey{}, slot), slot
}

// withAheadSource has the next open's read-ahead read from src.
func withAheadSource(ctx context.Context, src aheadSource) context.Context {
	return context.WithValue(ctx, aheadSourceKey{}, src)
}

// readingAhead wraps st with a read-ahead when ctx asks for one (the
// first storage made in the open only).
func readingAhead(ctx context.Context, st blob.Storage) blob.Storage {
	slot, ok := ctx.Value(aheadSlotKey{}).(*aheadSlot)
	if !ok || slot.lent {
		return st
	}

	slot.lent = true

	if slot.ahead == nil {
		slot.ahead = startReadAhead(ctx, st)
	}

	return aheadStorage{Storage: st, ahead: slot.ahead}
}

// sdkSource reads ahead through the AWS SDK's client of the location, as
// kopia's storage would: a blob missing is blob.ErrBlobNotFound, and a
// listing gives the names under a "/" after the prefix as kopia's does
// (it lists with that delimiter): their common prefix, once, with no
// length or time.
type sdkSource struct{ api *preflight.S3API }

func (s sdkSource) GetBlob(ctx context.Context, id blob.ID, offset, length int64, out blob.OutputBuffer) error {
	if offset != 0 || length >= 0 {
		return errors.New("kopiaengine: a read-ahead reads blobs whole")
	}

	b, err := s.api.Get(ctx, string(id))
	if errors.Is(err, preflight.ErrNoSuchObject) {
		return blob.ErrBlobNotFound
	}

	if err != nil {
		return err
	}

	out.Reset()
	_, err = out.Write(b)

	return err
}

func (s sdkSource) ListBlobs(ctx context.Context, prefix blob.ID, cb func(blob.Metadata) error) error {
	var folder string // the common prefix given last

	return s.api.List(ctx, string(prefix), func(o preflight.ListedObject) error {
		if i := strings.Index(o.Name[len(prefix):], "/"); i >= 0 {
			if f := o.Name[:len(prefix)+i+1]; f != folder {
				folder = f
				return cb(blob.Metadata{BlobID: blob.ID(f)})
			}

			return nil
		}

		return cb(blob.Metadata{BlobID: blob.ID(o.Name), Length: o.Size, Timestamp: o.Modified})
	})
}

func (s *aheadSlot) openDone() {
	if s != nil {
		s.ahead.openDone()
	}
}

func (s *aheadSlot) finish() {
	if s != nil {
		s.ahead.finish()
	}
}
