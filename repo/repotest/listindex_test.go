package repotest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

func TestMain(m *testing.M) { repotest.Main(m) }

// TestAStoreThatListsFromAnIndexAnswersAsMinIO: every listing a client
// can ask (by prefix, with a delimiter, from a name, page by page, with
// names that need encoding) is answered through a proxy whose store lists
// from an index exactly as MinIO answers it, and a write through the
// proxy is in the next listing, though the same listing was answered
// before.
func TestAStoreThatListsFromAnIndexAnswersAsMinIO(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)

	names := []string{"a", "a b", "a+b", "a%b", "ä/ö", "kopia.repository", "p0/x", "p0/y/z", "p00", "p01", "p0a", "p1", "q/r/s", "x/", "xn0_1", "zz"}
	for i := 0; i < 23; i++ {
		names = append(names, fmt.Sprintf("pf%02d", i))
	}

	for i, n := range names {
		m.Put(t, bucket, n, strings.Repeat("x", i))
	}

	endpoint, stats := m.LatencyProxyWith(t, repotest.Network{ListTime: time.Millisecond})
	direct := m.Client(t)
	proxied := clientAt(t, endpoint)

	cases := []minio.ListObjectsOptions{
		{Recursive: true},
		{Recursive: true, MaxKeys: 3},
		{},
		{MaxKeys: 2},
		{Prefix: "p0"},
		{Prefix: "p0", Recursive: true, MaxKeys: 1},
		{Prefix: "p0/"},
		{Prefix: "pf", MaxKeys: 5},
		{StartAfter: "p01", Recursive: true, MaxKeys: 4},
		{Prefix: "p", StartAfter: "p0a", MaxKeys: 2},
		{Prefix: "nothing", Recursive: true},
		{Prefix: "ä/"},
	}

	// The second time round, each page is the one the index kept.
	for round := range 2 {
		for _, opts := range cases {
			want, got := listed(t, direct, bucket, opts), listed(t, proxied, bucket, opts)
			if !slices.Equal(got, want) {
				t.Errorf("round %d, %+v:\nthrough the index %q\nfrom MinIO        %q", round, opts, got, want)
			}

			if len(want) == 0 && opts.Prefix != "nothing" {
				t.Errorf("%+v listed nothing: the case tests nothing", opts)
			}
		}
	}

	if stats.IndexedListings() < len(cases) {
		t.Errorf("the index answered %d listings of %d or more: MinIO answered the rest", stats.IndexedListings(), len(cases))
	}

	if _, err := proxied.PutObject(context.Background(), bucket, "p0b", strings.NewReader("new"), 3, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}

	// A listing asked before the write is answered afresh, not from the
	// page kept for it.
	again := minio.ListObjectsOptions{Prefix: "p0"}
	if got := listed(t, proxied, bucket, again); !slices.Equal(got, listed(t, direct, bucket, again)) || !slices.ContainsFunc(got, func(l string) bool { return strings.HasPrefix(l, "p0b ") }) {
		t.Errorf("after a write through the proxy the index lists %q", got)
	}
}

// listed is what a listing gives, one line per object or common prefix.
func listed(t *testing.T, c *minio.Client, bucket string, opts minio.ListObjectsOptions) []string {
	t.Helper()

	var out []string

	for o := range c.ListObjects(context.Background(), bucket, opts) {
		if o.Err != nil {
			t.Fatalf("%+v: %v", opts, o.Err)
		}

		out = append(out, fmt.Sprintf("%s %d %s %s", o.Key, o.Size, o.ETag, o.LastModified.UTC().Format(time.RFC3339Nano)))
	}

	return out
}

// clientAt is a root client of the store at endpoint.
func clientAt(t *testing.T, endpoint string) *minio.Client {
	t.Helper()

	c, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(repotest.RootUser, repotest.RootPassword, "")})
	if err != nil {
		t.Fatal(err)
	}

	return c
}
