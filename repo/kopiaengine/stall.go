// Every storage request an operation makes, kopia's own included, is
// watched: one that neither answers nor moves a byte for stallTimeout
// ends the whole operation with a sentence naming what it was doing.

package kopiaengine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/kopia/kopia/repo/blob"

	"github.com/corsodesktop/corso-desktop/repo"
)

// stallTimeout is how long one storage request may go without an answer
// or a byte moving, kopia's and minio-go's retries of it included (each
// retries ten times, so a stalled store would otherwise hold a request for
// many minutes). A slow store that keeps moving bytes is never cut off.
const stallTimeout = 30 * time.Second

type watchKey struct{}

// watch is one operation's view of its storage requests.
type watch struct {
	// op is the operation's context: every request ends with it, even one
	// kopia makes on a context of its own (its log blobs are written on
	// one that is never cancelled).
	op      context.Context
	cancel  context.CancelCauseFunc
	timeout time.Duration
	// phase is the last progress step reported, for the sentence.
	phase atomic.Pointer[repo.Step]
	// deleted and written count blobs the operation removed and wrote, and
	// deleting the deletions under way, so that what it says about a stop
	// is true (a folder's deletion the operation stopped waiting for may
	// still happen).
	deleted, written, deleting atomic.Int64
}

// errStalledRequest is the cause of an operation a stalled request ended.
type errStalledRequest struct {
	phase   repo.Step
	request string
	after   time.Duration
}

func (e *errStalledRequest) Error() string {
	return fmt.Sprintf("the storage did not answer %s for %v", e.request, e.after)
}

// withWatch returns a context whose storage requests are watched, and its
// cancel. The progress steps reported through it are remembered as the
// operation's phase.
func withWatch(ctx context.Context) (context.Context, *watch, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	w := &watch{cancel: cancel, timeout: stallTimeout}

	ctx = repo.WithProgress(ctx, chainProgress(ctx, func(s repo.Step) { w.phase.Store(&s) }))
	w.op = ctx

	return context.WithValue(ctx, watchKey{}, w), w, func() { cancel(context.Canceled) }
}

// chainProgress reports s to f and then to whatever ctx reported to.
func chainProgress(ctx context.Context, f func(repo.Step)) func(repo.Step) {
	return func(s repo.Step) {
		f(s)
		repo.Progress(ctx, s)
	}
}

func watchFrom(ctx context.Context) *watch {
	w, _ := ctx.Value(watchKey{}).(*watch)
	return w
}

// stalledBy is the stalled request that ended ctx's operation, or nil.
func stalledBy(ctx context.Context) *errStalledRequest {
	var e *errStalledRequest
	if errors.As(context.Cause(ctx), &e) {
		return e
	}

	return nil
}

// request is one storage request being watched.
type request struct {
	w    *watch
	what string
	last atomic.Int64
	t    *time.Timer
}

func (w *watch) start(what string) *request {
	r := &request{w: w, what: what}
	r.poke()
	r.t = time.AfterFunc(w.timeout, r.check)

	return r
}

func (r *request) poke() { r.last.Store(time.Now().UnixNano()) }

func (r *request) check() {
	idle := time.Since(time.Unix(0, r.last.Load()))
	if idle < r.w.timeout {
		r.t.Reset(r.w.timeout - idle)
		return
	}

	phase := repo.Step("")
	if p := r.w.phase.Load(); p != nil {
		phase = *p
	}

	r.w.cancel(&errStalledRequest{phase: phase, request: r.what, after: r.w.timeout})
}

func (r *request) end() { r.t.Stop() }

// watched wraps st so that ctx's watch sees every request; without a
// watch in ctx, st is returned as it is. folder says st is a folder,
// whose reads and writes take no context: they run on a goroutine of
// their own that the operation stops waiting for when it ends.
func watched(ctx context.Context, st blob.Storage, folder bool) blob.Storage {
	w := watchFrom(ctx)
	if w == nil {
		return st
	}

	return watchedStorage{Storage: st, w: w, folder: folder}
}

// unwatched is st without the operation's watch, for a request made
// after the operation answered, bounded by its own context.
func unwatched(st blob.Storage) blob.Storage {
	if w, ok := st.(watchedStorage); ok {
		return w.Storage
	}

	return st
}

type watchedStorage struct {
	blob.Storage
	w      *watch
	folder bool
}

