package engineproto_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/engineproto"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// writeLine is the check's line about the write probe.
func writeLine(t *testing.T, rep *repo.Report) string {
	t.Helper()

	i := slices.IndexFunc(rep.Lines, func(l repo.CheckLine) bool { return l.Name == repo.LineWrite })
	if i < 0 {
		t.Fatalf("no write line: %+v", rep.Lines)
	}

	return rep.Lines[i].Message
}

// ours are the versions and delete markers of the app's own objects (the
// probe, the lock) under prefix.
func ours(t *testing.T, m *repotest.MinIO, bucket, prefix string) []string {
	t.Helper()

	var found []string

	for _, v := range m.Versions(t, bucket, prefix+"/") {
		if strings.Contains(v, ".corso-desktop-") {
			found = append(found, v)
		}
	}

	return found
}

// TestVersionedBucketsKeepNothingOfOurs, over both engines: on a bucket
// that keeps versions, a check and a create leave no version or delete
// marker of the probe or the lock, and the check says the bucket keeps
// versions. Where deleting a version is refused, the check says what
// stays, and it is exactly that. On an object-locked bucket the locked
// probe's staying version is said too.
func TestVersionedBucketsKeepNothingOfOurs(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	versioned, locked := m.VersionedBucket(t), m.LockedBucket(t)
	ctx := context.Background()
	sec := repotest.RootSecrets()

	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			s := m.Settings(versioned, "clean-"+name)

			rep, err := e.Check(ctx, s, sec.S3, repo.CheckWrite)
			if err != nil || rep.Err != nil {
				t.Fatalf("check: %v %v", err, rep.Err)
			}

			if line := writeLine(t, rep); rep.Versioning != repo.VersioningOn || !strings.Contains(line, "with its versions") {
				t.Errorf("the check of a versioned bucket says %q (versioning %v)", line, rep.Versioning)
			}

			if _, err := e.Initialize(ctx, s, sec, repotest.LocalIn(t.TempDir())); err != nil {
				t.Fatal(err)
			}

			if h, ok := e.(*engineproto.Client); ok {
				h.WaitFinished() // the lock is given back after the answer
			}

			if left := ours(t, m, versioned, s.Prefix); len(left) != 0 {
				t.Errorf("a check and a create left %v", left)
			}

			// Without s3:DeleteObjectVersion the probe's version stays, and
			// the line says so.
			user := "noversions-" + strings.ToLower(strings.ReplaceAll(name, "-", ""))
			m.AddUserDenied(t, user, "noversions-secret-1", versioned, repo.PolicyActions(false), []string{repo.ActionDeleteObjectVersion})

			limited := m.Settings(versioned, "limited-"+name)
			limited.Credentials = repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: user}

			rep, err = e.Check(ctx, limited, repo.S3Secrets{SecretAccessKey: "noversions-secret-1"}, repo.CheckWrite)
			if err != nil || rep.Err != nil {
				t.Fatalf("check without s3:DeleteObjectVersion: %v %v", err, rep.Err)
			}

			line := writeLine(t, rep)
			if !strings.Contains(line, repo.ActionDeleteObjectVersion) || !strings.Contains(line, "stays") {
				t.Errorf("without s3:DeleteObjectVersion the check says %q", line)
			}

			if left := ours(t, m, versioned, limited.Prefix); len(left) == 0 || !strings.Contains(line, strings.Fields(left[0])[0][len(limited.Prefix)+1:]) {
				t.Errorf("the line names what stays, %q, but the bucket holds %v", line, left)
			}

			// A locked probe cannot be removed for its minute: said.
			lockedS := m.Settings(locked, "locked-"+name)
			lockedS.ObjectLock = &repo.ObjectLock{Mode: repo.RetentionGovernance, Period: repo.MinExtendedRetentionPeriod, Extend: true}

			rep, err = e.Check(ctx, lockedS, sec.S3, repo.CheckWrite)
			if err != nil || rep.Err != nil {
				t.Fatalf("check of a locked bucket: %v %v", err, rep.Err)
			}

			if line := writeLine(t, rep); !strings.Contains(line, "locked for 60 seconds") || !strings.Contains(line, "stays") {
				t.Errorf("the check of a locked bucket says %q", line)
			}
		})
	}
}
