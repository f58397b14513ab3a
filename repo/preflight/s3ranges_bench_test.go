package preflight_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/corsodesktop/corso-desktop/repo/preflight"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// BenchmarkListRanges lists 100,000 objects named like kopia's data packs
// on MinIO, next to it and through the latency proxy at 50 ms with the
// store's own 20 ms per request, and there again with a store that lists
// from an index as S3 does (100 ms a page): in one listing, and by 8 (half the names
// then fall in the listing after them), 16 and 256 groups side by side.
// It is how KopiaGroups was chosen (docs/benchmarks.md).
func BenchmarkListRanges(b *testing.B) {
	m := repotest.Shared(b, repotest.Options{})
	bucket := m.Bucket(b)
	m.PutPacks(b, bucket, "x/", 0, 100_000)

	ctx := context.Background()

	at50 := repotest.Network{RTT: 50 * time.Millisecond, Handshake: 50 * time.Millisecond, ServerTime: 20 * time.Millisecond}
	indexed := at50
	indexed.ListTime = 100 * time.Millisecond

	for _, nw := range []repotest.Network{{}, at50, indexed} {
		set := m.Settings(bucket, "x")
		if nw.RTT > 0 {
			set.Endpoint, _ = m.LatencyProxyWith(b, nw)
		}

		if nw.ListTime > 0 {
			// The index is read from MinIO at the first listing, not timed.
			api := openLister(b, set)
			if _, err := api.Client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1)}); err != nil {
				b.Fatal(err)
			}
		}

		var groups256 []string
		for _, g := range preflight.KopiaGroups {
			groups256 = append(groups256, preflight.HexGroups(g)...)
		}

		for _, groups := range [][]string{nil, preflight.HexGroups("p")[:8:8], preflight.KopiaGroups, groups256} {
			b.Run(fmt.Sprintf("rtt=%dms-server=%dms-list=%dms/groups=%d", nw.RTT.Milliseconds(), nw.ServerTime.Milliseconds(), nw.ListTime.Milliseconds(), len(groups)), func(b *testing.B) {
				api := openLister(b, set)

				for b.Loop() {
					n := 0
					if err := api.ListAll(ctx, groups, func(preflight.ListedObject) error { n++; return nil }); err != nil || n != 100_000 {
						b.Fatalf("%d listed: %v", n, err)
					}
				}
			})
		}
	}
}