// run does one request, on its own goroutine for a folder, on a context
// that ends with the request's and with the operation's.
func (s watchedStorage) run(ctx context.Context, what string, do func(ctx context.Context, r *request) error) error {
	r := s.w.start(what)
	defer r.end()

	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(s.w.op, func() { cancel(context.Cause(s.w.op)) })

	defer func() {
		stop()
		cancel(nil)
	}()

	if !s.folder {
		return do(ctx, r)
	}

	done := make(chan error, 1)

	go func() { done <- do(ctx, r) }()

	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (s watchedStorage) GetBlob(ctx context.Context, id blob.ID, offset, length int64, out blob.OutputBuffer) error {
	if !s.folder {
		return s.run(ctx, "reading "+string(id), func(ctx context.Context, r *request) error {
			return s.Storage.GetBlob(ctx, id, offset, length, pokingOutput{OutputBuffer: out, r: r})
		})
	}

	// A read abandoned on a blocked folder must never write into out
	// after this returns: it reads into a buffer of its own.
	var own blobBuffer

	err := s.run(ctx, "reading "+string(id), func(ctx context.Context, r *request) error {
		return s.Storage.GetBlob(ctx, id, offset, length, pokingOutput{OutputBuffer: &own, r: r})
	})
	if err != nil {
		return err
	}

	out.Reset()
	_, err = out.Write(own.Bytes())

	return err
}

func (s watchedStorage) GetMetadata(ctx context.Context, id blob.ID) (blob.Metadata, error) {
	var md blob.Metadata

	err := s.run(ctx, "looking up "+string(id), func(ctx context.Context, _ *request) error {
		var err error
		md, err = s.Storage.GetMetadata(ctx, id)

		return err
	})

	return md, err
}

func (s watchedStorage) ListBlobs(ctx context.Context, prefix blob.ID, cb func(blob.Metadata) error) error {
	what := "listing the blobs starting with " + string(prefix)
	if prefix == "" {
		what = "listing every blob"
	}

	if !s.folder {
		return s.run(ctx, what, func(ctx context.Context, r *request) error {
			return s.Storage.ListBlobs(ctx, prefix, func(md blob.Metadata) error {
				r.poke()
				return cb(md)
			})
		})
	}

	// An abandoned listing must not call cb later: it collects first.
	var found []blob.Metadata

	err := s.run(ctx, what, func(ctx context.Context, r *request) error {
		return s.Storage.ListBlobs(ctx, prefix, func(md blob.Metadata) error {
			r.poke()

			found = append(found, md)

			return nil
		})
	})
	if err != nil {
		return err
	}

	for _, md := range found {
		if err := cb(md); err != nil {
			return err
		}
	}

	return nil
}

func (s watchedStorage) PutBlob(ctx context.Context, id blob.ID, data blob.Bytes, opts blob.PutOptions) error {
	if s.folder {
		// kopia may reuse data's buffers once this returns.
		data = ownBytes(data)
	}

	err := s.run(ctx, "writing "+string(id), func(ctx context.Context, r *request) error {
		return s.Storage.PutBlob(ctx, id, pokingBytes{Bytes: data, r: r}, opts)
	})
	if err == nil {
		s.w.written.Add(1)
	}

	return err
}

func (s watchedStorage) DeleteBlob(ctx context.Context, id blob.ID) error {
	return s.run(ctx, "deleting "+string(id), func(ctx context.Context, _ *request) error {
		s.w.deleting.Add(1)
		defer s.w.deleting.Add(-1)

		err := s.Storage.DeleteBlob(ctx, id)
		if err == nil {
			s.w.deleted.Add(1)
		}

		return err
	})
}

func (s watchedStorage) ExtendBlobRetention(ctx context.Context, id blob.ID, opts blob.ExtendOptions) error {
	return s.run(ctx, "extending the object lock of "+string(id), func(ctx context.Context, _ *request) error {
		return s.Storage.ExtendBlobRetention(ctx, id, opts)
	})
}

// pokingOutput counts every byte written into it as the request moving.
type pokingOutput struct {
	blob.OutputBuffer
	r *request
}

func (o pokingOutput) Write(p []byte) (int, error) {
	o.r.poke()
	return o.OutputBuffer.Write(p)
}

// pokingBytes counts every byte read from it as the request moving.
type pokingBytes struct {
	blob.Bytes
	r *request
}

func (b pokingBytes) Reader() io.ReadSeekCloser {
	return pokingReader{ReadSeekCloser: b.Bytes.Reader(), r: b.r}
}

func (b pokingBytes) WriteTo(w io.Writer) (int64, error) {
	return b.Bytes.WriteTo(pokingWriter{w: w, r: b.r})
}

type pokingReader struct {
	io.ReadSeekCloser
	r *request
}

func (p pokingReader) Read(b []byte) (int, error) {
	p.r.poke()
	return p.ReadSeekCloser.Read(b)
}

type pokingWriter struct {
	w io.Writer
	r *request
}

func (p pokingWriter) Write(b []byte) (int, error) {
	p.r.poke()
	return p.w.Write(b)
}

// ownBytes copies data into bytes of its own.
func ownBytes(data blob.Bytes) blob.Bytes {
	var b blobBuffer

	data.WriteTo(&b) //nolint:errcheck // writing into memory does not fail

	return bytesBlob(b.Bytes())
}

// bytesBlob is a byte slice as blob.Bytes.
type bytesBlob []byte

func (b bytesBlob) Length() int { return len(b) }

func (b bytesBlob) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(b)
	return int64(n), err
}

func (b bytesBlob) Reader() io.ReadSeekCloser { return readSeekNopCloser{bytes.NewReader(b)} }

type readSeekNopCloser struct{ io.ReadSeeker }

func (readSeekNopCloser) Close() error { return nil }
