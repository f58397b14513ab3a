package kopiaengine_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestStorageSummaryCountsEveryObjectOnce: on S3, every object under the
// prefix is counted once, and names that only look like kopia's (short,
// odd characters, in a folder) count as other data: the totals equal
// MinIO's own listing of the prefix.
func TestStorageSummaryCountsEveryObjectOnce(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	s := m.Settings(bucket, "ranges")
	local := repotest.LocalIn(t.TempDir())
	ctx := context.Background()

	if _, err := eng.Initialize(ctx, s, repotest.RootSecrets(), local); err != nil {
		t.Fatal(err)
	}

	foreign := []string{"a-file", "p", "p!", "p0", "p4", "p5", "p5zzz", "p8", "p:", "p`", "pc", "pf", "pfff", "pz", "q", "q0", "zzz", "~x", "ümlaut", "dir/p0"}
	for _, name := range foreign {
		m.Put(t, bucket, "ranges/"+name, "user data")
	}

	var want int
	for _, o := range m.Objects(t, bucket) {
		if strings.HasPrefix(o, "ranges/") {
			want++
		}
	}

	// Next to MinIO, kopia's own listing; 20 ms away, listings side by
	// side: one per data-pack prefix, and those between and after them.
	endpoint, stats := m.LatencyProxy(t, 20*time.Millisecond)
	far := s
	far.Endpoint = endpoint
	farLocal := repotest.LocalIn(t.TempDir())

	if _, err := eng.Connect(ctx, far, repotest.RootSecrets(), farLocal); err != nil {
		t.Fatal(err)
	}

	for name, l := range map[string]repo.Local{"next to it": local, "20 ms away": farLocal} {
		stats.Reset()

		c, err := eng.Contents(ctx, l, repotest.RootSecrets())
		if err != nil {
			t.Fatal(err)
		}

		grouped := slices.ContainsFunc(stats.Trace(), func(r repotest.TracedRequest) bool { return strings.Contains(r.Query, "prefix=ranges%2Fp7") })
		if grouped != (l == farLocal) {
			t.Errorf("%s: listed by prefix: %v", name, grouped)
		}

		if c.Storage.Blobs != want {
			t.Fatalf("%s: %d objects counted, MinIO lists %d", name, c.Storage.Blobs, want)
		}

		other := 0
		for _, k := range c.Storage.Kinds {
			if k.Kind == repo.BlobOther {
				other = k.Blobs
			}
		}

		// "p0"… are not kopia's names: a data pack's ID is longer.
		if other != len(foreign) {
			t.Fatalf("%s: %d counted as other data, want %d: %+v", name, other, len(foreign), c.Storage.Kinds)
		}
	}
}
