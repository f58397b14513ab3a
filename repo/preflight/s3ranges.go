// Listing a whole location fast: its names listed by prefix, several
// listings side by side, so a repository of many blobs costs a few rounds
// over a network rather than one per thousand blobs.

package preflight

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/corsodesktop/corso-desktop/repo"
)

// listPageSize is S3's largest page (tests make it small to cross pages).
var listPageSize int32 = 1000

// ListedObject is one object under a location, named relative to its prefix.
type ListedObject struct {
	Name     string
	Size     int64
	Modified time.Time
}

// KopiaGroups are the prefixes of kopia's data packs ("p" and 32 random
// hex digits), which are nearly all of a large repository's blobs: each
// is listed on its own, side by side, and everything else (kopia.*, logs,
// metadata packs, sessions, indexes, anything of the user's) by the
// listings between and after them (ListAll). By prefix, not by range:
// MinIO walks every name after a listing's start for its second page,
// but only the names under its prefix (BenchmarkListRanges).
var KopiaGroups = hexGroups("p")

// hexGroups are letter followed by each hex digit.
func hexGroups(letter string) []string {
	groups := make([]string, 0, 16)
	for _, d := range "0123456789abcdef" {
		groups = append(groups, letter+string(d))
	}

	return groups
}

// NearbyAnswer is how quickly a store next to this computer answers: a
// store on this computer or its network answers a HEAD in a few
// milliseconds, Amazon S3 itself in 20 or more.
const NearbyAnswer = 10 * time.Millisecond

// Nearby says whether the store answers as one next to this computer
// does, from the time of one HEAD of name (on a new connection, so its
// handshake counts too, unless one was opened ahead: then a store more
// than 10 ms away still answers later than that). Next to it, listings side by side only
// adds the store's own work (MinIO walks its folder for each listing);
// across a network they save a round per page.
func (a *S3API) Nearby(ctx context.Context, name string) bool {
	start := time.Now()

	_, err := a.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(a.Loc.Bucket), Key: aws.String(a.Key(name))})

	return err == nil && time.Since(start) < NearbyAnswer
}

// OpenS3 is an S3 client for a connected location, signing for region
// (the bucket's, as a check found it, when none was typed), for an
// operation that only reads.
func OpenS3(loc repo.S3Location, region string, keys *Keys) (*S3API, error) {
	if keys == nil || keys.Err != nil {
		return nil, errors.New("preflight: no keys")
	}

	api, err := newS3API(loc, keys.ResolvedCredentials)
	if err != nil {
		return nil, err
	}

	if loc.Region == "" && region != "" {
		api.setRegion(region)
	}

	return api, nil
}

// ListAll calls each for every object under the location, once, from one
// goroutine at a time, in no particular order. The names under each of
// groups (prefixes relative to the location's, ascending, none the prefix
// of another) are listed side by side, one listing each; the names before
// the first group, between two groups and after the last are listed at
// the same time, each listing from past the group before it (and leaving
// out the rare name under that group it still finds), so every name is in
// exactly one listing whatever it is. No groups: one listing of everything.
func (a *S3API) ListAll(ctx context.Context, groups []string, each func(ListedObject) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		fail error
	)

	emit := func(o ListedObject) error {
		mu.Lock()
		defer mu.Unlock()

		if fail != nil {
			return fail
		}

		return each(o)
	}

	run := func(l listing) {
		wg.Add(1)

		go func() {
			defer wg.Done()

			if err := a.listPart(ctx, l, emit); err != nil {
				mu.Lock()
				if fail == nil {
					fail = err
				}
				mu.Unlock()
				cancel()
			}
		}()
	}

	for _, g := range groups {
		run(listing{prefix: g})
	}

	// Before the first group; with none, everything.
	first := ""
	if len(groups) > 0 {
		first = groups[0]
	}

	run(listing{before: first})

	for i, g := range groups {
		next := ""
		if i+1 < len(groups) {
			next = groups[i+1]
			if adjacent(g, next) {
				continue // nothing sorts between them
			}
		}

		run(listing{after: g, before: next})
	}

	wg.Wait()

	return fail
}

// listing is one of ListAll's listings: the names under prefix, or the
// names after every name under the group after and before before (""
// leaves either side open).
type listing struct {
	prefix string
	after  string
	before string
}

// pastEveryName is the highest character a key can hold (UTF-8's last):
// a name under a group sorts after the group followed by it only if it
// begins with both.
const pastEveryName = "\U0010FFFF"

// adjacent says whether no name sorts after every name under a and
// before b: b is a with its last byte one higher.
func adjacent(a, b string) bool {
	n := len(a)

	return n > 0 && len(b) == n && a[:n-1] == b[:n-1] && a[n-1]+1 == b[n-1]
}

// listPart lists l's names, page after page.
func (a *S3API) listPart(ctx context.Context, l listing, emit func(ListedObject) error) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(a.Loc.Bucket), Prefix: aws.String(a.Loc.Prefix + l.prefix), MaxKeys: aws.Int32(listPageSize)}

	if l.after != "" {
		// Started with the group's listing, not after it: past every
		// name under the group but the rare one that begins with
		// pastEveryName too, which is the group's and left out below.
		in.StartAfter = aws.String(a.Loc.Prefix + l.after + pastEveryName)
	}

	for {
		out, err := a.Client.ListObjectsV2(ctx, in, a.fastListing)
		if err != nil {
			return a.Fail(ctx, err, repo.ActionListBucket)
		}

		for _, o := range out.Contents {
			name := strings.TrimPrefix(aws.ToString(o.Key), a.Loc.Prefix)
			if l.before != "" && name >= l.before {
				return nil // the next group's
			}

			if l.after != "" && strings.HasPrefix(name, l.after) {
				continue // the group's own listing has it
			}

			if err := emit(ListedObject{Name: name, Size: aws.ToInt64(o.Size), Modified: aws.ToTime(o.LastModified)}); err != nil {
				return err
			}
		}

		if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			return nil
		}

		in.ContinuationToken = out.NextContinuationToken
	}
}
