// A create's overlap: kopia's open of the new repository starts while
// its format is written, and nothing is written through it before.

package kopiaengine

import (
	"context"

	"github.com/kopia/kopia/repo/blob"
)

// pendingFormat is a new repository's format being written: its blobs are
// known before the writes are over.
type pendingFormat struct {
	blobs map[blob.ID][]byte
	// own is everything else written into the new repository since.
	own *ownWrites
	// settled is closed once the writes are over, err their outcome.
	settled chan struct{}
	err     error
}

// startFormatWrite writes blobs through st on a goroutine of its own.
func startFormatWrite(ctx context.Context, st blob.Storage, blobs []newBlob) *pendingFormat {
	p := &pendingFormat{blobs: map[blob.ID][]byte{}, own: newOwnWrites(), settled: make(chan struct{})}
	for _, b := range blobs {
		p.blobs[b.id] = b.data
	}

	go func() {
		defer close(p.settled)
		p.err = writeFormat(ctx, st, blobs)
	}()

	return p
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
// operation is creating under its lock, in a location it listed empty
// under that lock: the open starts while the format is being written, so
// that its key derivation overlaps the writes, and nothing is written or
// deleted through it before the format's writes have succeeded.
//
// What kopia reads or lists is answered from what this create wrote
// (ownwrites.go): the format blobs, kopia's blobs since, and no others.
// Nobody else writes there meanwhile: the lock keeps Corso Desktop out, and
// any other writer of kopia's blobs needs the format, which the create-only
// writes keep theirs or ours, never both.
type freshFormat struct {
	blob.Storage
	format *pendingFormat
}

func (s freshFormat) GetBlob(ctx context.Context, id blob.ID, offset, length int64, out blob.OutputBuffer) error {
	if data, ok := s.format.blobs[id]; ok {
		return readRange(data, offset, length, out)
	}

	return s.format.own.get(ctx, s.Storage, id, offset, length, out)
}

func (s freshFormat) GetMetadata(ctx context.Context, id blob.ID) (blob.Metadata, error) {
	if _, ok := s.format.blobs[id]; ok {
		return s.Storage.GetMetadata(ctx, id)
	}

	return s.format.own.metadata(ctx, s.Storage, id)
}

// ListBlobs answers from what this create wrote.
func (s freshFormat) ListBlobs(ctx context.Context, prefix blob.ID, cb func(blob.Metadata) error) error {
	return s.format.own.list(ctx, s.Storage, prefix, cb)
}

func (s freshFormat) PutBlob(ctx context.Context, id blob.ID, data blob.Bytes, opts blob.PutOptions) error {
	if err := s.format.wait(); err != nil {
		return err
	}

	return s.format.own.put(ctx, s.Storage, id, data, opts)
}

func (s freshFormat) DeleteBlob(ctx context.Context, id blob.ID) error {
	if err := s.format.wait(); err != nil {
		return err
	}

	return s.format.own.remove(ctx, s.Storage, id)
}

func (s freshFormat) ExtendBlobRetention(ctx context.Context, id blob.ID, opts blob.ExtendOptions) error {
	if err := s.format.wait(); err != nil {
		return err
	}

	return s.Storage.ExtendBlobRetention(ctx, id, opts)
}
