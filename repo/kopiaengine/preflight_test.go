package kopiaengine_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

var corsoActions = []string{
	repo.ActionPutObject, repo.ActionGetObject, repo.ActionListBucket,
	repo.ActionDeleteObject, repo.ActionGetBucketLocation,
}

// TestCheckNamesEachMissingAction gives a user every action Corso needs
// but one, and expects the check to name exactly that one, offer the
// policy, and leave the bucket as it was.
func TestCheckNamesEachMissingAction(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})

	for i, missing := range corsoActions {
		t.Run(strings.TrimPrefix(missing, "s3:"), func(t *testing.T) {
			bucket := m.Bucket(t)
			m.Put(t, bucket, "unrelated/keep.txt", "stays")
			before := m.Objects(t, bucket)

			var allowed []string
			for _, a := range corsoActions {
				if a != missing {
					allowed = append(allowed, a)
				}
			}

			user := "lacks" + strings.ToLower(strings.TrimPrefix(missing, "s3:"))
			secret := "secret-for-" + user + "-0"
			m.AddUser(t, user, secret, bucket, allowed)

			s := m.Settings(bucket, "repo")
			s.Credentials.AccessKeyID = user

			rep, err := eng.Check(context.Background(), s, repo.S3Secrets{SecretAccessKey: secret}, repo.CheckWrite)
			if err != nil {
				t.Fatal(err)
			}

			var e *repo.Error
			if !errors.As(rep.Err, &e) || e.Code != repo.CodeAccessDenied || e.Action != missing {
				t.Fatalf("case %d: want access denied naming %s, got %#v (%v)", i, missing, rep.Err, rep.Err)
			}

			if !strings.Contains(e.Error(), missing) {
				t.Errorf("message does not name %s: %q", missing, e.Error())
			}

			if !strings.Contains(rep.PolicyJSON, `"arn:aws:s3:::`+bucket+`/*"`) || !strings.Contains(rep.PolicyJSON, missing) {
				t.Errorf("policy JSON not filled in for %s:\n%s", bucket, rep.PolicyJSON)
			}

			if after := m.Objects(t, bucket); !slices.Equal(before, after) {
				t.Fatalf("the check changed the bucket:\n%v\n%v", before, after)
			}
		})
	}
}

func TestCheckLinesAndCredentialSource(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)

	rep, err := eng.Check(context.Background(), m.Settings(bucket, "x"), repotest.RootSecrets().S3, repo.CheckWrite)
	if err != nil || rep.Err != nil {
		t.Fatalf("%v %v", err, rep.Err)
	}

	var names []string
	for _, l := range rep.Lines {
		names = append(names, l.Name)

		if l.Status != repo.StatusOK {
			t.Errorf("line %s: %v %s", l.Name, l.Status, l.Message)
		}
	}

	want := []string{repo.LineCredentials, repo.LineEndpoint, repo.LineBucket, repo.LineRegion, repo.LineList, repo.LineWrite}
	if !slices.Equal(names, want) {
		t.Fatalf("lines %v, want %v", names, want)
	}

	if rep.Region != "us-east-1" {
		t.Errorf("region %q", rep.Region)
	}

	t.Run("region override that disagrees", func(t *testing.T) {
		s := m.Settings(bucket, "x")
		s.Region = "eu-central-1"

		rep, err := eng.Check(context.Background(), s, repotest.RootSecrets().S3, repo.CheckRead)
		if err != nil {
			t.Fatal(err)
		}

		var e *repo.Error
		if !errors.As(rep.Err, &e) || e.Code != repo.CodeRegionMismatch || e.Regions != [2]string{"eu-central-1", "us-east-1"} {
			t.Fatalf("want region mismatch naming both regions, got %v", rep.Err)
		}
	})

	t.Run("credentials from the environment", func(t *testing.T) {
		t.Setenv("AWS_ACCESS_KEY_ID", repotest.RootUser)
		t.Setenv("AWS_SECRET_ACCESS_KEY", repotest.RootPassword)

		s := m.Settings(bucket, "x")
		s.Credentials = repo.Credentials{Source: repo.CredentialsEnvironment}

		rep, err := eng.Check(context.Background(), s, repo.S3Secrets{}, repo.CheckRead)
		if err != nil || rep.Err != nil {
			t.Fatalf("%v %v", err, rep.Err)
		}

		if !strings.Contains(rep.CredentialsFrom, "environment variables") || strings.Contains(rep.CredentialsFrom, repotest.RootPassword) {
			t.Fatalf("credential source %q", rep.CredentialsFrom)
		}
	})

	t.Run("no credentials anywhere", func(t *testing.T) {
		s := m.Settings(bucket, "x")
		s.Credentials = repo.Credentials{Source: repo.CredentialsEnvironment}

		rep, err := eng.Check(context.Background(), s, repo.S3Secrets{}, repo.CheckRead)
		if err != nil {
			t.Fatal(err)
		}

		repotest.RequireCode(t, rep.Err, repo.CodeNoCredentials)
	})
}

