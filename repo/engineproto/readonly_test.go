package engineproto_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestReadingWritesNothing, over both engines, on MinIO and a folder: a
// repository whose backups were written by many sessions (as Corso's
// backups are, one manifest content each) is read by Contents and by
// both kinds of Verify without a single write. kopia compacts manifest
// contents once it finds 16 or more when it may write; a read must not.
func TestReadingWritesNothing(t *testing.T) {
	ctx := context.Background()
	sec := repotest.RootSecrets()

	for ename, e := range repotest.Engines(t) {
		for _, st := range damageStores(t) {
			t.Run(ename+" "+st.name, func(t *testing.T) {
				s := st.settings(t, "read-only-"+ename)
				local := repotest.LocalIn(t.TempDir())

				if _, err := e.Initialize(ctx, s, sec, local); err != nil {
					t.Fatal(err)
				}

				for i := 0; i < 20; i++ {
					if err := repotest.WriteCorsoBackups(kopiaengine.WithS3Secrets(ctx, sec.S3), local.ConfigFile, sec.Passphrase, 1, time.Now().Add(-time.Duration(i)*time.Hour)); err != nil {
						t.Fatal(err)
					}
				}

				before := st.listing(t, s)

				c, err := e.Contents(ctx, local, sec)
				if err != nil || len(c.Backups) != 20 {
					t.Fatalf("contents: %v, %+v", err, c)
				}

				for _, mode := range []repo.VerifyMode{repo.VerifyQuick, repo.VerifyFull} {
					if _, err := e.Verify(ctx, local, sec, repo.VerifyRequest{Mode: mode}); err != nil {
						t.Fatalf("%s: %v", mode, err)
					}
				}

				if after := st.listing(t, s); !slices.Equal(before, after) {
					t.Fatalf("reading wrote to the store:\nbefore %s\nafter  %s", strings.Join(before, " "), strings.Join(after, " "))
				}

			})
		}
	}
}
