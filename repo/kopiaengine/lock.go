// The location's lock: one operation at a time changes a location, and
// a lock a crash left is told from one in use.

package kopiaengine

import (
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
	"github.com/kopia/kopia/repo/blob"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

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

// clock tells a lock's age; tests move it to meet a lock minutes old on a
// store whose object times they cannot set.
var clock = time.Now

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
		return body, clock().Sub(since) > staleLock
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

	return body, clock().Sub(since) > staleLock
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

		version, err := g.put(ctx, preflight.LockName, newLockBody(), blob.PutOptions{})
		if err == nil {
			heldLocks.Store(id, true)
		}

		taking.Add(-1)

		if err == nil {
			return func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()

				g.api.RemoveWritten(ctx, key, version) //nolint:errcheck // a lock left behind is taken over
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
