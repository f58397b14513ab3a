// The bucket listing: what is at the prefix, and repositories nested around it.

package preflight

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/corsodesktop/corso-desktop/repo"
)

// checkList lists the location; first is its first page and outer the
// look for a repository above it, when asked ahead (nil: asked now).
func (a *S3API) checkList(ctx context.Context, rep *repo.Report, mode repo.CheckMode, first *future[*s3.ListObjectsV2Output], outer *future[string]) bool {
	if first == nil {
		first = ahead(func() (*s3.ListObjectsV2Output, error) { return a.listPage(ctx, a.Loc.Prefix, 100) })
	}

	// A HEAD refused earlier with GetBucketLocation allowed means
	// s3:ListBucket is the action missing; ListObjectsV2 confirms it.
	out, err := first.get()

	var (
		names     []string
		truncated bool
	)

	if err == nil {
		names, truncated = a.namesOf(out, rep)
	}

	if err != nil {
		e := a.Fail(ctx, err, repo.ActionListBucket)
		a.failLine(ctx, rep, repo.LineList, e)
		a.fixBucketLine(rep, e)

		return false
	}

	for i, l := range rep.Lines {
		if l.Name == repo.LineBucket && l.Status == repo.StatusSkipped {
			rep.Lines[i] = repo.CheckLine{Name: repo.LineBucket, Status: repo.StatusOK, Message: "Bucket " + a.Loc.Bucket + " exists."}
		}
	}

	if truncated {
		// A busy repository lists many packs before kopia.repository's
		// neighbours and its index blobs (x…, last in order): look for both.
		for _, p := range []string{"kopia.", "x"} {
			more, _, err := a.list(ctx, a.Loc.Prefix+p, 10, rep)
			if err != nil {
				a.failLine(ctx, rep, repo.LineList, a.Fail(ctx, err, repo.ActionListBucket))
				return false
			}

			names = append(names, more...)
		}
	}

	rep.State, rep.HalfMade = classifyNames(topLevel(names))

	if overlap, err := a.overlap(ctx, names, mode, outer); err != nil {
		rep.Fail(repo.LineList, err)
		return false
	} else if overlap != "" {
		e := repo.NewError(repo.CodePrefixOverlap, nil, "%s Repositories in one bucket need prefixes where neither is inside the other: choose a different prefix.", overlap)
		e.Field = repo.FieldPrefix
		rep.Fail(repo.LineList, e)
		rep.State = repo.StateNotEmpty

		return false
	}

	st := repo.StatusOK
	if rep.State == repo.StateNotEmpty || rep.State == repo.StateHalfMade {
		st = repo.StatusWarning
	}

	rep.Add(repo.LineList, st, describeState(rep.State, rep.HalfMade))

	return true
}

func contains(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}

	return false
}

// topLevel keeps names directly under the prefix; a name with a "/" is
// inside a deeper "folder" and counts as other data.
func topLevel(names []string) []string {
	out := make([]string, 0, len(names))

	for _, n := range names {
		if i := strings.IndexByte(n, '/'); i >= 0 {
			out = append(out, n[:i+1])
		} else {
			out = append(out, n)
		}
	}

	return out
}

// list returns object names under prefix, relative to the location's prefix.
// It notes when kopia.blobcfg was written, which dates the repository.
func (a *S3API) list(ctx context.Context, prefix string, limit int32, rep *repo.Report) ([]string, bool, error) {
	out, err := a.listPage(ctx, prefix, limit)
	if err != nil {
		return nil, false, err
	}

	names, truncated := a.namesOf(out, rep)

	return names, truncated, nil
}

// listPage is one page of object names under prefix.
func (a *S3API) listPage(ctx context.Context, prefix string, limit int32) (*s3.ListObjectsV2Output, error) {
	return listPageOn(ctx, a.Client, a.Loc.Bucket, prefix, limit)
}

// listPageOn lists on client, which a request sent ahead takes with it.
func listPageOn(ctx context.Context, client *s3.Client, bucket, prefix string, limit int32) (*s3.ListObjectsV2Output, error) {
	return client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket:  aws.String(bucket),
		Prefix:  aws.String(prefix),
		MaxKeys: aws.Int32(limit),
	})
}

