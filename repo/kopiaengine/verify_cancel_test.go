package kopiaengine_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestCancelEndsVerifyAtEveryStep: Cancel, pressed while a verification's
// step waits on a store that stopped answering (MinIO behind a proxy that
// holds every request; a folder whose files block their reader), ends it
// within 2 s with "cancelled", whichever step it was in.
func TestCancelEndsVerifyAtEveryStep(t *testing.T) {
	bucket := repotest.Shared(t, repotest.Options{}).Bucket(t)
	sec := repotest.RootSecrets()

	steps := map[string]repo.Step{"indexes": repo.StepVerifyIndexes, "packs": repo.StepVerifyPacks, "contents": repo.StepVerifyContents}

	for _, store := range []string{"minio", "folder"} {
		for name, step := range steps {
			if store == "folder" && step == repo.StepVerifyPacks {
				continue // a pack is only looked at there, never read: nothing blocks
			}

			t.Run(store+" "+name, func(t *testing.T) {
				t.Parallel()

				local, block := blockableStore(t, store, bucket, "verify-cancel-"+name, verifyFixture)

				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()

				var cancelled atomic.Pointer[time.Time]

				ctx = repo.WithProgress(ctx, func(s repo.Step) {
					if s == step && cancelled.Load() == nil {
						block()
						time.AfterFunc(time.Second, func() {
							now := time.Now()
							cancelled.Store(&now)
							cancel()
						})
					}
				})

				_, err := eng.Verify(ctx, local, sec, repo.VerifyRequest{Mode: repo.VerifyFull})
				if at := cancelled.Load(); at == nil {
					t.Fatalf("ended before Cancel: %v", err)
				} else if took := time.Since(*at); took > 2*time.Second {
					t.Errorf("Cancel took %v", took)
				}

				repotest.RequireCode(t, err, repo.CodeCanceled)

				if strings.Contains(err.Error(), sec.S3.SecretAccessKey) {
					t.Fatal("the sentence holds the secret key")
				}
			})
		}
	}
}

// verifyFixture is a repository of two Corso backups with item data, so
// that a full verification has packs to read.
func verifyFixture(t *testing.T, s repo.Settings, sec repo.Secrets) repo.Local {
	t.Helper()

	ctx := context.Background()
	local := repotest.LocalIn(t.TempDir())

	if _, err := eng.Initialize(ctx, s, sec, local); err != nil {
		t.Fatal(err)
	}

	sctx := kopiaengine.WithS3Secrets(ctx, sec.S3)
	if _, err := repotest.WriteCorsoBackupsWithData(sctx, local.ConfigFile, sec.Passphrase, []string{"adele@contoso.com", "bruno@contoso.com"}, 20, 64<<10); err != nil {
		t.Fatal(err)
	}

	return local
}
