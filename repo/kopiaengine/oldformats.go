// The older versions of a repository's format a bucket keeps: each older
// kopia.repository opens the repository with the passphrase it was
// written for, so after a passphrase change they are said, and removed
// where the store allows it and no lock holds them.

package kopiaengine

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/kopia/kopia/repo/format"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// OldFormats lists (and with remove, deletes) the older versions of a
// connected repository's format blobs; see repo.Engine.
func (*Engine) OldFormats(ctx context.Context, local repo.Local, secrets repo.Secrets, remove bool) (*repo.OldFormats, error) {
	if err := local.Validate(); err != nil {
		return nil, err
	}

	return bounded(ctx, "The repository's storage", func(ctx context.Context) (*repo.OldFormats, error) {
		return oldFormatsOp(ctx, local, secrets, remove)
	})
}

func oldFormatsOp(ctx context.Context, local repo.Local, secrets repo.Secrets, remove bool) (*repo.OldFormats, error) {
	n, err := connectedSettings(local)
	if err != nil {
		return nil, err
	}

	if _, ok := n.(repo.Filesystem); ok {
		return &repo.OldFormats{Versioning: repo.VersioningNotABucket}, nil
	}

	keys := preflight.ResolveKeys(ctx, n, secrets.S3)
	ctx = withKeys(ctx, keys)

	rep, api, err := preflight.CheckLocation(ctx, n, keys, repo.CheckRead)
	if err != nil {
		return nil, err
	}

	if rep.Err != nil {
		return nil, rep.Err
	}

	if !remove {
		return listOldFormats(ctx, api)
	}

	var res *repo.OldFormats

	// Under the location's lock, listed again: only versions that are not
	// the current one at that moment go, so the repository as it opens
	// never changes (a delete marker that is current, as a passphrase
	// change leaves between its writes, is never touched).
	err = whileLocked(ctx, n, rep, api, false, func(_ guard, st repo.State, _ repo.HalfMadeStage) error {
		if st != repo.StateRepository {
			return repo.NewError(repo.CodeLostRace, nil, "There is no complete repository at %s now (it is %s), so no older version was removed. Run Check again.", repo.Describe(n), st)
		}

		if res, err = listOldFormats(ctx, api); err != nil || res.Refused != "" {
			return err
		}

		return removeOldFormats(ctx, api, res)
	})

	return res, err
}

// formatBlobs are kopia's two format blobs, the only names this touches.
var formatBlobs = []string{format.KopiaRepositoryBlobID, format.KopiaBlobCfgBlobID}

// listOldFormats asks whether the bucket keeps versions and lists the
// format blobs' versions that are not current, with their locks.
func listOldFormats(ctx context.Context, api *preflight.S3API) (*repo.OldFormats, error) {
	res := &repo.OldFormats{}
	bucket := aws.String(api.Loc.Bucket)

	status, err := api.Client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bucket})

	switch {
	case err != nil && repo.CodeOf(api.Fail(ctx, err, repo.ActionGetBucketVersioning)) == repo.CodeAccessDenied:
		res.Refused = repo.ActionGetBucketVersioning
	case err != nil:
		return nil, api.Fail(ctx, err, repo.ActionGetBucketVersioning)
	case status.Status == types.BucketVersioningStatusEnabled:
		res.Versioning = repo.VersioningOn
	case status.Status == types.BucketVersioningStatusSuspended:
		res.Versioning = repo.VersioningSuspended
	default:
		res.Versioning = repo.VersioningOff
	}

	if res.Versioning == repo.VersioningOff {
		return res, nil
	}

	for _, name := range formatBlobs {
		versions, err := olderVersions(ctx, api, name)
		if err != nil && repo.CodeOf(err) == repo.CodeAccessDenied {
			res.Refused = repo.ActionListBucketVersions
			return res, nil
		}

		if err != nil {
			return nil, err
		}

		res.Versions = append(res.Versions, versions...)
	}

	if len(res.Versions) > 0 && res.Versioning == repo.VersioningUnknown {
		res.Versioning = repo.VersioningOn
	}

	lockedUntil(ctx, api, res.Versions)
	sort.SliceStable(res.Versions, func(i, j int) bool { return res.Versions[i].Written.Before(res.Versions[j].Written) })

	return res, nil
}

// olderVersions lists the versions and delete markers of one format blob
// that are not its current version.
func olderVersions(ctx context.Context, api *preflight.S3API, name string) ([]repo.FormatVersion, error) {
	key := api.Key(name)
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(api.Loc.Bucket), Prefix: aws.String(key)}

	var found []repo.FormatVersion

	for {
		page, err := api.Client.ListObjectVersions(ctx, in)
		if err != nil {
			return nil, api.Fail(ctx, err, repo.ActionListBucketVersions)
		}

		for _, v := range page.Versions {
			if aws.ToString(v.Key) == key && !aws.ToBool(v.IsLatest) {
				found = append(found, repo.FormatVersion{Blob: name, VersionID: aws.ToString(v.VersionId), Written: aws.ToTime(v.LastModified), Size: aws.ToInt64(v.Size)})
			}
		}

		for _, d := range page.DeleteMarkers {
			if aws.ToString(d.Key) == key && !aws.ToBool(d.IsLatest) {
				found = append(found, repo.FormatVersion{Blob: name, VersionID: aws.ToString(d.VersionId), Written: aws.ToTime(d.LastModified), DeleteMarker: true})
			}
		}

		if !aws.ToBool(page.IsTruncated) {
			return found, nil
		}

		in.KeyMarker, in.VersionIdMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
}

// lockedUntil fills in each version's object lock, asked side by side
// (a store that does not say, or credentials not allowed to read it,
// leave it unknown: a removal then finds out).
func lockedUntil(ctx context.Context, api *preflight.S3API, versions []repo.FormatVersion) {
	var wg sync.WaitGroup

	for i := range versions {
		if versions[i].DeleteMarker {
			continue
		}

		wg.Add(1)

		go func(v *repo.FormatVersion) {
			defer wg.Done()

			head, err := api.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(api.Loc.Bucket), Key: aws.String(api.Key(v.Blob)), VersionId: aws.String(v.VersionID)})
			if err == nil && head.ObjectLockRetainUntilDate != nil {
				v.LockedUntil, v.LockMode = aws.ToTime(head.ObjectLockRetainUntilDate), string(head.ObjectLockMode)
			}
		}(&versions[i])
	}

	wg.Wait()
}

// removeOldFormats deletes every listed version no lock holds, by its
// version ID (never the current version, which was not listed), and keeps
// in res what stays.
func removeOldFormats(ctx context.Context, api *preflight.S3API, res *repo.OldFormats) error {
	now := time.Now()

	var left []repo.FormatVersion

	for _, v := range res.Versions {
		if v.Locked(now) {
			left = append(left, v)
			continue
		}

		_, err := api.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(api.Loc.Bucket), Key: aws.String(api.Key(v.Blob)), VersionId: aws.String(v.VersionID)})
		if err == nil {
			res.Removed++
			continue
		}

		if e := api.Fail(ctx, err, repo.ActionDeleteObjectVersion); repo.CodeOf(e) != repo.CodeAccessDenied {
			return e
		}

		// Refused: a lock the store did not tell of, or the action.
		left = append(left, v)

		if !v.Locked(now) && v.LockedUntil.IsZero() && res.Refused == "" {
			res.Refused = repo.ActionDeleteObjectVersion
		}
	}

	res.Versions = left

	return nil
}
