package kopiaengine_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/content"
	"github.com/minio/minio-go/v7"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// verifyBenchBytes is the item data BenchmarkVerifyFull writes:
// CORSO_VERIFY_BENCH_MB megabytes, 2048 (2 GiB) unless set.
func verifyBenchBytes() int { return envInt("CORSO_VERIFY_BENCH_MB", 2048) << 20 }

// envInt is a benchmark's knob: the whole number in the environment
// variable name, or def when it is not set to one (0 is a value).
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n >= 0 {
		return n
	}

	return def
}

var (
	verifyBenchOnce     sync.Once
	verifyBenchSettings repo.S3Compatible
	verifyBenchBucket   string
)

// verifyBenchRepository writes, once per test binary, a repository on
// MinIO of Corso backups whose item data totals verifyBenchBytes.
func verifyBenchRepository(b *testing.B, m *repotest.MinIO) repo.S3Compatible {
	b.Helper()

	verifyBenchOnce.Do(func() {
		ctx := context.Background()
		verifyBenchBucket = m.Bucket(b)
		s := m.Settings(verifyBenchBucket, "verify-bench")

		dir, err := os.MkdirTemp("", "corso-desktop-verify-bench-")
		if err != nil {
			b.Fatal(err)
		}
		defer os.RemoveAll(dir)

		local := repotest.LocalIn(dir)
		if _, err := eng.Initialize(ctx, s, repotest.RootSecrets(), local); err != nil {
			b.Fatal(err)
		}

		const itemSize = 1 << 20

		resources := make([]string, 8)
		for i := range resources {
			resources[i] = fmt.Sprintf("user%d@contoso.com", i)
		}

		items := max(1, verifyBenchBytes()/itemSize/len(resources))

		sctx := kopiaengine.WithS3Secrets(ctx, repotest.RootSecrets().S3)
		if _, err := repotest.WriteCorsoBackupsWithData(sctx, local.ConfigFile, repotest.Passphrase, resources, items, itemSize); err != nil {
			b.Fatal(err)
		}

		verifyBenchSettings = s
	})

	return verifyBenchSettings
}

// rawRead fetches every object of the repository, 8 at a time (as many as
// the engine's verification reads at once), decrypting nothing: the
// store's own read throughput.
func rawRead(b *testing.B, m *repotest.MinIO, s repo.S3Compatible) int64 {
	ctx := context.Background()
	c := m.Client(b)

	var keys []string
	for o := range c.ListObjects(ctx, s.Bucket, minio.ListObjectsOptions{Prefix: s.Prefix + "/", Recursive: true}) {
		if o.Err != nil {
			b.Fatal(o.Err)
		}

		keys = append(keys, o.Key)
	}

	var (
		total atomic.Int64
		next  atomic.Int64
		wg    sync.WaitGroup
	)

	for range 8 {
		wg.Add(1)

		go func() {
			defer wg.Done()

			for i := int(next.Add(1) - 1); i < len(keys); i = int(next.Add(1) - 1) {
				o, err := c.GetObject(ctx, s.Bucket, keys[i], minio.GetObjectOptions{})
				if err != nil {
					b.Error(err)
					return
				}

				n, err := io.Copy(io.Discard, o)
				o.Close()

				if err != nil {
					b.Error(err)
					return
				}

				total.Add(n)
			}
		}()
	}

	wg.Wait()

	return total.Load()
}

// kopiaVerify runs kopia's own content verification in-process, reading
// every content (kopia content verify --full, 16 at once, its default).
func kopiaVerify(b *testing.B, local repo.Local) {
	ctx := kopiaengine.WithS3Secrets(context.Background(), repotest.RootSecrets().S3)

	r, err := kopiarepo.Open(ctx, local.ConfigFile, repotest.Passphrase, &kopiarepo.Options{DisableRepositoryLog: true})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close(ctx) //nolint:errcheck

	_, w, err := r.(kopiarepo.DirectRepository).NewDirectWriter(ctx, kopiarepo.WriteSessionOptions{Purpose: "verify benchmark"})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close(ctx) //nolint:errcheck

	if err := w.ContentManager().VerifyContents(ctx, content.VerifyOptions{ContentReadPercentage: 100, ContentIterateParallelism: 16}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkVerifyFull (issue 24): a full verification of a repository of
// at least 2 GiB on MinIO, with its two peers measured in the same
// rounds, each on a fresh connection (an empty cache): the store's raw
// read of every blob, and kopia's own content verification. Reported:
// each one's MB/s (medians), the engine's share of the raw throughput
// (target at least 80 %) and its time against kopia's (target at most
// 100 %).
func BenchmarkVerifyFull(b *testing.B) {
	m := repotest.Shared(b, repotest.Options{})
	s := verifyBenchRepository(b, m)
	ctx := kopiaengine.WithS3Secrets(context.Background(), repotest.RootSecrets().S3)

	connect := func() repo.Local {
		local := repotest.LocalIn(b.TempDir())
		if _, err := eng.Connect(ctx, s, repotest.RootSecrets(), local); err != nil {
			b.Fatal(err)
		}

		return local
	}

	var raw, ours, theirs []float64

	var size int64

	b.ResetTimer()

	for range b.N {
		start := time.Now()
		size = rawRead(b, m, s)
		raw = append(raw, time.Since(start).Seconds())

		local := connect()
		start = time.Now()

		res, err := eng.Verify(ctx, local, repotest.RootSecrets(), repo.VerifyRequest{Mode: repo.VerifyFull})
		if err != nil || len(res.Problems) != 0 {
			b.Fatalf("verification: %+v %v", res, err)
		}

		ours = append(ours, time.Since(start).Seconds())

		local = connect()
		start = time.Now()
		kopiaVerify(b, local)
		theirs = append(theirs, time.Since(start).Seconds())
	}

	b.StopTimer()

	mb := float64(size) / 1e6
	r, o, k := median(raw), median(ours), median(theirs)

	b.ReportMetric(mb, "repo-MB")
	b.ReportMetric(mb/r, "raw-MB/s")
	b.ReportMetric(mb/o, "engine-MB/s")
	b.ReportMetric(mb/k, "kopia-MB/s")
	b.ReportMetric(100*r/o, "engine-%-of-raw")
	b.ReportMetric(100*o/k, "engine-time-%-of-kopia")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)

	if len(s)%2 == 1 {
		return s[len(s)/2]
	}

	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
