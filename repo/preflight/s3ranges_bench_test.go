package preflight_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo/preflight"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// BenchmarkListRanges lists 100,000 objects named like kopia's data packs
// on MinIO, next to it and through the latency proxy at 50 ms with the
// store's own 20 ms per request, in 1, 2, 4, 8 and 22 ranges side by side.
// It is how KopiaRangeBounds was chosen (docs/benchmarks.md).
func BenchmarkListRanges(b *testing.B) {
	m := repotest.Shared(b, repotest.Options{})
	bucket := m.Bucket(b)
	m.PutPacks(b, bucket, "x/", 0, 100_000)

	ctx := context.Background()

	for _, nw := range []repotest.Network{{}, {RTT: 50 * time.Millisecond, Handshake: 50 * time.Millisecond, ServerTime: 20 * time.Millisecond}} {
		set := m.Settings(bucket, "x")
		if nw.RTT > 0 {
			set.Endpoint, _ = m.LatencyProxyWith(b, nw)
		}

		for _, bounds := range [][]string{nil, {"p8"}, preflight.KopiaRangeBounds, {"p2", "p4", "p6", "p8", "pa", "pc", "pe"}, manyBounds} {
			b.Run(fmt.Sprintf("rtt=%dms-server=%dms/ranges=%d", nw.RTT.Milliseconds(), nw.ServerTime.Milliseconds(), len(bounds)+1), func(b *testing.B) {
				api := openLister(b, set)

				for b.Loop() {
					n := 0
					if err := api.ListAll(ctx, bounds, func(preflight.ListedObject) error { n++; return nil }); err != nil || n != 100_000 {
						b.Fatalf("%d listed: %v", n, err)
					}
				}
			})
		}
	}
}
