// The write probe: put, read back, conditional put and delete of a throwaway object.

package preflight

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/corsodesktop/corso-desktop/repo"
)

// probeName is an object name kopia would never use, so a probe left by a
// crash is recognisable and never mistaken for repository data.
func probeName() string {
	b := make([]byte, 8)
	rand.Read(b) //nolint:errcheck

	return ".corso-desktop-probe-" + hex.EncodeToString(b)
}

// checkWrite proves s3:DeleteObject, s3:PutObject and s3:GetObject with one
// small probe object that is always removed, even on cancel. Reading is
// tried even when writing was refused, so both refusals are named.
// key is the probe's name, deleted the answer to its first delete, asked
// ahead.
func (a *S3API) checkWrite(ctx context.Context, rep *repo.Report, key string, deleted *future[*s3.DeleteObjectOutput]) {
	bucket := aws.String(a.Loc.Bucket)
	denied := 0

	refused := func(action string, err error) bool {
		e := a.Fail(ctx, err, action)
		a.failLine(ctx, rep, repo.LineWrite, e)

		if repo.CodeOf(e) != repo.CodeAccessDenied {
			return false
		}

		denied++

		return true
	}

	// Deleting a key that does not exist yet proves s3:DeleteObject without
	// risk: if it is denied, nothing is written, as it could not be removed.
	if _, err := deleted.get(); err != nil {
		if refused(repo.ActionDeleteObject, err) {
			rep.Add(repo.LineWrite, repo.StatusSkipped, "Writing was not tried: a test object could not be deleted again.")
		}

		return
	}

	payload := probePayload

	put := &s3.PutObjectInput{
		Bucket: bucket, Key: aws.String(key), Body: bytes.NewReader(payload),
		ContentLength: aws.Int64(int64(len(payload))),
	}
	if a.Loc.ObjectLock != nil {
		// Locked as each blob will be, for the shortest time the probe
		// needs: proves s3:PutObjectRetention before anything is written.
		put.ObjectLockMode = types.ObjectLockModeGovernance
		put.ObjectLockRetainUntilDate = aws.Time(time.Now().Add(probeLock))
	}

	written, err := a.Client.PutObject(ctx, put)
	if err != nil && a.Loc.ObjectLock != nil && repo.CodeOf(a.Fail(ctx, err, repo.ActionPutObject)) == repo.CodeAccessDenied {
		// Denied with a lock: without one tells which action is missing.
		put.ObjectLockMode, put.ObjectLockRetainUntilDate, put.Body = "", nil, bytes.NewReader(payload)
		if plainPut, plain := a.Client.PutObject(ctx, put); plain == nil {
			refused(repo.ActionPutObjectRetention, err)
			a.RemoveWritten(context.Background(), key, aws.ToString(plainPut.VersionId)) //nolint:errcheck

			return
		}
	}

	if err != nil {
		refused(repo.ActionPutObject, err)
		repo.AfterAnswer(ctx, func() { a.removeProbe(key) })

		return
	}

	// What the probe leaves to remove: on a bucket that keeps versions, the
	// delete marker its first delete made, the version it wrote, and a
	// second one where the store ignores If-None-Match.
	versions := []string{}
	if d, _ := deleted.get(); d != nil && aws.ToBool(d.DeleteMarker) && aws.ToString(d.VersionId) != "" {
		versions = append(versions, aws.ToString(d.VersionId))
	}

	version := aws.ToString(written.VersionId)

	// A second write that must not replace the first tells whether the
	// store honours If-None-Match, which creating a repository relies on;
	// it goes with the read, which it cannot change either way (the same
	// bytes).
	second := ahead(func() (*s3.PutObjectOutput, error) {
		return a.Client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: bucket, Key: aws.String(key), Body: bytes.NewReader(payload),
			ContentLength: aws.Int64(int64(len(payload))), IfNoneMatch: aws.String("*"),
		})
	})

	out, err := a.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String(key)})
	secondPut, secondErr := second.get()
	rep.ConditionalWrites = ConditionFailed(secondErr)

	if secondErr == nil && aws.ToString(secondPut.VersionId) != "" {
		versions = append(versions, aws.ToString(secondPut.VersionId))
	}

	removed := a.probeRemoval(ctx, rep, key, version, versions)

	if err != nil {
		refused(repo.ActionGetObject, err)
		return
	}

	got, err := io.ReadAll(out.Body)
	out.Body.Close() //nolint:errcheck

	if err != nil || !bytes.Equal(got, payload) {
		rep.Fail(repo.LineWrite, repo.NewError(repo.CodeUnknown, err, "An object written to %s came back different. The store may be misbehaving; contact its operator.", a.Location))
		return
	}

	if denied == 0 {
		rep.Add(repo.LineWrite, repo.StatusOK, "A test object was written, read back and "+removed)
	}
}

