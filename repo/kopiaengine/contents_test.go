package kopiaengine_test

import (
	"context"
	"strings"
	"testing"

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

	foreign := []string{"a-file", "p", "p!", "p0", "p5", "p5zzz", "p:", "p`", "pf", "pfff", "pz", "q", "q0", "zzz", "~x", "ümlaut", "dir/p0"}
	for _, name := range foreign {
		m.Put(t, bucket, "ranges/"+name, "user data")
	}

	var want int
	for _, o := range m.Objects(t, bucket) {
		if strings.HasPrefix(o, "ranges/") {
			want++
		}
	}

	c, err := eng.Contents(ctx, local, repotest.RootSecrets())
	if err != nil {
		t.Fatal(err)
	}

	if c.Storage.Blobs != want {
		t.Fatalf("%d objects counted, MinIO lists %d", c.Storage.Blobs, want)
	}

	other := 0
	for _, k := range c.Storage.Kinds {
		if k.Kind == repo.BlobOther {
			other = k.Blobs
		}
	}

	// "p0"… are not kopia's names: a data pack's ID is longer.
	if other != len(foreign) {
		t.Fatalf("%d counted as other data, want %d: %+v", other, len(foreign), c.Storage.Kinds)
	}
}
