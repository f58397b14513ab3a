package kopiaengine_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob/s3"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

func TestS3Lifecycle(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	ctx := context.Background()
	settings := m.Settings(bucket, "team-a//")
	local := repotest.LocalIn(t.TempDir())

	info, err := eng.Initialize(ctx, settings, repotest.RootSecrets(), local)
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}

	repotest.RequireCorsoFormat(t, info)

	for _, o := range m.Objects(t, bucket) {
		if !strings.HasPrefix(o, "team-a/") || strings.HasPrefix(o, "team-a//") {
			t.Errorf("object %q is outside the normalised prefix team-a/", o)
		}

		if strings.Contains(o, ".corso-desktop-probe-") {
			t.Errorf("the write probe %q was left behind", o)
		}
	}

	reopened, err := eng.Reopen(ctx, local, repotest.RootSecrets())
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}

	if reopened.UniqueID != info.UniqueID {
		t.Fatal("reopen found another repository")
	}

	wrong := repotest.RootSecrets()
	wrong.Passphrase = "wrong"
	_, err = eng.Connect(ctx, settings, wrong, repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeWrongPassphrase)

	connected, err := eng.Connect(ctx, settings, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}

	if connected.UniqueID != info.UniqueID || !strings.Contains(connected.CredentialsFrom, repotest.RootUser) {
		t.Fatalf("connect: %+v", connected)
	}

	if strings.Contains(connected.CredentialsFrom, repotest.RootPassword) {
		t.Fatal("the credentials description holds the secret key")
	}

	before := m.Objects(t, bucket)
	_, err = eng.Initialize(ctx, settings, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeAlreadyRepository)

	if after := m.Objects(t, bucket); !slices.Equal(before, after) {
		t.Fatalf("init over a repository changed the bucket:\n%v\n%v", before, after)
	}
}

func TestS3TwoRepositoriesInOneBucketStayIsolated(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	ctx := context.Background()

	a, err := eng.Initialize(ctx, m.Settings(bucket, "tenant-a"), repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}

	objectsOf := func(prefix string) []string {
		var out []string

		for _, o := range m.Objects(t, bucket) {
			if strings.HasPrefix(o, prefix) {
				out = append(out, o)
			}
		}

		return out
	}

	aBefore := objectsOf("tenant-a/")

	otherSecrets := repotest.RootSecrets()
	otherSecrets.Passphrase = "a different passphrase"

	b, err := eng.Initialize(ctx, m.Settings(bucket, "tenant-b"), otherSecrets, repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}

	if a.UniqueID == b.UniqueID {
		t.Fatal("two repositories share a unique ID")
	}

	if aAfter := objectsOf("tenant-a/"); !slices.Equal(aBefore, aAfter) {
		t.Fatal("creating tenant-b changed tenant-a's objects")
	}

	// Each connects with its own passphrase only.
	if _, err := eng.Connect(ctx, m.Settings(bucket, "tenant-a"), otherSecrets, repotest.LocalIn(t.TempDir())); repo.CodeOf(err) != repo.CodeWrongPassphrase {
		t.Fatalf("tenant-a opened with tenant-b's passphrase: %v", err)
	}

	got, err := eng.Connect(ctx, m.Settings(bucket, "tenant-b/"), otherSecrets, repotest.LocalIn(t.TempDir()))
	if err != nil || got.UniqueID != b.UniqueID {
		t.Fatalf("connect tenant-b: %v", err)
	}

	t.Run("overlapping prefixes are refused", func(t *testing.T) {
		before := m.Objects(t, bucket)

		for _, prefix := range []string{"tenant-a/inner", "tenant-b/x/y"} {
			_, err := eng.Initialize(ctx, m.Settings(bucket, prefix), repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
			repotest.RequireCode(t, err, repo.CodePrefixOverlap)
		}

		// The bucket root would contain both repositories.
		_, err := eng.Initialize(ctx, m.Settings(bucket, ""), repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
		repotest.RequireCode(t, err, repo.CodePrefixOverlap)

		if after := m.Objects(t, bucket); !slices.Equal(before, after) {
			t.Fatal("a refused initialize changed the bucket")
		}
	})
}

// The check runs while kopia derives the keys; its verdict still decides,
// and a connect it refuses leaves no connection behind.
func TestS3ConnectRefusedByCheckLeavesNothing(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	ctx := context.Background()
	outer := m.Settings(bucket, "outer")

	if _, err := eng.Initialize(ctx, outer, repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	// A second repository inside the first one's prefix, made with plain
	// kopia: Corso Desktop refuses to make one.
	st, err := s3.New(ctx, &s3.Options{
		BucketName: bucket, Prefix: "outer/inner/", Endpoint: outer.Endpoint, DoNotUseTLS: true,
		AccessKeyID: repotest.RootUser, SecretAccessKey: repotest.RootPassword,
	}, false)
	if err != nil {
		t.Fatal(err)
	}

	if err := kopiarepo.Initialize(ctx, st, nil, repotest.Passphrase); err != nil {
		t.Fatal(err)
	}

	local := repotest.LocalIn(t.TempDir())
	_, err = eng.Connect(ctx, outer, repotest.RootSecrets(), local)
	repotest.RequireCode(t, err, repo.CodePrefixOverlap)

	for _, p := range []string{local.ConfigFile, local.CacheDir} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a refused connect left %s behind (%v)", p, err)
		}
	}
}

func TestS3RefusesForeignData(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	m.Put(t, bucket, "photos/cat.jpg", "meow")
	before := m.Objects(t, bucket)

	_, err := eng.Initialize(context.Background(), m.Settings(bucket, "photos"), repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeNotEmpty)

	if after := m.Objects(t, bucket); !slices.Equal(before, after) {
		t.Fatalf("bucket changed:\n%v\n%v", before, after)
	}

	_, err = eng.Connect(context.Background(), m.Settings(bucket, "photos"), repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeNoRepository)
}

func TestS3MissingBucket(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})

	_, err := eng.Initialize(context.Background(), m.Settings("no-such-bucket", ""), repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeBucketMissing)

	if !strings.Contains(err.Error(), "never creates") {
		t.Errorf("message does not say the bucket is never created: %q", err)
	}

	if exists, err := m.Client(t).BucketExists(context.Background(), "no-such-bucket"); err != nil || exists {
		t.Fatalf("the missing bucket was created (%v, %v)", exists, err)
	}
}

