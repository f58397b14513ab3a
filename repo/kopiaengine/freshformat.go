// A create's overlap: kopia's open of the new repository starts while
// its format is written, and nothing is written through it before.

package kopiaengine

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/kopia/kopia/repo/blob"
)

// pendingFormat is a new repository's format being written: its blobs are
// known before the writes are over.
type pendingFormat struct {
	blobs map[blob.ID][]byte
	// early is listings made ahead for kopia's open.
	early map[blob.ID]*earlyListing
	// settled is closed once the writes are over, err their outcome.
	settled chan struct{}
	err     error
}

// startFormatWrite writes blobs through st on a goroutine of its own,
// and lists the index prefixes of the repository they make on raw (st's
// storage, unguarded) beside them.
func startFormatWrite(ctx context.Context, st, raw blob.Storage, blobs []newBlob) *pendingFormat {
	p := &pendingFormat{blobs: map[blob.ID][]byte{}, settled: make(chan struct{}), early: listEarly(ctx, raw)}
	for _, b := range blobs {
		p.blobs[b.id] = b.data
	}

	go func() {
		defer close(p.settled)
		p.err = writeFormat(ctx, st, blobs)
	}()

	return p
}

// newRepositoryListings are the listings kopia's open of a new repository
// makes, in its two rounds: its epoch manager's markers, deletion
// watermarks, range and single-epoch compactions, then the indexes of
// epochs 0 and 1. (A kopia that lists others just lists them itself.)
var newRepositoryListings = [2][]blob.ID{{"xe", "xw", "xr", "xs"}, {"xn0_", "xn1_"}}

// earlyListing is one listing made ahead for kopia's open.
type earlyListing struct {
	done  chan struct{}
	blobs []blob.Metadata
	err   error
	taken atomic.Bool
}

// listEarly lists the index prefixes of a repository being created while
// its format is written and kopia's open derives the key (a fifth of a
// second of CPU, longer than the listings take), so that the open does not
// wait for them afterwards. They are made under the location's lock, which
// listed it empty moments before, and an index can only be written into a
// repository by a client that has opened its format, which is not yet in
// place. Each answers kopia once: every later listing (kopia's refresh after
// it writes Corso's settings) is made when kopia asks.
func listEarly(ctx context.Context, raw blob.Storage) map[blob.ID]*earlyListing {
	early := map[blob.ID]*earlyListing{}

	for _, round := range newRepositoryListings {
		for _, prefix := range round {
			early[prefix] = &earlyListing{done: make(chan struct{})}
		}
	}

	list := func(prefix blob.ID) {
		l := early[prefix]
		defer close(l.done)

		l.err = raw.ListBlobs(ctx, prefix, func(md blob.Metadata) error {
			l.blobs = append(l.blobs, md)
			return nil
		})
	}

	go func() {
		// A round at a time, as kopia lists them: the second reuses the
		// first's connections.
		for _, round := range newRepositoryListings {
			var wg sync.WaitGroup

			for _, prefix := range round {
				wg.Add(1)

				go func() {
					defer wg.Done()
					list(prefix)
				}()
			}

			wg.Wait()
		}
	}()

	return early
}

// wait returns the writes' outcome once they are over; a nil
// pendingFormat has nothing to wait for.
func (p *pendingFormat) wait() error {
	if p == nil {
		return nil
	}

	<-p.settled

	return p.err
}

// freshFormat is storage lent to kopia's open of a repository this
// operation is creating under its lock: the open starts while the format
// is being written, so that its key derivation overlaps the writes. The
// two format blobs are answered from memory (written create-only, they
// are what will be there), and nothing is written or deleted through it
// before the format's writes have succeeded.
type freshFormat struct {
	blob.Storage
	format *pendingFormat
}

func (s freshFormat) GetBlob(ctx context.Context, id blob.ID, offset, length int64, out blob.OutputBuffer) error {
	data, ok := s.format.blobs[id]
	if !ok || offset != 0 || length >= 0 {
		return s.Storage.GetBlob(ctx, id, offset, length, out)
	}

	out.Reset()
	_, err := out.Write(data)

	return err
}

// ListBlobs answers kopia's first listing of each index prefix from the
// one made ahead, unless that failed.
func (s freshFormat) ListBlobs(ctx context.Context, prefix blob.ID, cb func(blob.Metadata) error) error {
	l, ok := s.format.early[prefix]
	if !ok || l.taken.Swap(true) {
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
		if err := cb(md); err != nil {
			return err
		}
	}

	return nil
}

func (s freshFormat) PutBlob(ctx context.Context, id blob.ID, data blob.Bytes, opts blob.PutOptions) error {
	if err := s.format.wait(); err != nil {
		return err
	}

	return s.Storage.PutBlob(ctx, id, data, opts)
}

func (s freshFormat) DeleteBlob(ctx context.Context, id blob.ID) error {
	if err := s.format.wait(); err != nil {
		return err
	}

	return s.Storage.DeleteBlob(ctx, id)
}

func (s freshFormat) ExtendBlobRetention(ctx context.Context, id blob.ID, opts blob.ExtendOptions) error {
	if err := s.format.wait(); err != nil {
		return err
	}

	return s.Storage.ExtendBlobRetention(ctx, id, opts)
}
