package engineproto_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestContentsAheadOfTheSummary: while the storage is still being listed,
// Contents hands over the backups and the maintenance it has read (through
// the helper as in-process), and the result then holds the same with the
// summary. The proxy holds the summary's listings until the backups are
// handed over, so a contents that waited for its listing first would never get
// there; without a receiver nothing changes.
func TestContentsAheadOfTheSummary(t *testing.T) {
	sec := repotest.RootSecrets()
	ctx := context.Background()

	// The summary's listings (the whole prefix, or its data packs), not
	// kopia's of its indexes when it opens.
	s, handed := heldRepository(t, "ahead", func(r *http.Request, _ string) bool {
		q := r.URL.Query()
		return r.Method == http.MethodGet && q.Has("list-type") && (q.Get("prefix") == "ahead/" || strings.HasPrefix(q.Get("prefix"), "ahead/p"))
	})

	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			local := repotest.LocalIn(t.TempDir())
			if _, err := e.Connect(ctx, s, sec, local); err != nil {
				t.Fatal(err)
			}

			ch := make(chan struct{})
			handed.Store(&ch)
			defer handed.Store(nil)

			var ahead *repo.Contents

			var storageAhead atomic.Bool

			start := time.Now()
			c, err := e.Contents(repo.WithStorageAhead(repo.WithContentsAhead(ctx, func(part repo.Contents) {
				if ahead != nil {
					t.Error("handed over twice")
				}

				ahead = &part
				close(ch)
			}), func(repo.StorageUse) { storageAhead.Store(true) }), local, sec)
			if err != nil {
				t.Fatal(err)
			}

			if time.Since(start) > 15*time.Second || ahead == nil {
				t.Fatalf("the backups were not handed over before the listing ended (%v)", time.Since(start))
			}

			if storageAhead.Load() {
				t.Error("the storage summary was handed ahead too, after the backups")
			}

			if ahead.Storage.Blobs != 0 || len(ahead.Backups) != 3 || len(c.Backups) != 3 || c.Storage.Blobs == 0 {
				t.Fatalf("ahead %d backups, %d blobs; result %d backups, %d blobs", len(ahead.Backups), ahead.Storage.Blobs, len(c.Backups), c.Storage.Blobs)
			}

			for i := range c.Backups {
				if ahead.Backups[i].ID != c.Backups[i].ID {
					t.Fatalf("backup %d: ahead %s, result %s", i, ahead.Backups[i].ID, c.Backups[i].ID)
				}
			}

			if ahead.Maintenance.Owner != c.Maintenance.Owner || !ahead.Maintenance.LastRun.Equal(c.Maintenance.LastRun) {
				t.Fatalf("maintenance ahead %+v, result %+v", ahead.Maintenance, c.Maintenance)
			}

			// No receiver: the same result, the listings not held.
			plain, err := e.Contents(ctx, local, sec)
			if err != nil || len(plain.Backups) != 3 || plain.Storage.Blobs != c.Storage.Blobs {
				t.Fatalf("without a receiver: %+v %v", plain, err)
			}
		})
	}
}

// TestStorageAheadOfTheBackups: the storage summary, listed before the
// backups are read, is handed over on its own (through the helper as
// in-process) and the backups are not handed ahead after it; the result
// holds the same summary with the backups. The proxy holds the reads of
// the metadata packs (the backups' models) until the summary is handed
// over; with a wrong passphrase nothing is handed over.
func TestStorageAheadOfTheBackups(t *testing.T) {
	sec := repotest.RootSecrets()
	ctx := context.Background()

	s, handed := heldRepository(t, "first", func(r *http.Request, bucket string) bool {
		return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/"+bucket+"/first/q")
	})

	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			local := repotest.LocalIn(t.TempDir())
			if _, err := e.Connect(ctx, s, sec, local); err != nil {
				t.Fatal(err)
			}

			ch := make(chan struct{})
			handed.Store(&ch)
			defer handed.Store(nil)

			var (
				ahead        *repo.StorageUse
				backupsAhead atomic.Bool
				handedTwice  atomic.Bool
				receiveAhead = func(u repo.StorageUse) {
					if ahead != nil {
						handedTwice.Store(true)
					}

					ahead = &u
					close(ch)
				}
			)

			start := time.Now()
			c, err := e.Contents(repo.WithContentsAhead(repo.WithStorageAhead(ctx, receiveAhead), func(repo.Contents) { backupsAhead.Store(true) }), local, sec)
			if err != nil {
				t.Fatal(err)
			}

			if time.Since(start) > 15*time.Second || ahead == nil {
				t.Fatalf("the storage summary was not handed over before the backups were read (%v)", time.Since(start))
			}

			if handedTwice.Load() || backupsAhead.Load() {
				t.Errorf("handed over twice: %v; the backups after the summary: %v", handedTwice.Load(), backupsAhead.Load())
			}

			if ahead.Blobs == 0 || ahead.Blobs != c.Storage.Blobs || ahead.Bytes != c.Storage.Bytes || len(c.Backups) != 3 {
				t.Fatalf("ahead %d blobs, %d bytes; result %d blobs, %d bytes, %d backups", ahead.Blobs, ahead.Bytes, c.Storage.Blobs, c.Storage.Bytes, len(c.Backups))
			}

			// A wrong passphrase: the listing needs none, but nothing
			// read without it is handed over.
			handed.Store(nil)

			wrong := sec
			wrong.Passphrase = "not the passphrase"

			_, err = e.Contents(repo.WithStorageAhead(ctx, func(repo.StorageUse) { t.Error("handed over with a wrong passphrase") }), local, wrong)
			repotest.RequireCode(t, err, repo.CodeWrongPassphrase)
		})
	}
}

// heldRepository is a repository of three Corso backups under prefix, and
// its settings through a proxy that holds each request held picks until
// the channel last stored in handed is closed (at most 20 s; none stored:
// not held).
func heldRepository(t *testing.T, prefix string, held func(r *http.Request, bucket string) bool) (repo.S3Compatible, *atomic.Pointer[chan struct{}]) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	sec := repotest.RootSecrets()
	ctx := context.Background()

	saved := repotest.LocalIn(t.TempDir())
	if _, err := eng.Initialize(ctx, m.Settings(bucket, prefix), sec, saved); err != nil {
		t.Fatal(err)
	}

	if err := repotest.WriteCorsoBackups(kopiaengine.WithS3Secrets(ctx, sec.S3), saved.ConfigFile, repotest.Passphrase, 3, time.Now()); err != nil {
		t.Fatal(err)
	}

	var handed atomic.Pointer[chan struct{}]

	endpoint := m.Proxy(t, func(r *http.Request, _ int) {
		if !held(r, bucket) {
			return
		}

		if ch := handed.Load(); ch != nil {
			select {
			case <-*ch:
			case <-time.After(20 * time.Second):
			}
		}
	})

	s := m.Settings(bucket, prefix)
	s.Endpoint = endpoint

	return s, &handed
}