func TestS3WrongKeys(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)

	for name, c := range map[string]struct {
		id     string
		secret repo.S3Secrets
	}{
		"unknown access key": {"NOSUCHKEY", repo.S3Secrets{SecretAccessKey: "whatever-secret"}},
		"wrong secret":       {repotest.RootUser, repo.S3Secrets{SecretAccessKey: "not-the-secret"}},
		"invalid token":      {repotest.RootUser, repo.S3Secrets{SecretAccessKey: repotest.RootPassword, SessionToken: "bogus-session-token"}},
	} {
		t.Run(name, func(t *testing.T) {
			s := m.Settings(bucket, "")
			s.Credentials.AccessKeyID = c.id

			_, err := eng.Initialize(context.Background(), s, repo.Secrets{Passphrase: repotest.Passphrase, S3: c.secret}, repotest.LocalIn(t.TempDir()))
			repotest.RequireCode(t, err, repo.CodeBadCredentials)

			if strings.Contains(err.Error(), c.secret.SecretAccessKey) {
				t.Fatal("the error names the secret key")
			}

			var e *repo.Error
			if errors.As(err, &e) && strings.Contains(e.Details(), "<?xml") {
				t.Fatal("details hold raw S3 XML")
			}
		})
	}

	if objs := m.Objects(t, bucket); len(objs) != 0 {
		t.Fatalf("failed attempts wrote %v", objs)
	}
}

func TestS3EndpointDown(t *testing.T) {
	m := repotest.Start(t, repotest.Options{})
	bucket := m.Bucket(t)
	m.Stop()

	rep, err := eng.Check(context.Background(), m.Settings(bucket, ""), repotest.RootSecrets().S3, repo.CheckRead)
	if err != nil {
		t.Fatal(err)
	}

	repotest.RequireCode(t, rep.Err, repo.CodeUnreachable)

	_, err = eng.Connect(context.Background(), m.Settings(bucket, ""), repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeUnreachable)
}