func BenchmarkCheckWrite(b *testing.B) {
	m := repotest.Shared(b, repotest.Options{})
	bucket := m.Bucket(b)
	s := m.Settings(bucket, "bench")

	for b.Loop() {
		rep, err := eng.Check(context.Background(), s, repotest.RootSecrets().S3, repo.CheckWrite)
		if err != nil || rep.Err != nil {
			b.Fatal(err, rep.Err)
		}
	}
}

// TestCheckNamesEveryRefusedAction: a user allowed to read the bucket's
// location and delete is refused listing, writing and reading: the check
// names all three, not only the first.
func TestCheckNamesEveryRefusedAction(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)

	user, secret := "onlylocation", "secret-for-onlylocation-0"
	m.AddUser(t, user, secret, bucket, []string{repo.ActionGetBucketLocation, repo.ActionDeleteObject})

	s := m.Settings(bucket, "repo")
	s.Credentials.AccessKeyID = user

	rep, err := eng.Check(context.Background(), s, repo.S3Secrets{SecretAccessKey: secret}, repo.CheckWrite)
	if err != nil {
		t.Fatal(err)
	}

	var e *repo.Error
	if !errors.As(rep.Err, &e) || e.Code != repo.CodeAccessDenied {
		t.Fatalf("want access denied, got %v", rep.Err)
	}

	for _, a := range []string{repo.ActionListBucket, repo.ActionPutObject} {
		if !strings.Contains(e.Error(), a) || !contains(e.Actions, a) {
			t.Errorf("%s is not named: %q %v", a, e.Error(), e.Actions)
		}
	}

	if m.Objects(t, bucket) != nil {
		t.Fatal("the check left something in the bucket")
	}
}