// namesOf is a page's names relative to the location's prefix; it notes
// when kopia.blobcfg was written, which dates the repository.
func (a *S3API) namesOf(out *s3.ListObjectsV2Output, rep *repo.Report) ([]string, bool) {
	names := make([]string, 0, len(out.Contents))
	for _, o := range out.Contents {
		name := strings.TrimPrefix(aws.ToString(o.Key), a.Loc.Prefix)
		names = append(names, name)

		if name == BlobCfgBlobName && o.LastModified != nil {
			rep.Created = *o.LastModified
		}
	}

	return names, aws.ToBool(out.IsTruncated)
}

// overlap finds another repository whose prefix contains this one or sits
// inside it, at any depth. kopia lists everything under its prefix, so a
// repository nested in another one would look like stray blobs to the
// outer one (whose maintenance could delete them). Outer repositories only
// matter for creating one, so a read check skips those requests.
func (a *S3API) overlap(ctx context.Context, names []string, mode repo.CheckMode, outer *future[string]) (string, error) {
	if inner, err := a.innerRepository(ctx, names); err != nil || inner != "" {
		return inner, err
	}

	if outer == nil {
		outer = a.outerAhead(ctx, mode)
	}

	return outer.get()
}

// outerAhead asks, without waiting, whether a repository sits at a prefix
// above this one: it does not depend on the listing, so it goes with it.
func (a *S3API) outerAhead(ctx context.Context, mode repo.CheckMode) *future[string] {
	client := a.Client
	return ahead(func() (string, error) { return a.outerRepository(ctx, client, mode) })
}

// outerRepository names a repository at a prefix above this one, or "".
func (a *S3API) outerRepository(ctx context.Context, client *s3.Client, mode repo.CheckMode) (string, error) {
	if a.Loc.Prefix == "" || mode == repo.CheckRead {
		return "", nil
	}

	// Every prefix above this one, from the bucket's root down, asked at
	// once: one round trip whatever the depth.
	parts := strings.Split(strings.TrimSuffix(a.Loc.Prefix, "/"), "/")
	found := make([]bool, len(parts))
	errs := make([]error, len(parts))

	var wg sync.WaitGroup

	for i := range parts {
		wg.Add(1)

		go func() {
			defer wg.Done()

			outer := strings.Join(parts[:i], "/")
			if outer != "" {
				outer += "/"
			}

			out, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
				Bucket:  aws.String(a.Loc.Bucket),
				Prefix:  aws.String(outer + FormatBlobName),
				MaxKeys: aws.Int32(1),
			})
			if err != nil {
				errs[i] = a.Fail(ctx, err, repo.ActionListBucket)
				return
			}

			for _, o := range out.Contents {
				found[i] = found[i] || aws.ToString(o.Key) == outer+FormatBlobName
			}
		}()
	}

	wg.Wait()

	for i := range parts {
		if errs[i] != nil {
			return "", errs[i]
		}

		if found[i] {
			if i == 0 {
				return "A repository is at the root of this bucket, and this prefix is inside it.", nil
			}

			return fmt.Sprintf("A repository is at prefix %q, and this prefix is inside it.", strings.Join(parts[:i], "/")+"/"), nil
		}
	}

	return "", nil
}

// maxInnerPages bounds the search for a repository nested below this
// prefix: it only runs when something is nested there at all.
const maxInnerPages = 50

// innerRepository looks for a kopia.repository at any depth below the
// prefix. kopia itself writes no nested names, so the search runs only
// when the first listing showed some.
func (a *S3API) innerRepository(ctx context.Context, names []string) (string, error) {
	nested := false

	for _, n := range names {
		if strings.HasSuffix(n, "/"+FormatBlobName) {
			return fmt.Sprintf("Another repository is inside this prefix, at %q.", a.Loc.Prefix+strings.TrimSuffix(n, FormatBlobName)), nil
		}

		nested = nested || strings.Contains(n, "/")
	}

	if !nested {
		return "", nil
	}

	var token *string

	for page := 0; page < maxInnerPages; page++ {
		out, err := a.Client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket:            aws.String(a.Loc.Bucket),
			Prefix:            aws.String(a.Loc.Prefix),
			ContinuationToken: token,
		})
		if err != nil {
			return "", a.Fail(ctx, err, repo.ActionListBucket)
		}

		for _, o := range out.Contents {
			if rel := strings.TrimPrefix(aws.ToString(o.Key), a.Loc.Prefix); strings.HasSuffix(rel, "/"+FormatBlobName) {
				return fmt.Sprintf("Another repository is inside this prefix, at %q.", a.Loc.Prefix+strings.TrimSuffix(rel, FormatBlobName)), nil
			}
		}

		if !aws.ToBool(out.IsTruncated) {
			break
		}

		token = out.NextContinuationToken
	}

	return "", nil
}
