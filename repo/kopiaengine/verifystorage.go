// What a verification lends kopia's storage: index blobs it could not
// read, hidden so that kopia opens what is left, and packs it read whole,
// answered from memory so that each content costs no request of its own.

package kopiaengine

import (
	"context"
	"sync"

	"github.com/kopia/kopia/repo/blob"
)

type verifyAidsKey struct{}

// verifyAids are the hidden blobs and the packs held in memory.
type verifyAids struct {
	hidden sync.Map // blob.ID → struct{}
	held   sync.Map // blob.ID → []byte
}

func withVerifyAids(ctx context.Context, v *verifyAids) context.Context {
	return context.WithValue(ctx, verifyAidsKey{}, v)
}

// aided wraps st with ctx's verification aids, if any.
func aided(ctx context.Context, st blob.Storage) blob.Storage {
	if v, ok := ctx.Value(verifyAidsKey{}).(*verifyAids); ok {
		return aidedStorage{Storage: st, v: v}
	}

	return st
}

type aidedStorage struct {
	blob.Storage
	v *verifyAids
}

func (s aidedStorage) isHidden(id blob.ID) bool {
	_, ok := s.v.hidden.Load(id)
	return ok
}

func (s aidedStorage) GetBlob(ctx context.Context, id blob.ID, offset, length int64, out blob.OutputBuffer) error {
	if s.isHidden(id) {
		return blob.ErrBlobNotFound
	}

	if data, ok := s.v.held.Load(id); ok {
		b := data.([]byte)
		if length < 0 {
			length = int64(len(b)) - offset
		}

		if offset < 0 || offset+length > int64(len(b)) {
			return blob.ErrInvalidRange
		}

		out.Reset()
		_, err := out.Write(b[offset : offset+length])

		return err
	}

	return s.Storage.GetBlob(ctx, id, offset, length, out)
}

func (s aidedStorage) GetMetadata(ctx context.Context, id blob.ID) (blob.Metadata, error) {
	if s.isHidden(id) {
		return blob.Metadata{}, blob.ErrBlobNotFound
	}

	return s.Storage.GetMetadata(ctx, id)
}

func (s aidedStorage) ListBlobs(ctx context.Context, prefix blob.ID, cb func(blob.Metadata) error) error {
	return s.Storage.ListBlobs(ctx, prefix, func(md blob.Metadata) error {
		if s.isHidden(md.BlobID) {
			return nil
		}

		return cb(md)
	})
}

// packBuffer holds one pack read whole. Unlike a bytes.Buffer, making room
// never copies what an earlier pack left in it.
type packBuffer struct{ b []byte }

// ready empties the buffer and makes room for size bytes.
func (p *packBuffer) ready(size int) {
	if cap(p.b) < size {
		p.b = make([]byte, 0, max(size, 2*cap(p.b)))
	}

	p.b = p.b[:0]
}

func (p *packBuffer) Write(data []byte) (int, error) {
	p.b = append(p.b, data...)
	return len(data), nil
}

func (p *packBuffer) Reset()        { p.b = p.b[:0] }
func (p *packBuffer) Length() int   { return len(p.b) }
func (p *packBuffer) Bytes() []byte { return p.b }
