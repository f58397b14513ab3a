// What a create wrote into the location it listed empty under its lock:
// kopia's reads and listings of the new repository are answered from it,
// rounds to the store it would only confirm.

package kopiaengine

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/kopia/kopia/repo/blob"

	"github.com/corsodesktop/corso-desktop/repo"
)

// ownKept bounds the bytes kept to answer reads: a create writes a few KiB
// (a session marker, a pack of manifests, an index).
const ownKept = 16 << 20

// sessionMarkerPrefix is kopia's session markers' (content.SessionIDPrefix).
const sessionMarkerPrefix = "s"

// ownWrites records the blobs written through freshFormat.
type ownWrites struct {
	mu    sync.Mutex
	blobs map[blob.ID]*ownBlob
	kept  int
}

// ownBlob is one blob written: its metadata as the store gave it, and
// its bytes while within ownKept (nil past it).
type ownBlob struct {
	md   blob.Metadata
	data []byte
}

func newOwnWrites() *ownWrites { return &ownWrites{blobs: map[blob.ID]*ownBlob{}} }

// put writes through st and records the blob. Its time is the store's
// when kopia asked for it (it does for what it lists: indexes, session
// markers); otherwise a listing that finds it asks the store.
func (o *ownWrites) put(ctx context.Context, st blob.Storage, id blob.ID, data blob.Bytes, opts blob.PutOptions) error {
	if err := st.PutBlob(ctx, id, data, opts); err != nil {
		return err
	}

	b := &ownBlob{md: blob.Metadata{BlobID: id, Length: int64(data.Length())}}
	if opts.GetModTime != nil {
		b.md.Timestamp = *opts.GetModTime
	}

	o.mu.Lock()
	defer o.mu.Unlock()

	if o.kept+data.Length() <= ownKept {
		var buf bytes.Buffer
		if _, err := data.WriteTo(&buf); err == nil {
			b.data = buf.Bytes()
			o.kept += len(b.data)
		}
	}

	o.blobs[id] = b

	return nil
}

// get reads a blob written here from memory; any other is not there.
func (o *ownWrites) get(ctx context.Context, st blob.Storage, id blob.ID, offset, length int64, out blob.OutputBuffer) error {
	o.mu.Lock()
	b := o.blobs[id]
	o.mu.Unlock()

	switch {
	case b == nil:
		return fmt.Errorf("%w: %s, in a repository being created", blob.ErrBlobNotFound, id)
	case b.data == nil:
		return st.GetBlob(ctx, id, offset, length, out)
	}

	return readRange(b.data, offset, length, out)
}

func (o *ownWrites) metadata(ctx context.Context, st blob.Storage, id blob.ID) (blob.Metadata, error) {
	o.mu.Lock()
	b := o.blobs[id]
	o.mu.Unlock()

	switch {
	case b == nil:
		return blob.Metadata{}, fmt.Errorf("%w: %s, in a repository being created", blob.ErrBlobNotFound, id)
	case b.md.Timestamp.IsZero():
		return st.GetMetadata(ctx, id)
	}

	return b.md, nil
}

// list lists the blobs written here under prefix, in the store's order;
// the store is asked only when one of them has no time from it.
func (o *ownWrites) list(ctx context.Context, st blob.Storage, prefix blob.ID, cb func(blob.Metadata) error) error {
	o.mu.Lock()

	var found []blob.Metadata

	untimed := false

	for id, b := range o.blobs {
		if strings.HasPrefix(string(id), string(prefix)) {
			found = append(found, b.md)
			untimed = untimed || b.md.Timestamp.IsZero()
		}
	}
	o.mu.Unlock()

	if untimed {
		return st.ListBlobs(ctx, prefix, cb)
	}

	slices.SortFunc(found, func(a, b blob.Metadata) int { return strings.Compare(string(a.BlobID), string(b.BlobID)) })

	for _, md := range found {
		if err := cb(md); err != nil {
			return err
		}
	}

	return nil
}

// remove deletes a blob written here. A session marker (kopia deletes
// its own as its write session ends) goes after the answer, like the
// lock: kopia reads it nowhere after, and one left by a stopped helper is
// what any interrupted kopia writer leaves.
func (o *ownWrites) remove(ctx context.Context, st blob.Storage, id blob.ID) error {
	o.mu.Lock()
	_, ours := o.blobs[id]
	delete(o.blobs, id)
	o.mu.Unlock()

	if !ours || !strings.HasPrefix(string(id), sessionMarkerPrefix) || !repo.HasAfterAnswer(ctx) {
		return st.DeleteBlob(ctx, id)
	}

	later := context.WithoutCancel(ctx)

	repo.AfterAnswer(ctx, func() {
		ctx, cancel := context.WithTimeout(later, answerGrace)
		defer cancel()

		// The operation's watch ends with the operation; this request has
		// its own bound.
		unwatched(st).DeleteBlob(ctx, id) //nolint:errcheck // a marker left is what any interrupted kopia writer leaves
	})

	return nil
}

// readRange writes data[offset:offset+length] (all from offset when
// length < 0) to out, refusing a range past the blob as a store would.
func readRange(data []byte, offset, length int64, out blob.OutputBuffer) error {
	if length < 0 {
		length = int64(len(data)) - offset
	}

	if offset < 0 || offset+length > int64(len(data)) {
		return fmt.Errorf("%w: range %d+%d of %d bytes", blob.ErrInvalidRange, offset, length, len(data))
	}

	out.Reset()
	_, err := out.Write(data[offset : offset+length])

	return err
}
