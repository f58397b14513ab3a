package kopiaengine_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// deep is deeper than any fixed limit a check might have had.
var deep = strings.Repeat("level/", 12)

// TestOverlapAtAnyDepthOnS3: a repository above the prefix, however far,
// refuses a create; one below it, however deep, is named by any check.
func TestOverlapAtAnyDepthOnS3(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	ctx := context.Background()

	bucket := m.Bucket(t)
	if _, err := eng.Initialize(ctx, m.Settings(bucket, "outer"), repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	inside := m.Settings(bucket, "outer/"+deep+"inner")
	before := m.Objects(t, bucket)

	_, err := eng.Initialize(ctx, inside, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodePrefixOverlap)

	if after := m.Objects(t, bucket); !slices.Equal(before, after) {
		t.Fatal("a refused create changed the bucket")
	}

	bucket2 := m.Bucket(t)
	if _, err := eng.Initialize(ctx, m.Settings(bucket2, "top/"+deep+"nested"), repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	for _, mode := range []repo.CheckMode{repo.CheckRead, repo.CheckWrite} {
		rep, err := eng.Check(ctx, m.Settings(bucket2, "top"), repotest.RootSecrets().S3, mode)
		if err != nil {
			t.Fatal(err)
		}

		repotest.RequireCode(t, rep.Err, repo.CodePrefixOverlap)
	}
}

func TestOverlapAtAnyDepthInFolders(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	sec := repo.Secrets{Passphrase: repotest.Passphrase}

	outer := filepath.Join(root, "outer")
	if _, err := eng.Initialize(ctx, repo.Filesystem{Path: outer}, sec, repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	_, err := eng.Initialize(ctx, repo.Filesystem{Path: filepath.Join(outer, filepath.FromSlash(deep), "inner")}, sec, repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodePrefixOverlap)

	top := filepath.Join(root, "top")
	if _, err := eng.Initialize(ctx, repo.Filesystem{Path: filepath.Join(top, filepath.FromSlash(deep), "nested")}, sec, repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	rep, err := eng.Check(ctx, repo.Filesystem{Path: top}, repo.S3Secrets{}, repo.CheckRead)
	if err != nil {
		t.Fatal(err)
	}

	repotest.RequireCode(t, rep.Err, repo.CodePrefixOverlap)
}

// TestCreateLooksAboveAgain: a create handed the check step's report looks
// again, as it takes the lock, for a repository above its location: one
// made there since the check (which the location's own lock does not keep
// out) refuses the create, and nothing is written under the location.
func TestCreateLooksAboveAgain(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	ctx := context.Background()
	bucket := m.Bucket(t)
	root := t.TempDir()

	for name, e := range repotest.Engines(t) {
		for _, loc := range []struct {
			kind          string
			outer, inside repo.Settings
			written       func() []string
		}{
			{"minio", m.Settings(bucket, name+"-outer"), m.Settings(bucket, name+"-outer/"+deep+"inner"), func() []string {
				var under []string
				for _, o := range m.Objects(t, bucket) {
					if strings.HasPrefix(o, name+"-outer/level/") && !strings.Contains(o, ".corso-desktop-") {
						under = append(under, o)
					}
				}

				return under
			}},
			{"folder", repo.Filesystem{Path: filepath.Join(root, name+"-outer")}, repo.Filesystem{Path: filepath.Join(root, name+"-outer", filepath.FromSlash(deep), "inner")}, func() []string {
				entries, _ := os.ReadDir(filepath.Join(root, name+"-outer", filepath.FromSlash(deep), "inner"))
				var under []string
				for _, d := range entries {
					if !strings.HasPrefix(d.Name(), ".corso-desktop-") {
						under = append(under, d.Name())
					}
				}

				return under
			}},
		} {
			t.Run(name+"/"+loc.kind, func(t *testing.T) {
				rep, err := e.Check(ctx, loc.inside, repotest.RootSecrets().S3, repo.CheckWrite)
				if err != nil || rep.Err != nil || rep.State != repo.StateEmpty {
					t.Fatalf("the check: %v %v %v", rep.State, err, rep.Err)
				}

				// A repository is made above it after the check.
				if _, err := eng.Initialize(ctx, loc.outer, repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err != nil {
					t.Fatal(err)
				}

				_, err = e.Initialize(repo.WithCheck(ctx, rep), loc.inside, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
				repotest.RequireCode(t, err, repo.CodePrefixOverlap)

				if w := loc.written(); len(w) != 0 {
					t.Fatalf("a refused create wrote %v", w)
				}
			})
		}
	}
}
