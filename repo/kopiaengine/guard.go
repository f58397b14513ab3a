package kopiaengine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/format"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// A guard keeps the operations that write a format, Corso's settings or
// delete (create, finish, apply settings, clear) from combining into a loss when two of them meet on one
// location, from two windows, two app instances or two machines:
//
//   - a lock object, created only if absent, held while the operation
//     re-verifies the location and acts;
//   - format blobs written only if absent (S3 If-None-Match, a hard link
//     on a folder), so that a creator never replaces a repository that
//     appeared after its check, whoever made it.
type guard interface {
	// create writes id only if nothing has that name yet, else returns
	// ErrAlreadyThere; opts carries kopia's object lock for the blob.
	create(ctx context.Context, id blob.ID, data []byte, opts blob.PutOptions) error
	// lock takes the location's lock; release gives it back.
	lock(ctx context.Context) (release func(), err error)
	// exclusive says whether create itself refuses to replace (a hard
	// link, an honoured If-None-Match), so that nothing need be read first.
	exclusive() bool
}

// heldLocks are the locations whose lock this process holds, so that one
// of its own locks is told from one it left behind; takingLocks counts,
// per location, this process's operations writing the lock right now.
var heldLocks, takingLocks sync.Map

func takingCount(key string) *atomic.Int32 {
	c, _ := takingLocks.LoadOrStore(key, &atomic.Int32{})
	return c.(*atomic.Int32)
}

// staleLock is how old a lock must be before it is taken as left by a
// crash: far longer than any create, finish or clear takes.
const staleLock = 10 * time.Minute

