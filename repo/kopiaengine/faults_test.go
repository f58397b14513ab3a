package kopiaengine_test

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/signer"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestSilentStoreGetsAnAnswer: against a server that accepts connections
// and never answers, check, create and connect each end with a sentence
// that blames the store, within the operation's deadline.
func TestSilentStoreGetsAnAnswer(t *testing.T) {
	silent, _ := repotest.Silent(t)
	s := repo.S3Compatible{S3: repo.S3{Bucket: "silent", Credentials: repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: "k"}},
		Endpoint: silent, DisableTLS: true}
	sec := repo.Secrets{Passphrase: repotest.Passphrase, S3: repo.S3Secrets{SecretAccessKey: "s"}}

	ops := map[string]func(ctx context.Context) error{
		"check": func(ctx context.Context) error {
			rep, err := eng.Check(ctx, s, sec.S3, repo.CheckWrite)
			if err == nil {
				err = rep.Err
			}

			return err
		},
		"create": func(ctx context.Context) error {
			_, err := eng.Initialize(ctx, s, sec, repotest.LocalIn(t.TempDir()))
			return err
		},
		"connect": func(ctx context.Context) error {
			_, err := eng.Connect(ctx, s, sec, repotest.LocalIn(t.TempDir()))
			return err
		},
	}

	var wg sync.WaitGroup

	for name, op := range ops {
		wg.Add(1)

		go func() {
			defer wg.Done()

			done := make(chan error, 1)
			go func() { done <- op(context.Background()) }()

			select {
			case err := <-done:
				if repo.CodeOf(err) != repo.CodeUnreachable {
					t.Errorf("%s: %v (code %v), want the store named as not answering", name, err, repo.CodeOf(err))
				}
			case <-time.After(2 * time.Minute):
				t.Errorf("%s: still waiting after two minutes", name)
			}
		}()
	}

	wg.Wait()
}

// TestCancelAlwaysWorks: Cancel ends each operation against a silent
// store at once, as a cancellation, not as a store error.
func TestCancelAlwaysWorks(t *testing.T) {
	silent, accepted := repotest.Silent(t)
	s := repo.S3Compatible{S3: repo.S3{Bucket: "silent", Credentials: repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: "k"}},
		Endpoint: silent, DisableTLS: true}
	sec := repo.Secrets{Passphrase: repotest.Passphrase, S3: repo.S3Secrets{SecretAccessKey: "s"}}

	for name, op := range map[string]func(context.Context) error{
		"check": func(ctx context.Context) error { _, err := eng.Check(ctx, s, sec.S3, repo.CheckWrite); return err },
		"create": func(ctx context.Context) error {
			_, err := eng.Initialize(ctx, s, sec, repotest.LocalIn(t.TempDir()))
			return err
		},
		"connect": func(ctx context.Context) error {
			_, err := eng.Connect(ctx, s, sec, repotest.LocalIn(t.TempDir()))
			return err
		},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)

		go func() { done <- op(ctx) }()

		// Cancel once the operation waits on the silent server.
		before := accepted()
		repotest.WaitFor(t, "the operation to reach the server", func() bool { return accepted() > before })
		cancel()

		select {
		case err := <-done:
			repotest.RequireCode(t, err, repo.CodeCanceled)
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: Cancel did not end it", name)
		}
	}
}

// TestStoreStallsMidCreate: the store stops answering right after the
// format is written. Create ends with a sentence, the next check names an
// interrupted creation, and Finish completes it.
func TestStoreStallsMidCreate(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)

	var formatWritten atomic.Bool

	s := m.Settings(bucket, "stalls")
	s.Endpoint = m.FaultProxy(t, func(r *http.Request) repotest.Fault {
		if formatWritten.Load() {
			return repotest.Stall
		}

		if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/kopia.repository") {
			formatWritten.Store(true)
		}

		return repotest.Forward
	})

	_, err := eng.Initialize(context.Background(), s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	if c := repo.CodeOf(err); c != repo.CodeUnreachable {
		t.Fatalf("a stalled create: %v (code %v)", err, c)
	}

	direct := m.Settings(bucket, "stalls")

	rep, err := eng.Check(context.Background(), direct, repotest.RootSecrets().S3, repo.CheckRead)
	if err != nil || rep.State != repo.StateHalfMade {
		t.Fatalf("after the stall: %v %v", rep.State, err)
	}

	info, err := eng.Finish(context.Background(), direct, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatalf("finish after the stall: %v", err)
	}

	repotest.RequireCorsoFormat(t, info)
}

