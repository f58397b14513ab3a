package kopiaengine_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/format"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// countedStorage counts the reads and listings that reach the store.
type countedStorage struct {
	blob.Storage
	gets, lists atomic.Int32
}

func (c *countedStorage) GetBlob(ctx context.Context, id blob.ID, offset, length int64, out blob.OutputBuffer) error {
	c.gets.Add(1)
	return c.Storage.GetBlob(ctx, id, offset, length, out)
}

func (c *countedStorage) ListBlobs(ctx context.Context, prefix blob.ID, cb func(blob.Metadata) error) error {
	c.lists.Add(1)
	return c.Storage.ListBlobs(ctx, prefix, cb)
}

func listed(t *testing.T, st blob.Storage, prefix blob.ID) []blob.ID {
	t.Helper()

	var ids []blob.ID
	if err := st.ListBlobs(context.Background(), prefix, func(md blob.Metadata) error { ids = append(ids, md.BlobID); return nil }); err != nil {
		t.Fatal(err)
	}

	return ids
}

func read(t *testing.T, st blob.Storage, id blob.ID) ([]byte, error) {
	t.Helper()

	var buf bytes.Buffer

	out := &bufferOutput{&buf}
	err := st.GetBlob(context.Background(), id, 0, -1, out)

	return buf.Bytes(), err
}

type bufferOutput struct{ *bytes.Buffer }

func (b *bufferOutput) Length() int { return b.Len() }

// TestReadAheadAnswersAsTheStoreOnce: on MinIO, a repository holding a
// Corso backup; the connect's read-ahead answers kopia's first read of the
// format blobs and the indexes, and its first listing of each index
// prefix (an epoch's from the listing of all), exactly as the store does,
// without asking it; a blob that is not there is not there; every second
// ask goes to the store.
func TestReadAheadAnswersAsTheStoreOnce(t *testing.T) {
	m, bucket, ctx, s := repositoryWithABackup(t)

	raw := plainStorage(t, bucket, m.Endpoint, "ahead")
	counted := &countedStorage{Storage: raw}
	ahead := kopiaengine.ReadAhead(context.Background(), counted)

	indexes := listed(t, raw, "xn0_")
	if len(indexes) == 0 {
		t.Fatal("no index in epoch 0")
	}

	// Everything asked ahead is in: the format blobs, the listings and
	// the indexes they found.
	for deadline := time.Now().Add(30 * time.Second); counted.gets.Load() < int32(2+1+len(indexes)) || counted.lists.Load() < 5; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the read-ahead made %d reads and %d listings", counted.gets.Load(), counted.lists.Load())
		}
	}

	time.Sleep(100 * time.Millisecond)
	gets, lists := counted.gets.Load(), counted.lists.Load()

	for _, id := range append([]blob.ID{format.KopiaRepositoryBlobID, format.KopiaBlobCfgBlobID}, indexes...) {
		want, err := read(t, raw, id)
		if err != nil {
			t.Fatal(err)
		}

		if got, err := read(t, ahead, id); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s read ahead: %d bytes, %v; the store has %d", id, len(got), err, len(want))
		}
	}

	if _, err := read(t, ahead, "kopia.maintenance"); !errors.Is(err, blob.ErrBlobNotFound) {
		t.Fatalf("kopia.maintenance, not written yet: %v", err)
	}

	for _, prefix := range []blob.ID{"xn0_", "xn1_", "xe", "xw"} {
		if got, want := listed(t, ahead, prefix), listed(t, raw, prefix); !slices.Equal(got, want) {
			t.Fatalf("%s listed ahead: %v; the store lists %v", prefix, got, want)
		}
	}

	if g, l := counted.gets.Load(), counted.lists.Load(); g != gets || l != lists {
		t.Fatalf("the first asks reached the store: %d reads and %d listings more", g-gets, l-lists)
	}

	read(t, ahead, format.KopiaRepositoryBlobID) //nolint:errcheck
	listed(t, ahead, "xn0_")

	if g, l := counted.gets.Load(), counted.lists.Load(); g != gets+1 || l != lists+1 {
		t.Fatalf("a second ask was answered from memory: %d reads and %d listings more", g-gets, l-lists)
	}

	// A connect through it opens the repository.
	if _, err := eng.Connect(ctx, s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	wrong := repotest.RootSecrets()
	wrong.Passphrase = "wrong " + repotest.Passphrase

	if _, err := eng.Connect(ctx, s, wrong, repotest.LocalIn(t.TempDir())); repo.CodeOf(err) != repo.CodeWrongPassphrase {
		t.Fatalf("a wrong passphrase: %v", err)
	}
}

