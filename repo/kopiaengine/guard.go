// Create-only writes: the format blobs a create, finish or clear writes
// never replace what is there, whoever put it there.

package kopiaengine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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

// s3Guard: an S3 bucket and prefix, through the checked client.
type s3Guard struct {
	api *preflight.S3API
	// conditional: the store was seen to honour If-None-Match.
	conditional bool
}

func (g s3Guard) exclusive() bool { return g.conditional }

func (g s3Guard) create(ctx context.Context, id blob.ID, data []byte, opts blob.PutOptions) error {
	_, err := g.put(ctx, id, data, opts)
	return err
}

// put is create, returning the version the store gave what it wrote ("" on
// a bucket that keeps no versions).
func (g s3Guard) put(ctx context.Context, id blob.ID, data []byte, opts blob.PutOptions) (string, error) {
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

	res, err := g.api.Client.PutObject(ctx, put)
	if preflight.ConditionFailed(err) {
		return "", preflight.ErrAlreadyThere
	}

	if err != nil {
		return "", g.api.Fail(ctx, err, repo.ActionPutObject)
	}

	version := aws.ToString(res.VersionId)
	if g.conditional {
		return version, nil
	}

	// A store that ignores If-None-Match: what is there must be what was
	// just written, or someone else wrote it.
	out, err := g.api.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(g.api.Loc.Bucket), Key: aws.String(key)})
	if err != nil {
		return "", g.api.Fail(ctx, err, repo.ActionGetObject)
	}
	defer out.Body.Close() //nolint:errcheck

	got, err := io.ReadAll(io.LimitReader(out.Body, int64(len(data))+1))
	if err != nil {
		return "", g.api.Fail(ctx, err, repo.ActionGetObject)
	}

	if !bytes.Equal(got, data) {
		return "", preflight.ErrAlreadyThere
	}

	return version, nil
}