func TestS3OverTLS(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{TLS: true})
	ctx := context.Background()

	t.Run("with the CA file", func(t *testing.T) {
		bucket := m.Bucket(t)
		local := repotest.LocalIn(t.TempDir())

		if _, err := eng.Initialize(ctx, m.Settings(bucket, "tls"), repotest.RootSecrets(), local); err != nil {
			t.Fatal(err)
		}

		if _, err := eng.Reopen(ctx, local, repotest.RootSecrets()); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("untrusted without the CA file", func(t *testing.T) {
		bucket := m.Bucket(t)
		s := m.Settings(bucket, "")
		s.CAFile = ""

		_, err := eng.Initialize(ctx, s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
		repotest.RequireCode(t, err, repo.CodeTLSUntrusted)

		if !strings.Contains(err.Error(), "CA certificate") {
			t.Errorf("message does not suggest the CA file: %q", err)
		}
	})

	t.Run("verification disabled", func(t *testing.T) {
		bucket := m.Bucket(t)
		s := m.Settings(bucket, "")
		s.CAFile = ""
		s.DisableTLSVerification = true

		if _, err := eng.Initialize(ctx, s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("plain HTTP against TLS", func(t *testing.T) {
		bucket := m.Bucket(t)
		s := m.Settings(bucket, "")
		s.CAFile = ""
		s.DisableTLS = true

		rep, err := eng.Check(ctx, s, repotest.RootSecrets().S3, repo.CheckRead)
		if err != nil {
			t.Fatal(err)
		}

		if rep.Err == nil {
			t.Fatal("plain HTTP to a TLS port passed the check")
		}
	})
}

// interruptAfter returns a proxy endpoint in front of m that, once a PUT of
// object name has succeeded, kills MinIO and cancels the operation: what a
// crash of the app or the server at that moment leaves behind.
func interruptAfter(t *testing.T, m *repotest.MinIO, name string, cancel context.CancelFunc) string {
	return m.CancelAfter(t, name, func() {
		m.Stop()
		cancel()
	})
}

func TestS3InterruptedInitialize(t *testing.T) {
	m := repotest.Start(t, repotest.Options{})
	bucket := m.Bucket(t)

	cases := []struct {
		prefix, after string
		stage         repo.HalfMadeStage
	}{
		{"before-format", "kopia.blobcfg", repo.HalfMadeBeforeFormat},
		{"before-settings", "kopia.repository", repo.HalfMadeBeforeSettings},
	}

	for _, c := range cases {
		t.Run(c.prefix, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()

			s := m.Settings(bucket, c.prefix)
			s.Endpoint = interruptAfter(t, m, c.after, cancel)

			_, err := eng.Initialize(ctx, s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
			if err == nil {
				t.Fatal("initialize survived the server being stopped")
			}

			m.Restart(t)

			rep, err := eng.Check(context.Background(), s, repotest.RootSecrets().S3, repo.CheckRead)
			if err != nil || rep.Err != nil {
				t.Fatalf("check after restart: %v %v", err, rep.Err)
			}

			if rep.State != repo.StateHalfMade || rep.HalfMade != c.stage {
				t.Fatalf("state %v stage %v, want half-made stage %v", rep.State, rep.HalfMade, c.stage)
			}

			_, err = eng.Initialize(context.Background(), s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
			repotest.RequireCode(t, err, repo.CodeHalfMade)

			info, err := eng.Connect(context.Background(), s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
			if c.stage == repo.HalfMadeBeforeFormat {
				repotest.RequireCode(t, err, repo.CodeHalfMade)
				return
			}

			if err != nil {
				t.Fatalf("a repository whose format exists must connect: %v", err)
			}

			// The format's first write already carries Corso's epoch; only
			// the policy is missing.
			if info.MinEpochDuration != kopiaengine.CorsoMinEpochDuration || info.CorsoSettings || len(info.Differences) != 1 {
				t.Fatalf("half-made repository: epoch %v, Corso settings %v, differences %q", info.MinEpochDuration, info.CorsoSettings, info.Differences)
			}
		})
	}

	t.Run("finish", func(t *testing.T) {
		for _, c := range cases {
			info, err := eng.Finish(context.Background(), m.Settings(bucket, c.prefix), repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
			if err != nil {
				t.Fatalf("finish %s: %v", c.prefix, err)
			}

			repotest.RequireCorsoFormat(t, info)
		}
	})

	t.Run("clear", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()

		s := m.Settings(bucket, "to-clear")
		s.Endpoint = interruptAfter(t, m, "kopia.blobcfg", cancel)

		if _, err := eng.Initialize(ctx, s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err == nil {
			t.Fatal("initialize survived")
		}

		m.Restart(t)

		if err := eng.Clear(context.Background(), s, repotest.RootSecrets().S3); err != nil {
			t.Fatal(err)
		}

		rep, err := eng.Check(context.Background(), s, repotest.RootSecrets().S3, repo.CheckRead)
		if err != nil || rep.State != repo.StateEmpty {
			t.Fatalf("after clear: state %v, %v", rep.State, err)
		}

		// Clear refuses a complete repository.
		err = eng.Clear(context.Background(), m.Settings(bucket, "before-settings"), repotest.RootSecrets().S3)
		if err == nil {
			t.Fatal("clear deleted a complete repository")
		}
	})
}

func TestS3CheckIsBounded(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)

	rep, err := eng.Check(context.Background(), m.Settings(bucket, "one/two"), repotest.RootSecrets().S3, repo.CheckWrite)
	if err != nil || rep.Err != nil {
		t.Fatalf("check: %v %v", err, rep.Err)
	}

	// HEAD bucket, location, list, one list per ancestor prefix (2),
	// probe delete, put, get, delete.
	if rep.Requests > 10 {
		t.Fatalf("check made %d requests", rep.Requests)
	}

	if rep.State != repo.StateEmpty {
		t.Fatalf("state %v", rep.State)
	}

	if objs := m.Objects(t, bucket); len(objs) != 0 {
		t.Fatalf("check left %v", objs)
	}
}

// TestS3CancelMidInitialize cancels right after kopia's first write, with
// the server up: the operation stops with a cancel error, and the next
// check recognises what it left as a half-made repository.
func TestS3CancelMidInitialize(t *testing.T) {
	s, err := repotest.InitializeCancelledMidway(t, eng.Initialize)
	repotest.RequireCode(t, err, repo.CodeCanceled)

	rep, err := eng.Check(context.Background(), s, repotest.RootSecrets().S3, repo.CheckRead)
	if err != nil || rep.Err != nil {
		t.Fatalf("check: %v %v", err, rep.Err)
	}

	if rep.State != repo.StateHalfMade || rep.HalfMade != repo.HalfMadeBeforeFormat {
		t.Fatalf("state %v stage %v after cancel", rep.State, rep.HalfMade)
	}
}