// TestTheSDKReadsAheadAsKopiasStorage: the contents' read-ahead, made
// through the AWS SDK's client before kopia's storage is ready, reads and
// lists what kopia's own storage does: the same bytes, the same missing
// blob, the same listing (names under a "/", which kopia's listing gives
// as their folder, included); and a missing bucket is an error, not a
// missing blob.
func TestTheSDKReadsAheadAsKopiasStorage(t *testing.T) {
	m, bucket, ctx, s := repositoryWithABackup(t)

	m.Put(t, bucket, "ahead/xn0_folder/of-the-user", "not kopia's")
	m.Put(t, bucket, "ahead/xn0_folder/and-more", "not kopia's either")

	raw := plainStorage(t, bucket, m.Endpoint, "ahead")

	sdk, err := kopiaengine.SDKSource(ctx, s, repotest.RootSecrets().S3)
	if err != nil {
		t.Fatal(err)
	}

	indexes := listed(t, raw, "xn0_")
	if len(indexes) == 0 {
		t.Fatal("no index in epoch 0")
	}

	for _, id := range append([]blob.ID{format.KopiaRepositoryBlobID, format.KopiaBlobCfgBlobID, "kopia.maintenance"}, indexes...) {
		want, werr := read(t, raw, id)

		got := &bufferOutput{&bytes.Buffer{}}
		gerr := sdk.GetBlob(ctx, id, 0, -1, got)

		if !bytes.Equal(got.Bytes(), want) || errors.Is(gerr, blob.ErrBlobNotFound) != errors.Is(werr, blob.ErrBlobNotFound) || (gerr == nil) != (werr == nil) {
			t.Errorf("%s: %d bytes (%v) through the SDK, %d bytes (%v) through kopia", id, got.Len(), gerr, len(want), werr)
		}
	}

	for _, prefix := range []blob.ID{"xn", "xn0_", "xe", "xw", "xr", "xs", "q", "kopia."} {
		var want, got []blob.Metadata

		if err := raw.ListBlobs(ctx, prefix, func(md blob.Metadata) error { want = append(want, md); return nil }); err != nil {
			t.Fatal(err)
		}

		if err := sdk.ListBlobs(ctx, prefix, func(md blob.Metadata) error { got = append(got, md); return nil }); err != nil {
			t.Fatal(err)
		}

		byName := func(a, b blob.Metadata) int { return strings.Compare(string(a.BlobID), string(b.BlobID)) }
		slices.SortFunc(got, byName) // kopia gives a page's common prefixes after its names
		slices.SortFunc(want, byName)

		same := slices.EqualFunc(got, want, func(a, b blob.Metadata) bool {
			return a.BlobID == b.BlobID && a.Length == b.Length && a.Timestamp.Equal(b.Timestamp)
		})
		if !same {
			t.Errorf("%s: listed through the SDK %v, through kopia %v", prefix, got, want)
		}

		if prefix == "xn" && len(want) < len(indexes) {
			t.Errorf("xn: kopia lists %d, fewer than epoch 0's %d indexes: the case tests nothing", len(want), len(indexes))
		}
	}

	gone, err := kopiaengine.SDKSource(ctx, m.Settings(bucket+"-missing", "ahead"), repotest.RootSecrets().S3)
	if err != nil {
		t.Fatal(err)
	}

	if err := gone.GetBlob(ctx, format.KopiaRepositoryBlobID, 0, -1, &bufferOutput{&bytes.Buffer{}}); err == nil || errors.Is(err, blob.ErrBlobNotFound) {
		t.Fatalf("the format in a missing bucket: %v, not an error of its own", err)
	}
}

// repositoryWithABackup is a repository on MinIO (under "ahead" in a
// bucket of its own) holding one Corso backup, and a context that
// carries its keys.
func repositoryWithABackup(t *testing.T) (*repotest.MinIO, string, context.Context, repo.S3Compatible) {
	t.Helper()

	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	ctx := kopiaengine.WithS3Secrets(context.Background(), repotest.RootSecrets().S3)
	s := m.Settings(bucket, "ahead")
	local := repotest.LocalIn(t.TempDir())

	if _, err := eng.Initialize(ctx, s, repotest.RootSecrets(), local); err != nil {
		t.Fatal(err)
	}

	b := repotest.DetailsBackup{ID: "0b5e0001-aaaa-4a5b-9d7e-6c1c2c5f3a10", ResourceName: "Adele", Created: time.Now(),
		Details: repotest.DetailsSpec{Service: "exchange", Resource: "r-1", To: 50, Base: time.Now()}}
	if _, err := repotest.WriteBackupWithDetails(ctx, local.ConfigFile, repotest.Passphrase, b); err != nil {
		t.Fatal(err)
	}

	return m, bucket, ctx, s
}
