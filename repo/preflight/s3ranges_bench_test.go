package preflight_test

import (
	"context"
	"crypto/md5" //nolint:gosec // names, not secrets
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

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
	putPacks(b, m, bucket, "x/", 100_000)

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

// putPacks writes n small objects under prefix with random hex names
// after "p", as kopia names its data packs.
func putPacks(b *testing.B, m *repotest.MinIO, bucket, prefix string, n int) {
	c := m.Client(b)
	work := make(chan int)

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		fail error
	)

	for w := 0; w < 32; w++ {
		wg.Add(1)

		go func() {
			defer wg.Done()

			for i := range work {
				key := fmt.Sprintf("%sp%x", prefix, md5.Sum([]byte(strconv.Itoa(i)))) //nolint:gosec // a name
				if _, err := c.PutObject(context.Background(), bucket, key, strings.NewReader("pack"), 4, minio.PutObjectOptions{}); err != nil {
					mu.Lock()
					fail = err
					mu.Unlock()
				}
			}
		}()
	}

	for i := 0; i < n; i++ {
		work <- i
	}

	close(work)
	wg.Wait()

	if fail != nil {
		b.Fatal(fail)
	}
}
