package engineproto_test

import (
	"context"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestCreateLeavesOnlyTheRepository, over both engines on MinIO: once a
// create has answered and its clean-up after the answer is done (the
// helper's session marker and lock, given back after it answers), the
// prefix holds the repository and nothing else: the two format blobs,
// one pack of Corso's settings and its index; and it opens through the
// other engine.
func TestCreateLeavesOnlyTheRepository(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	ctx := context.Background()
	engines := repotest.Engines(t)

	for name, e := range engines {
		t.Run(name, func(t *testing.T) {
			prefix := "leaves-" + name
			s := m.Settings(bucket, prefix)

			if _, err := e.Initialize(ctx, s, repotest.RootSecrets(), repotest.LocalIn(repotest.TempDir(t))); err != nil {
				t.Fatal(err)
			}

			var names []string

			for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				names = nil

				for _, o := range m.Objects(t, bucket) {
					if strings.HasPrefix(o, prefix+"/") {
						names = append(names, path.Base(strings.Fields(o)[0]))
					}
				}

				if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, "s") || strings.HasPrefix(n, ".corso-desktop-") }) || time.Now().After(deadline) {
					break
				}
			}

			kinds := map[string]int{}
			for _, n := range names {
				switch {
				case n == "kopia.repository" || n == "kopia.blobcfg":
					kinds[n]++
				case strings.HasPrefix(n, "q"):
					kinds["pack"]++
				case strings.HasPrefix(n, "xn0_"):
					kinds["index"]++
				default:
					t.Errorf("the create left %s", n)
				}
			}

			if kinds["kopia.repository"] != 1 || kinds["kopia.blobcfg"] != 1 || kinds["pack"] != 1 || kinds["index"] != 1 {
				t.Fatalf("the create left %v", names)
			}

			for other, oe := range engines {
				if info, err := oe.Connect(ctx, s, repotest.RootSecrets(), repotest.LocalIn(repotest.TempDir(t))); err != nil || !info.CorsoSettings {
					t.Fatalf("connect through %s: %+v, %v", other, info, err)
				}
			}
		})
	}

}
