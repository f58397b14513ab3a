package engineproto_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kopia/kopia/repo/blob/filesystem"
	"github.com/kopia/kopia/repo/format"
	"github.com/minio/minio-go/v7"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// opensWith says whether a kopia.repository (its bytes) opens with
// passphrase: kopia's own format manager, over a folder holding it alone.
func opensWith(t *testing.T, raw []byte, passphrase string) bool {
	t.Helper()

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kopia.repository.f"), raw, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()

	st, err := filesystem.New(ctx, &filesystem.Options{Path: dir}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx) //nolint:errcheck

	_, err = format.NewManagerWithCache(ctx, st, -1, passphrase, time.Now, format.NewMemoryBlobCache(time.Now))

	return err == nil
}

// versionBytes reads one version of an object.
func versionBytes(t *testing.T, m *repotest.MinIO, bucket, key, version string) []byte {
	t.Helper()

	o, err := m.Client(t).GetObject(context.Background(), bucket, key, minio.GetObjectOptions{VersionID: version})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()

	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatal(err)
	}

	return b
}

// TestOldFormatsAfterAPassphraseChange, over both engines: after a change
// on a bucket that keeps versions, the older kopia.repository is found,
// and it does open with the old passphrase; removed, only the current
// format blobs stay and the repository opens with the new passphrase. On
// an object-locked bucket the older version is locked and stays, said. A
// bucket without versions and a folder keep none.
func TestOldFormatsAfterAPassphraseChange(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	versioned, locked, plain := m.VersionedBucket(t), m.LockedBucket(t), m.Bucket(t)
	ctx := context.Background()
	oldSec := repotest.RootSecrets()
	newSec := oldSec
	newSec.Passphrase = "the changed " + repotest.Passphrase

	changed := func(t *testing.T, e repo.Engine, s repo.Settings) repo.Local {
		t.Helper()

		local := repotest.LocalIn(t.TempDir())

		info, err := e.Initialize(ctx, s, oldSec, local)
		if err != nil {
			t.Fatal(err)
		}

		if _, err := e.ChangePassphrase(ctx, local, oldSec, repo.PassphraseChange{New: newSec.Passphrase, Retention: info.Retention}); err != nil {
			t.Fatal(err)
		}

		return local
	}

	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			s := m.Settings(versioned, "old-"+name)
			local := changed(t, e, s)

			old, err := e.OldFormats(ctx, local, newSec, false)
			if err != nil || old.Versioning != repo.VersioningOn || old.Copies() != 1 {
				t.Fatalf("older formats on a versioned bucket: %+v %v", old, err)
			}

			for _, v := range old.Versions {
				if v.Opens() && !opensWith(t, versionBytes(t, m, versioned, s.Prefix+"/kopia.repository", v.VersionID), oldSec.Passphrase) {
					t.Fatal("the older kopia.repository does not open with the old passphrase, so what is said of it is not true")
				}
			}

			removed, err := e.OldFormats(ctx, local, newSec, true)
			if err != nil || removed.Removed != len(old.Versions) || len(removed.Versions) != 0 {
				t.Fatalf("removing them: %+v %v", removed, err)
			}

			for _, v := range m.Versions(t, versioned, s.Prefix+"/kopia.") {
				if f := strings.Fields(v); len(f) != 2 {
					t.Errorf("left after the removal: %s", v)
				}
			}

			if n := len(m.Versions(t, versioned, s.Prefix+"/kopia.")); n != 2 {
				t.Errorf("%d versions of the format blobs, want the two current ones", n)
			}

			if _, err := e.Reopen(ctx, local, newSec); err != nil {
				t.Fatalf("after the removal: %v", err)
			}

			// Locked: the older version stays, and says until when.
			ls := m.Settings(locked, "old-locked-"+name)
			ls.ObjectLock = &repo.ObjectLock{Mode: repo.RetentionGovernance, Period: repo.MinExtendedRetentionPeriod, Extend: true}
			llocal := changed(t, e, ls)

			lold, err := e.OldFormats(ctx, llocal, newSec, true)
			if err != nil || lold.Copies() != 1 {
				t.Fatalf("older formats on a locked bucket: %+v %v", lold, err)
			}

			for _, v := range lold.Versions {
				if v.Opens() && (!v.Locked(time.Now()) || v.LockedUntil.Before(time.Now().Add(47*time.Hour))) {
					t.Errorf("the older kopia.repository of a locked repository: locked until %v", v.LockedUntil)
				}
			}

			// No versions kept: none found, and said so.
			pold, err := e.OldFormats(ctx, changed(t, e, m.Settings(plain, "old-plain-"+name)), newSec, false)
			if err != nil || pold.Versioning != repo.VersioningOff || len(pold.Versions) != 0 {
				t.Fatalf("a bucket that keeps no versions: %+v %v", pold, err)
			}

			fold, err := e.OldFormats(ctx, changed(t, e, repo.Filesystem{Path: filepath.Join(t.TempDir(), "repo")}), repo.Secrets{Passphrase: newSec.Passphrase}, false)
			if err != nil || fold.Versioning != repo.VersioningNotABucket {
				t.Fatalf("a folder: %+v %v", fold, err)
			}
		})
	}
}
