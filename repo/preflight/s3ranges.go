// Listing a whole location fast: its key space cut into ranges that are
// listed side by side, so a repository of many blobs costs a few rounds
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

// KopiaRangeBounds cut a repository's key space in four where kopia's
// blobs are many, its data packs ("p" and 32 random hex digits): before
// p4 (kopia.*, logs, the first packs), p4–p8, p8–pc, and from pc on
// (the last packs, metadata packs, sessions, indexes). Any other name
// still falls in exactly one range, so nothing of the user's is missed.
// Four, not more: MinIO walks its whole folder for every new listing, so
// beyond four its own work outgrows what a network round saves
// (BenchmarkListRanges: at 50 ms, 100,000 objects in 4.2 s against 30.8 s
// in one range and 11.2 s in 22).
var KopiaRangeBounds = []string{"p4", "p8", "pc"}

// nearbyAnswer is how quickly a store next to this computer answers: a
// store on this computer or its network answers a HEAD in a few
// milliseconds, Amazon S3 itself in 20 or more.
const nearbyAnswer = 10 * time.Millisecond

// Nearby says whether the store answers as one next to this computer
// does, from the time of one HEAD of name (on a new connection, so its
// handshake counts too). Next to it, listing ranges side by side only
// adds the store's own work (MinIO walks its folder for each listing);
// across a network the ranges save a round per page.
func (a *S3API) Nearby(ctx context.Context, name string) bool {
	start := time.Now()

	_, err := a.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(a.Loc.Bucket), Key: aws.String(a.Key(name))})

	return err == nil && time.Since(start) < nearbyAnswer
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
// goroutine at a time, in no particular order. The key space is cut at
// bounds (names relative to the prefix, in ascending order) into ranges
// (…, b0], (b0, b1], …, (bn, …) listed side by side.
func (a *S3API) ListAll(ctx context.Context, bounds []string, each func(ListedObject) error) error {
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

	for i := 0; i <= len(bounds); i++ {
		from, to := "", ""
		if i > 0 {
			from = bounds[i-1]
		}

		if i < len(bounds) {
			to = bounds[i]
		}

		wg.Add(1)

		go func() {
			defer wg.Done()

			if err := a.listRange(ctx, from, to, emit); err != nil {
				mu.Lock()
				if fail == nil {
					fail = err
				}
				mu.Unlock()
				cancel()
			}
		}()
	}

	wg.Wait()

	return fail
}

// listRange lists the names in (from, to]; "" leaves that side open.
func (a *S3API) listRange(ctx context.Context, from, to string, emit func(ListedObject) error) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(a.Loc.Bucket), Prefix: aws.String(a.Loc.Prefix), MaxKeys: aws.Int32(listPageSize)}
	if from != "" {
		in.StartAfter = aws.String(a.Loc.Prefix + from)
	}

	for {
		out, err := a.Client.ListObjectsV2(ctx, in)
		if err != nil {
			return a.Fail(ctx, err, repo.ActionListBucket)
		}

		for _, o := range out.Contents {
			name := strings.TrimPrefix(aws.ToString(o.Key), a.Loc.Prefix)
			if to != "" && name > to {
				return nil // the next range's
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
