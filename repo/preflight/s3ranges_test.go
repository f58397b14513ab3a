package preflight_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestListAllListsEveryObjectOnce: the listings side by side give exactly
// the objects MinIO holds under the prefix, each once, with its size:
// names equal to a group, under it (also past where the listing after it
// starts), just either side of one, between two groups that are not
// adjacent, before the first and after the last,
// nested, non-ASCII, and listings of many pages; with groups empty on the
// store too. A repository at the bucket's root is listed the same way.
func TestListAllListsEveryObjectOnce(t *testing.T) {
	defer preflight.SetListPageSize(3)()

	m := repotest.Shared(t, repotest.Options{})
	ctx := context.Background()

	names := []string{".storageconfig", "0", "A", "^", "_", "_log_1", "kopia.repository", "o~", "p", "p0", "p1", "p10", "p1~", "p3~", "p4", "p40", "p7~", "pc", "pc0", "pf", "pfff", "pg",
		"q", "q7ff", "q8", "q80", "r", "s01", "x", "xn0_1", "y", "~", "ümlaut", "dir/p0", "p8/nested",
		"p/", "p!", "p9", "p9~", "p:", "pA", "pZ", "p_", "p`", "pa", "pf\U0010FFFF", "p\U0010FFFF", "k", "kopia", "j~", "x0",
		// Under a group and past the point the listing after it starts from.
		"pf\U0010FFFF\U0010FFFF", "pf\U0010FFFFz", "p9\U0010FFFFa", "k\U0010FFFFk", "_\U0010FFFF"}
	for i := 0; i < 40; i++ {
		names = append(names, fmt.Sprintf("p%x%031x", i%16, i), fmt.Sprintf("q%x%031x", i%16, i))
	}

	for _, prefix := range []string{"lr/", ""} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			bucket := m.Bucket(t)
			want := map[string]int64{}

			for i, n := range names {
				body := strings.Repeat("b", i)
				m.Put(t, bucket, prefix+n, body)
				want[n] = int64(i)
			}

			m.Put(t, bucket, "lq-outside", "not under the prefix") // sorts just before "lr/"

			if prefix == "" {
				want["lq-outside"] = int64(len("not under the prefix"))
			}

			s := m.Settings(bucket, strings.TrimSuffix(prefix, "/"))
			api := openLister(t, s)

			var mu sync.Mutex

			got := map[string]int64{}

			for _, groups := range [][]string{preflight.KopiaGroups, manyGroups, {"p4"}, {"k", "m", "o", "p"}, nil} {
				clear(got)

				err := api.ListAll(ctx, groups, func(o preflight.ListedObject) error {
					mu.Lock()
					defer mu.Unlock()

					if _, twice := got[o.Name]; twice {
						t.Errorf("%s listed twice", o.Name)
					}

					if o.Modified.IsZero() {
						t.Errorf("%s has no time", o.Name)
					}

					got[o.Name] = o.Size

					return nil
				})
				if err != nil {
					t.Fatal(err)
				}

				if !maps.Equal(got, want) {
					gk, wk := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))
					t.Fatalf("groups %v listed %d:\n%v\nwant %d:\n%v", groups, len(gk), gk, len(wk), wk)
				}
			}

			// Every page MinIO sent, odd names included, was read by the
			// fast decoder, not handed to the SDK's.
			if here, bySDK := api.PagesDecoded(); here == 0 || bySDK != 0 {
				t.Errorf("%d pages decoded here, %d by the SDK", here, bySDK)
			}
		})
	}
}

// TestListAllEndsWithTheStoresSentence: a cancelled listing is a
// cancellation; keys without s3:ListBucket get the refusal naming it,
// not a partial listing.
func TestListAllEndsWithTheStoresSentence(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	m.Put(t, bucket, "d/p0", "x")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	err := openLister(t, m.Settings(bucket, "d")).ListAll(ctx, preflight.KopiaGroups, func(preflight.ListedObject) error { return nil })
	repotest.RequireCode(t, err, repo.CodeCanceled)

	m.AddUser(t, "nolist", "nolist-secret-1", bucket, []string{"s3:GetObject"})

	s := m.Settings(bucket, "d")
	s.Credentials = repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: "nolist"}
	keys := preflight.ResolveKeys(context.Background(), s, repo.S3Secrets{SecretAccessKey: "nolist-secret-1"})

	api, err := preflight.OpenS3(locationOf(t, s), "", keys)
	if err != nil {
		t.Fatal(err)
	}

	n := 0
	err = api.ListAll(context.Background(), preflight.KopiaGroups, func(preflight.ListedObject) error { n++; return nil })
	repotest.RequireCode(t, err, repo.CodeAccessDenied)

	// The refusal was read by the SDK's decoder, as any answer not a page.
	if here, bySDK := api.PagesDecoded(); here != 0 || bySDK == 0 {
		t.Errorf("a refusal: %d pages decoded here, %d by the SDK", here, bySDK)
	}

	if !strings.Contains(err.Error(), "s3:ListBucket") {
		t.Errorf("the refusal does not name s3:ListBucket: %v", err)
	}
}

func openLister(t testing.TB, s repo.S3Compatible) *preflight.S3API {
	t.Helper()

	keys := preflight.ResolveKeys(context.Background(), s, repotest.RootSecrets().S3)

	api, err := preflight.OpenS3(locationOf(t, s), "", keys)
	if err != nil {
		t.Fatal(err)
	}

	return api
}

func locationOf(t testing.TB, s repo.S3Compatible) repo.S3Location {
	t.Helper()

	n, err := repo.Normalize(s)
	if err != nil {
		t.Fatal(err)
	}

	loc, _ := repo.AsS3(n)

	return loc
}

// manyGroups: some of kopia's kinds, and every hex digit of the data and
// metadata packs.
var manyGroups = slices.Concat([]string{"_", "k"}, preflight.KopiaGroups, preflight.HexGroups("q"), []string{"x"})