// probeRemoval removes the probe and says how, for the end of the check's
// line. On a bucket that keeps no versions the removal follows the
// answer. On one that does, each version the probe made is deleted by
// its ID before the answer, so that the line says what stays: nothing,
// or (deleting versions refused, or the probe locked for its minute) its
// version and a delete marker.
func (a *S3API) probeRemoval(ctx context.Context, rep *repo.Report, key, version string, others []string) string {
	if version == "" {
		rep.Versioning = repo.VersioningOff
		repo.AfterAnswer(ctx, func() { a.removeProbe(key) })

		return "deleted."
	}

	rep.Versioning = repo.VersioningOn
	if version == "null" {
		rep.Versioning = repo.VersioningSuspended
	}

	where := path.Base(key)

	if a.Loc.ObjectLock != nil {
		// Locked like every blob of the repository, it cannot be deleted
		// for its minute: hidden now, its version stays.
		repo.AfterAnswer(ctx, func() {
			a.removeProbe(key)

			for _, v := range others {
				a.RemoveWritten(context.Background(), key, v) //nolint:errcheck
			}
		})

		return "deleted. This bucket keeps versions, and the test object was locked for " + fmt.Sprintf("%d seconds", int(probeLock.Seconds())) + " as the repository's blobs will be, so a delete marker hides it and its version (" + probeSize(where) + ") stays: remove it after that, or let the bucket's lifecycle rules expire it."
	}

	var refusal error

	for _, v := range append([]string{version}, others...) {
		if err := a.RemoveWritten(ctx, key, v); err != nil && refusal == nil {
			refusal = err
		}
	}

	if refusal != nil {
		return "deleted. This bucket keeps versions, and these credentials may not delete one (" + repo.ActionDeleteObjectVersion + "), so a delete marker hides the test object and its version (" + probeSize(where) + ") stays."
	}

	return "deleted, with its versions: this bucket keeps versions."
}

func probeSize(name string) string { return fmt.Sprintf("%d bytes, %s", len(probePayload), name) }

// RemoveWritten deletes an object this app wrote: on a bucket that keeps
// versions, the very version it wrote (so neither it nor a delete marker
// stays), and where deleting a version is refused, the object as such (a
// delete marker then hides the version, which stays). It returns the
// refusal, if any.
func (a *S3API) RemoveWritten(ctx context.Context, key, version string) error {
	plain := &s3.DeleteObjectInput{Bucket: aws.String(a.Loc.Bucket), Key: aws.String(key)}
	if version == "" {
		_, err := a.Client.DeleteObject(ctx, plain)
		return err
	}

	_, err := a.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(a.Loc.Bucket), Key: aws.String(key), VersionId: aws.String(version)})
	if err == nil {
		return nil
	}

	a.Client.DeleteObject(ctx, plain) //nolint:errcheck // hidden, at least

	return a.Fail(ctx, err, repo.ActionDeleteObjectVersion)
}

// probePayload is what the probe holds.
var probePayload = []byte("corso-desktop write check; safe to delete\n")

// probeLock is how long the object-lock probe stays locked.
const probeLock = time.Minute

// removeProbe deletes the probe on a fresh context so a cancelled check
// still cleans up after itself.
func (a *S3API) removeProbe(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	a.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(a.Loc.Bucket), Key: aws.String(key)}) //nolint:errcheck
}
