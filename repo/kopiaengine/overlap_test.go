package kopiaengine_test

import (
	"context"
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
