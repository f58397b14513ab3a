package repo_test

import (
	"context"
	"path/filepath"
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
	if _, err := repo.Initialize(ctx, s3Settings(m, bucket, "outer"), rootSecrets(), localIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	inside := s3Settings(m, bucket, "outer/"+deep+"inner")
	before := m.Objects(t, bucket)

	_, err := repo.Initialize(ctx, inside, rootSecrets(), localIn(t.TempDir()))
	requireCode(t, err, repo.CodePrefixOverlap)

	if after := m.Objects(t, bucket); !equalStrings(before, after) {
		t.Fatal("a refused create changed the bucket")
	}

	bucket2 := m.Bucket(t)
	if _, err := repo.Initialize(ctx, s3Settings(m, bucket2, "top/"+deep+"nested"), rootSecrets(), localIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	for _, mode := range []repo.CheckMode{repo.CheckRead, repo.CheckWrite} {
		rep, err := repo.Check(ctx, s3Settings(m, bucket2, "top"), rootSecrets().S3, mode)
		if err != nil {
			t.Fatal(err)
		}

		requireCode(t, rep.Err, repo.CodePrefixOverlap)
	}
}

func TestOverlapAtAnyDepthInFolders(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	sec := repo.Secrets{Passphrase: testPassphrase}

	outer := filepath.Join(root, "outer")
	if _, err := repo.Initialize(ctx, repo.Filesystem{Path: outer}, sec, localIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	_, err := repo.Initialize(ctx, repo.Filesystem{Path: filepath.Join(outer, filepath.FromSlash(deep), "inner")}, sec, localIn(t.TempDir()))
	requireCode(t, err, repo.CodePrefixOverlap)

	top := filepath.Join(root, "top")
	if _, err := repo.Initialize(ctx, repo.Filesystem{Path: filepath.Join(top, filepath.FromSlash(deep), "nested")}, sec, localIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	rep, err := repo.Check(ctx, repo.Filesystem{Path: top}, repo.S3Secrets{}, repo.CheckRead)
	if err != nil {
		t.Fatal(err)
	}

	requireCode(t, rep.Err, repo.CodePrefixOverlap)
}