// TestCheckBlamesTheRightLine: a wrong secret key fails the Credentials
// line (not Region), and a cancelled check fails no line at all.
func TestCheckBlamesTheRightLine(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)

	rep, err := eng.Check(context.Background(), m.Settings(bucket, "x"), repo.S3Secrets{SecretAccessKey: "not-the-secret"}, repo.CheckWrite)
	if err != nil {
		t.Fatal(err)
	}

	repotest.RequireCode(t, rep.Err, repo.CodeBadCredentials)

	for _, l := range rep.Lines {
		if (l.Name == repo.LineCredentials) != (l.Status == repo.StatusFailed) {
			t.Errorf("line %s is %v: %s", l.Name, l.Status, l.Message)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	s := m.Settings(bucket, "x")
	s.Endpoint = m.FaultProxy(t, func(*http.Request) repotest.Fault { cancel(); return repotest.Stall })

	rep, err = eng.Check(ctx, s, repotest.RootSecrets().S3, repo.CheckWrite)
	repotest.RequireCode(t, err, repo.CodeCanceled)

	for _, l := range rep.Lines {
		if l.Status == repo.StatusFailed {
			t.Errorf("a cancelled check failed line %s: %s", l.Name, l.Message)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}

	return false
}

// TestCheckNamesEachMissingObjectLockAction: for an immutable repository
// the check proves the two actions object lock adds before anything is
// written, names the one missing, and offers the policy with them.
func TestCheckNamesEachMissingObjectLockAction(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})

	for _, missing := range []string{repo.ActionGetBucketObjectLockConfiguration, repo.ActionPutObjectRetention} {
		t.Run(strings.TrimPrefix(missing, "s3:"), func(t *testing.T) {
			bucket := m.LockedBucket(t)

			var allowed []string
			for _, a := range repo.PolicyActions(true) {
				if a != missing {
					allowed = append(allowed, a)
				}
			}

			user := "lockless" + strings.ToLower(strings.TrimPrefix(missing, "s3:"))
			secret := "secret-for-" + user + "-0"
			m.AddUser(t, user, secret, bucket, allowed)

			s := m.Settings(bucket, "repo")
			s.Credentials.AccessKeyID = user
			s.ObjectLock = &repo.ObjectLock{Mode: repo.RetentionGovernance, Period: 48 * time.Hour, Extend: true}

			rep, err := eng.Check(context.Background(), s, repo.S3Secrets{SecretAccessKey: secret}, repo.CheckWrite)
			if err != nil {
				t.Fatal(err)
			}

			var e *repo.Error
			if !errors.As(rep.Err, &e) || e.Code != repo.CodeAccessDenied || e.Action != missing {
				t.Fatalf("want access denied naming %s, got %v", missing, rep.Err)
			}

			for _, a := range []string{repo.ActionGetBucketObjectLockConfiguration, repo.ActionPutObjectRetention, repo.ActionGetObjectRetention} {
				if !strings.Contains(rep.PolicyJSON, a) {
					t.Errorf("the policy offered lacks %s:\n%s", a, rep.PolicyJSON)
				}
			}

			// The same user may create a repository without object lock.
			s.ObjectLock = nil
			if rep, err := eng.Check(context.Background(), s, repo.S3Secrets{SecretAccessKey: secret}, repo.CheckWrite); err != nil || rep.Err != nil {
				t.Fatalf("without object lock: %v %v", err, rep.Err)
			}
		})
	}
}

// TestCheckOfABucketInAnotherRegion: the check sends the requests that
// need the bucket's region with its first round, signed for us-east-1
// when no region is set. Against a server in eu-west-3 they are refused,
// dropped and sent again in the bucket's region: the report is the one a
// check in the right region gives, and the probe is gone. Create and
// connect then work there too, with no region typed.
func TestCheckOfABucketInAnotherRegion(t *testing.T) {
	m := repotest.Start(t, repotest.Options{Region: "eu-west-3"})
	bucket := m.Bucket(t)

	var listings atomic.Int32

	s := m.Settings(bucket, "elsewhere")
	s.Endpoint = m.FaultProxy(t, func(r *http.Request) repotest.Fault {
		if r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2" && r.URL.Query().Get("prefix") == "elsewhere/" {
			listings.Add(1)
		}

		return repotest.Forward
	})

	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			listings.Store(0)

			rep, err := e.Check(context.Background(), s, repotest.RootSecrets().S3, repo.CheckWrite)
			if err != nil || rep.Err != nil {
				t.Fatalf("%v %v", err, rep.Err)
			}

			if rep.Region != "eu-west-3" || rep.State != repo.StateEmpty || !rep.ConditionalWrites {
				t.Fatalf("region %q, state %v, conditional writes %v", rep.Region, rep.State, rep.ConditionalWrites)
			}

			for _, l := range rep.Lines {
				if l.Status != repo.StatusOK {
					t.Errorf("line %s: %v %s", l.Name, l.Status, l.Message)
				}
			}

			if n := listings.Load(); n != 2 {
				t.Fatalf("the location was listed %d times; want the first round's listing, in the wrong region, and one more", n)
			}

			// The helper removes the probe after it answers.
			for deadline := time.Now().Add(10 * time.Second); len(m.Objects(t, bucket)) > 0; time.Sleep(50 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("left behind: %v", m.Objects(t, bucket))
				}
			}
		})
	}

	info, err := eng.Initialize(context.Background(), s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}

	repotest.RequireCorsoFormat(t, info)

	if _, err := eng.Connect(context.Background(), s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}
}