// TestCreateOnAStoreWithoutConditionalWrites: MinIO honours If-None-Match;
// a store that ignores it (the proxy strips the header) is found out by
// the check, and a create there verifies each format blob by reading it
// back instead.
func TestCreateOnAStoreWithoutConditionalWrites(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)

	rep, err := eng.Check(context.Background(), m.Settings(bucket, "direct"), repotest.RootSecrets().S3, repo.CheckWrite)
	if err != nil || !rep.ConditionalWrites {
		t.Fatalf("MinIO's conditional writes not seen: %v %v", rep.ConditionalWrites, err)
	}

	var stripped atomic.Int32

	s := m.Settings(bucket, "no-conditions")
	s.Endpoint = m.FaultProxy(t, func(r *http.Request) repotest.Fault {
		if r.Header.Get("If-None-Match") != "" {
			// Drop the condition and sign the request again, as the
			// client would have signed it without one.
			r.Header.Del("If-None-Match")
			r.Header.Del("Authorization")
			*r = *signer.SignV4(*r, repotest.RootUser, repotest.RootPassword, "", "us-east-1")
			stripped.Add(1)
		}

		return repotest.Forward
	})

	rep, err = eng.Check(context.Background(), s, repotest.RootSecrets().S3, repo.CheckWrite)
	if err != nil || rep.ConditionalWrites {
		t.Fatalf("a store ignoring If-None-Match taken for one that honours it: %v", err)
	}

	info, err := eng.Initialize(context.Background(), s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}

	repotest.RequireCorsoFormat(t, info)

	if stripped.Load() < 3 {
		t.Fatalf("only %d conditional writes went through the proxy", stripped.Load())
	}

	_, err = eng.Initialize(context.Background(), s, secretsWith("another "+repotest.Passphrase), repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeAlreadyRepository)

	if got, err := eng.Connect(context.Background(), s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err != nil || got.UniqueID != info.UniqueID {
		t.Fatalf("the first repository no longer opens: %v", err)
	}
}

// TestCreateWritesNothingBeforeItsFormatIsIn: kopia's open starts while
// the format is being written. When the format's write fails after that
// open is ready to write (the write of kopia.repository is held, then its
// connection cut), the create fails, kopia wrote nothing (no session
// marker, pack or index), and no connection is left behind.
func TestCreateWritesNothingBeforeItsFormatIsIn(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)

	var kopiaWrites atomic.Int32

	s := m.Settings(bucket, "format-fails")
	s.Endpoint = m.FaultProxy(t, func(r *http.Request) repotest.Fault {
		name := path.Base(r.URL.Path)

		switch {
		case r.Method == http.MethodPut && name == "kopia.repository":
			// Longer than kopia's key derivation: its open is done and
			// about to write Corso's settings.
			time.Sleep(1500 * time.Millisecond)
			return repotest.Cut
		case r.Method != http.MethodGet && r.Method != http.MethodHead && !strings.HasPrefix(name, "kopia.") && !strings.HasPrefix(name, ".corso-desktop-"):
			kopiaWrites.Add(1)
		}

		return repotest.Forward
	})

	local := repotest.LocalIn(t.TempDir())

	if _, err := eng.Initialize(context.Background(), s, repotest.RootSecrets(), local); err == nil {
		t.Fatal("a create whose format could not be written reported success")
	}

	if n := kopiaWrites.Load(); n != 0 {
		t.Fatalf("kopia wrote %d blobs into a location whose format was never written", n)
	}

	for _, o := range m.Objects(t, bucket) {
		key, _, _ := strings.Cut(o, " ")
		if name := path.Base(key); name != "kopia.blobcfg" && !strings.HasPrefix(name, ".corso-desktop-lock") {
			t.Fatalf("left behind: %s (all: %v)", o, m.Objects(t, bucket))
		}
	}

	if _, err := os.Stat(local.ConfigFile); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a connection was left behind: %v", err)
	}
}