type lockBody struct {
	Owner   string    `json:"owner"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
}

func newLockBody() []byte {
	host, _ := os.Hostname()
	b, _ := json.Marshal(lockBody{Owner: fmt.Sprintf("%s, process %d", host, os.Getpid()), Host: host, PID: os.Getpid(), Started: time.Now().UTC()})

	return b
}

// abandoned says whether a lock found at a location was left behind: by a
// process of this computer that no longer runs (an engine helper that was
// killed, or whose release could not reach the store), or so long ago that
// no operation can still be running.
func abandoned(key string, raw []byte, since time.Time) (lockBody, bool) {
	var body lockBody
	if json.Unmarshal(raw, &body) != nil {
		return body, time.Since(since) > staleLock
	}

	if host, _ := os.Hostname(); body.Host == host && body.PID > 0 {
		if body.PID == os.Getpid() {
			// Ours: held (or being taken) by another goroutine right now,
			// or left by a release of ours that could not reach the store.
			_, held := heldLocks.Load(key)
			return body, !held && takingCount(key).Load() == 0
		}

		if !platform.ProcessAlive(body.PID) {
			return body, true
		}
	}

	return body, time.Since(since) > staleLock
}

// lockWait is how long an operation waits for another one on the same
// location to finish before it gives up with a sentence.
type lockWait struct {
	start    time.Time
	tookOver bool
}

const maxLockWait = 30 * time.Second

func (w *lockWait) wait(ctx context.Context) error {
	if time.Since(w.start) > maxLockWait {
		return errors.New("waited long enough")
	}

	repo.Progress(ctx, repo.StepWaiting)

	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(250 * time.Millisecond):
		return nil
	}
}

func busyError(where, owner string, since time.Time) error {
	if owner == "" {
		owner = "another computer or window"
	}

	return repo.NewError(repo.CodeBusy, nil, "Another Corso Desktop (%s) has been changing %s since %s. Nothing was changed here; try again once it has finished.",
		owner, where, since.Local().Format("15:04:05"))
}

// guardFor returns the guard of a normalized location; api is the checked
// S3 client for S3 locations.
func guardFor(n repo.Settings, api *preflight.S3API, conditional bool) guard {
	if f, ok := n.(repo.Filesystem); ok {
		return folderGuard{root: f.Path, where: repo.Describe(n)}
	}

	return s3Guard{api: api, conditional: conditional}
}

// whileLocked takes the lock of the location the check rep (with its S3
// client api) was about, looks at the location again holding it (the check
// may be minutes old), and runs act with what is there now. An operation
// creating a repository (creating) also looks again for one above the
// location.
func whileLocked(ctx context.Context, n repo.Settings, rep *repo.Report, api *preflight.S3API, creating bool, act func(g guard, st repo.State, stage repo.HalfMadeStage) error) error {
	g := guardFor(n, api, rep.ConditionalWrites)

	var above *preflight.AboveLook
	if creating {
		above = preflight.LookAbove(ctx, n, api)
	}

	release, err := g.lock(ctx)
	if err != nil {
		return err
	}

	if _, ok := g.(s3Guard); ok {
		// Giving an S3 lock back is a round trip the answer need not wait
		// for; a waiting operation sees it go a moment later.
		defer repo.AfterAnswer(ctx, release)
	} else {
		defer release()
	}

	st, stage, err := preflight.Reverify(ctx, n, api, above)
	if err != nil {
		return err
	}

	return act(g, st, stage)
}

// guardedStorage is kopia's storage whose format blobs are created through
// the guard, so kopia's own writer cannot replace them.
type guardedStorage struct {
	blob.Storage
	g guard
}

func (s guardedStorage) PutBlob(ctx context.Context, id blob.ID, data blob.Bytes, opts blob.PutOptions) error {
	if id != format.KopiaRepositoryBlobID && id != format.KopiaBlobCfgBlobID {
		return s.Storage.PutBlob(ctx, id, data, opts)
	}

	var buf bytes.Buffer
	if _, err := data.WriteTo(&buf); err != nil {
		return err
	}

	return s.g.create(ctx, id, buf.Bytes(), opts)
}

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

// folderGuard: a folder on a local or network disk.
type folderGuard struct {
	root, where string
}

func (folderGuard) exclusive() bool { return true }

func (g folderGuard) create(_ context.Context, id blob.ID, data []byte, _ blob.PutOptions) error {
	return createExclusive(filepath.Join(g.root, string(id)+preflight.FSBlobSuffix), data)
}

// createExclusive writes path only if it does not exist: the data goes to
// a private temporary file first and is then hard-linked into place, which
// fails if the name is taken, so no half-written file is ever visible.
// Where links are not supported, O_EXCL does the same job.
func createExclusive(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := platform.MkdirPrivate(dir); err != nil {
		return err
	}

	tmp, err := os.CreateTemp(dir, ".corso-desktop-probe-*")
	if err != nil {
		return err
	}

	tmpName := tmp.Name()
	defer os.Remove(tmpName) //nolint:errcheck // the link, if made, keeps the data

	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Chmod(platform.FileMode)
	}

	if werr == nil {
		werr = tmp.Sync()
	}

	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}

	if werr != nil {
		return werr
	}

	switch err := os.Link(tmpName, path); {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrExist):
		return preflight.ErrAlreadyThere
	}

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, platform.FileMode)
	if errors.Is(err, fs.ErrExist) {
		return preflight.ErrAlreadyThere
	}

	if err != nil {
		return err
	}

	_, werr = f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}

	if cerr := f.Close(); werr == nil {
		werr = cerr
	}

	return werr
}

func (g folderGuard) lock(ctx context.Context) (func(), error) {
	path := filepath.Join(g.root, preflight.LockName)

	w := lockWait{start: time.Now()}

	for attempt := 0; ; attempt++ {
		taking := takingCount(path)
		taking.Add(1)

		err := createExclusive(path, newLockBody())
		if err == nil {
			heldLocks.Store(path, true)
		}

		taking.Add(-1)

		if err == nil {

			return func() {
				os.Remove(path) //nolint:errcheck // a lock left behind is taken over
				heldLocks.Delete(path)
			}, nil
		}

		if !errors.Is(err, preflight.ErrAlreadyThere) {
			return nil, preflight.ClassifyFS(err, g.root)
		}

		fi, serr := os.Stat(path)
		if serr != nil {
			if errors.Is(serr, fs.ErrNotExist) && attempt < 100 {
				continue // released just now
			}

			return nil, preflight.ClassifyFS(serr, g.root)
		}

		raw, _ := platform.ReadRegularFile(path, 4096)

		body, gone := abandoned(path, raw, fi.ModTime())
		if !gone || w.tookOver {
			if err := w.wait(ctx); err != nil {
				if ctx.Err() != nil {
					return nil, repo.CanceledError(ctx.Err())
				}

				return nil, busyError(g.where, body.Owner, fi.ModTime())
			}

			continue
		}

		w.tookOver = true

		// Left behind: take it over once.
		os.Remove(path) //nolint:errcheck

		if ctx.Err() != nil {
			return nil, repo.CanceledError(ctx.Err())
		}
	}
}

// s3Guard: an S3 bucket and prefix, through the checked client.
type s3Guard struct {
	api *preflight.S3API
	// conditional: the store was seen to honour If-None-Match.
	conditional bool
}

func (g s3Guard) exclusive() bool { return g.conditional }

func (g s3Guard) create(ctx context.Context, id blob.ID, data []byte, opts blob.PutOptions) error {
	key := g.api.Key(string(id))

	put := &s3.PutObjectInput{
		Bucket: aws.String(g.api.Loc.Bucket), Key: aws.String(key),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
		IfNoneMatch: aws.String("*"),
	}
	if opts.RetentionMode != "" && opts.RetentionPeriod > 0 {
		// Locked as kopia's own S3 storage locks a blob.
		put.ObjectLockMode = types.ObjectLockMode(opts.RetentionMode)
		put.ObjectLockRetainUntilDate = aws.Time(time.Now().Add(opts.RetentionPeriod).UTC())
	}

	_, err := g.api.Client.PutObject(ctx, put)
	if preflight.ConditionFailed(err) {
		return preflight.ErrAlreadyThere
	}

	if err != nil {
		return g.api.Fail(ctx, err, repo.ActionPutObject)
	}

	if g.conditional {
		return nil
	}

	// A store that ignores If-None-Match: what is there must be what was
	// just written, or someone else wrote it.
	out, err := g.api.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(g.api.Loc.Bucket), Key: aws.String(key)})
	if err != nil {
		return g.api.Fail(ctx, err, repo.ActionGetObject)
	}
	defer out.Body.Close() //nolint:errcheck

	got, err := io.ReadAll(io.LimitReader(out.Body, int64(len(data))+1))
	if err != nil {
		return g.api.Fail(ctx, err, repo.ActionGetObject)
	}

	if !bytes.Equal(got, data) {
		return preflight.ErrAlreadyThere
	}

	return nil
}

func (g s3Guard) lock(ctx context.Context) (func(), error) {
	key := g.api.Key(preflight.LockName)
	bucket := aws.String(g.api.Loc.Bucket)
	id := g.api.Loc.String() + preflight.LockName

	w := lockWait{start: time.Now()}

	for attempt := 0; ; attempt++ {
		// Counted as being taken during the write: a store without
		// conditional writes reads the lock back before create returns,
		// and another operation of this process meeting the lock in that
		// moment must wait, not take it for one a crash left.
		taking := takingCount(id)
		taking.Add(1)

		err := g.create(ctx, preflight.LockName, newLockBody(), blob.PutOptions{})
		if err == nil {
			heldLocks.Store(id, true)
		}

		taking.Add(-1)

		if err == nil {
			return func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()

				g.api.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String(key)}) //nolint:errcheck // a lock left behind is taken over
				heldLocks.Delete(id)
			}, nil
		}

		if !errors.Is(err, preflight.ErrAlreadyThere) {
			return nil, err
		}

		out, gerr := g.api.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String(key)})
		if gerr != nil {
			if preflight.HTTPStatus(gerr) == 404 && attempt < 100 {
				continue // released just now
			}

			return nil, g.api.Fail(ctx, gerr, repo.ActionGetObject)
		}

		raw, _ := io.ReadAll(io.LimitReader(out.Body, 4096))
		out.Body.Close() //nolint:errcheck

		since := aws.ToTime(out.LastModified)

		body, gone := abandoned(id, raw, since)
		if !gone || w.tookOver {
			if err := w.wait(ctx); err != nil {
				if ctx.Err() != nil {
					return nil, repo.CanceledError(ctx.Err())
				}

				return nil, busyError(g.api.Location, body.Owner, since)
			}

			continue
		}

		w.tookOver = true

		// Left behind: take it over once, only if it is still that same
		// object.
		if _, err := g.api.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String(key), IfMatch: out.ETag}); err != nil && !preflight.ConditionFailed(err) {
			return nil, g.api.Fail(ctx, err, repo.ActionDeleteObject)
		}
	}
}
