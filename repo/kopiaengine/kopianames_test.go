package kopiaengine_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// lookAlikes are user files named like kopia's own that the issue found
// called "empty": only kopia's exact names are kopia's.
var lookAlikes = map[string]string{
	"kopia.notes":                                "my notes",
	"kopia.old/kopia.repository.f":               "an old copy",
	"kopia.blobcfg.f.bak":                        "a backup of something",
	"kopia.maintenance.txt":                      "text",
	"photos/p0123456789abcdef0123456789abcdef.f": "a photo with a kopia-like name",
}

// TestOnlyKopiasExactNamesAreKopias: a folder holding only look-alikes of
// kopia's names is the user's data: check says so, create refuses and
// changes nothing, connect finds no repository.
func TestOnlyKopiasExactNamesAreKopias(t *testing.T) {
	ctx := context.Background()

	for name, body := range lookAlikes {
		dir := t.TempDir()
		p := filepath.Join(dir, filepath.FromSlash(name))

		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}

		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}

		before := repotest.TreeDigest(t, dir)

		rep, err := eng.Check(ctx, repo.Filesystem{Path: dir}, repo.S3Secrets{}, repo.CheckWrite)
		if err != nil || rep.State != repo.StateNotEmpty {
			t.Errorf("%s: check says %v (%v)", name, rep.State, err)
		}

		_, err = eng.Initialize(ctx, repo.Filesystem{Path: dir}, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
		if c := repo.CodeOf(err); c != repo.CodeNotEmpty && c != repo.CodePrefixOverlap {
			t.Errorf("%s: initialize: %v", name, err)
		}

		if after := repotest.TreeDigest(t, dir); !slices.Equal(before, after) {
			t.Fatalf("%s: the folder changed:\n%v\n%v", name, before, after)
		}
	}
}

func TestOnlyKopiasExactNamesAreKopiasOnS3(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	ctx := context.Background()

	for name, body := range lookAlikes {
		bucket := m.Bucket(t)
		m.Put(t, bucket, "mine/"+name, body)
		before := m.Objects(t, bucket)

		s := m.Settings(bucket, "mine")

		rep, err := eng.Check(ctx, s, repotest.RootSecrets().S3, repo.CheckWrite)
		if err != nil || rep.State != repo.StateNotEmpty {
			t.Errorf("%s: check says %v (%v)", name, rep.State, err)
		}

		_, err = eng.Initialize(ctx, s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
		if repo.CodeOf(err) != repo.CodeNotEmpty && repo.CodeOf(err) != repo.CodePrefixOverlap {
			t.Errorf("%s: initialize: %v", name, err)
		}

		if after := m.Objects(t, bucket); !slices.Equal(before, after) {
			t.Fatalf("%s: the bucket changed:\n%v\n%v", name, before, after)
		}
	}
}

// TestFormatWithoutIndexIsHalfMade: a kill after the format was written
// but before Corso's settings were committed (a session marker or a pack
// already there, no index yet) is named an interrupted creation that
// Finish completes, never a complete repository.
func TestFormatWithoutIndexIsHalfMade(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "r")

	if _, err := eng.Initialize(ctx, repo.Filesystem{Path: dir}, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	// Take the index away, as if the kill came just before it was written.
	if err := os.RemoveAll(filepath.Join(dir, "x")); err != nil {
		t.Fatal(err)
	}

	rep, err := eng.Check(ctx, repo.Filesystem{Path: dir}, repo.S3Secrets{}, repo.CheckRead)
	if err != nil || rep.State != repo.StateHalfMade || rep.HalfMade != repo.HalfMadeBeforeSettings {
		t.Fatalf("a format without an index: %v/%v (%v)", rep.State, rep.HalfMade, err)
	}

	info, err := eng.Finish(ctx, repo.Filesystem{Path: dir}, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
	if err != nil || !info.CorsoSettings {
		t.Fatalf("finish: %+v %v", info, err)
	}

	rep, err = eng.Check(ctx, repo.Filesystem{Path: dir}, repo.S3Secrets{}, repo.CheckRead)
	if err != nil || rep.State != repo.StateRepository {
		t.Fatalf("after finish: %v (%v)", rep.State, err)
	}
}
