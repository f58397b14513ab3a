package kopiaengine_test

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/blob/s3"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// logTrace writes a trace, one request a line, for a person reading
// where the round trips go.
func logTrace(t *testing.T, what string, trace []repotest.TracedRequest) {
	t.Helper()

	var b strings.Builder

	for _, r := range trace {
		conn := ""
		if r.NewConn {
			conn = " (new connection)"
		}

		q := r.Query
		if len(q) > 60 {
			q = q[:60] + "…"
		}

		fmt.Fprintf(&b, "%7.1f–%7.1f ms  %-6s %d %s?%s%s\n", float64(r.Sent.Microseconds())/1000, float64(r.Answered.Microseconds())/1000, r.Method, r.Status, r.Path, q, conn)
	}

	t.Logf("%s: %d requests, %d sequential round trips\n%s", what, len(trace), repotest.SequentialRounds(trace), b.String())
}

// TestRoundTripsOfCreate traces what creating a repository as the app does
// it (Check, then Initialize) and connecting send over a store 10 ms away.
func TestRoundTripsOfCreate(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	endpoint, stats := m.LatencyProxy(t, 10*time.Millisecond)
	ctx := context.Background()

	s := m.Settings(bucket, "traced")
	s.Endpoint = endpoint

	stats.Reset()

	rep, err := eng.Check(ctx, s, repotest.RootSecrets().S3, repo.CheckWrite)
	if err != nil {
		t.Fatal(err)
	}

	check := stats.Trace()
	logTrace(t, "check", check)

	// The probe's removal is the in-process engine's last request (the
	// helper sends it after its answer): off the critical path, the check
	// is a handshake and three rounds.
	if last := check[len(check)-1]; last.Method != http.MethodDelete || !strings.Contains(last.Path, ".corso-desktop-probe-") {
		t.Fatalf("the check's last request is %s %s, not the probe's removal", last.Method, last.Path)
	}

	if n := repotest.SequentialRounds(check[:len(check)-1]); n > 4 {
		t.Errorf("the check takes %d sequential round trips before the probe's removal; want at most 4", n)
	}

	stats.Reset()

	if _, err := eng.Initialize(repo.WithCheck(ctx, rep), s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	create := stats.Trace()
	logTrace(t, "initialize", create)
	requireOverlappedOpen(t, create)

	// Before the clean-up that follows the helper's answer (the session
	// marker's and the lock's removal): the lock and the listing under it,
	// the format's two writes, Corso's settings (kopia's session marker,
	// pack and index, two of them read back for their time).
	answered := create
	for len(answered) > 0 && answered[len(answered)-1].Method == http.MethodDelete {
		answered = answered[:len(answered)-1]
	}

	if n := repotest.SequentialRounds(answered); n > 10 {
		t.Errorf("the create takes %d sequential round trips before its clean-up; want at most 10", n)
	}
	stats.Reset()

	connected := repotest.LocalIn(t.TempDir())
	if _, err := eng.Connect(ctx, s, repotest.RootSecrets(), connected); err != nil {
		t.Fatal(err)
	}

	connect := stats.Trace()
	logTrace(t, "connect", connect)

	// What kopia's open reads is asked for at once (readahead.go): the
	// connect is the check's handshake and round, kopia's storage opening
	// (.storageconfig), the read-ahead, the indexes, and after the key
	// derivation the manifests' pack.
	if n := repotest.SequentialRounds(connect); n > 6 {
		t.Errorf("the connect takes %d sequential round trips; want at most 6", n)
	}

	// Opening it again, and reading what it holds, read ahead too.
	stats.Reset()

	if _, err := eng.Reopen(ctx, connected, repotest.RootSecrets()); err != nil {
		t.Fatal(err)
	}

	reopen := stats.Trace()
	logTrace(t, "reopen", reopen)

	stats.Reset()

	if _, err := eng.Contents(ctx, connected, repotest.RootSecrets()); err != nil {
		t.Fatal(err)
	}

	contents := stats.Trace()
	logTrace(t, "contents", contents)

	if n, m := repotest.SequentialRounds(reopen), repotest.SequentialRounds(contents); n > 6 || m > 10 {
		t.Errorf("a reopen takes %d sequential round trips (want at most 6), reading the contents %d (want at most 10)", n, m)
	}

	// Plain kopia's Initialize and Connect, for comparison.
	stats.Reset()

	st := plainStorage(t, bucket, endpoint, "plain")
	if err := kopiarepo.Initialize(ctx, st, nil, repotest.Passphrase); err != nil {
		t.Fatal(err)
	}

	if err := kopiarepo.Connect(ctx, filepath.Join(t.TempDir(), "kopia.config"), st, repotest.Passphrase, nil); err != nil {
		t.Fatal(err)
	}

	logTrace(t, "plain kopia's Initialize and Connect", stats.Trace())
}

// requireOverlappedOpen holds a create's trace to the overlap of kopia's
// open with the format's writes: kopia writes nothing before
// kopia.repository is in, and it lists and reads nothing from the store.
func requireOverlappedOpen(t *testing.T, trace []repotest.TracedRequest) {
	t.Helper()

	var formatIn time.Duration

	for _, r := range trace {
		if r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/kopia.repository") {
			formatIn = r.Answered
		}
	}

	if formatIn == 0 {
		t.Fatal("no write of kopia.repository in the create's trace")
	}

	for _, r := range trace {
		name := path.Base(r.Path)
		kopiaWrite := r.Method == http.MethodPut && !strings.HasPrefix(name, "kopia.") && !strings.HasPrefix(name, ".corso-desktop-")

		if kopiaWrite && r.Sent < formatIn {
			t.Errorf("kopia wrote %s before kopia.repository was in", name)
		}

		// The location was listed empty under the lock: kopia's listings
		// and reads of what the create wrote are answered from what it
		// wrote (ownwrites.go).
		if strings.Contains(r.Query, "delimiter=") || r.Method == http.MethodGet && !strings.Contains(r.Query, "list-type=") && !strings.HasSuffix(name, ".storageconfig") {
			t.Errorf("the create asked the store %s %s?%s", r.Method, name, r.Query)
		}
	}
}

// plainStorage is kopia's own S3 storage of a prefix, as plain kopia opens it.
func plainStorage(t *testing.T, bucket, endpoint, prefix string) blob.Storage {
	t.Helper()

	st, err := s3.New(context.Background(), &s3.Options{
		BucketName: bucket, Prefix: prefix + "/", Endpoint: endpoint, DoNotUseTLS: true,
		AccessKeyID: repotest.RootUser, SecretAccessKey: repotest.RootPassword,
	}, false)
	if err != nil {
		t.Fatal(err)
	}

	t.Cleanup(func() { st.Close(context.Background()) }) //nolint:errcheck

	return st
}

// probed says whether a probe was written: a check ran. (A removal may be
// the clean-up of the check before, done after its answer.)
func probed(trace []repotest.TracedRequest) bool {
	for _, r := range trace {
		if r.Method == http.MethodPut && strings.Contains(r.Path, ".corso-desktop-probe") {
			return true
		}
	}

	return false
}

func asksLocation(trace []repotest.TracedRequest) bool {
	for _, r := range trace {
		if strings.Contains(r.Query, "location") {
			return true
		}
	}

	return false
}

// TestCreateTakesTheCheckItIsHanded: a create handed the add flow's check
// (repo.WithCheck), in both engines, does not check again: no probe, one
// listing under its lock. A check of other settings, a read check or one
// too old is not taken. A location that changed since the check is still
// refused, with nothing written. After a create or a connect, reopening
// asks the bucket for its region no more.
func TestCreateTakesTheCheckItIsHanded(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	endpoint, stats := m.LatencyProxy(t, 0)
	ctx := context.Background()
	sec := repotest.RootSecrets()

	at := func(prefix string) repo.S3Compatible {
		s := m.Settings(bucket, prefix)
		s.Endpoint = endpoint

		return s
	}

	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			s := at("handed-" + name)

			rep, err := e.Check(ctx, s, sec.S3, repo.CheckWrite)
			if err != nil || rep.Err != nil {
				t.Fatal(err, rep.Err)
			}

			stats.Reset()
			local := repotest.LocalIn(t.TempDir())

			if _, err := e.Initialize(repo.WithCheck(ctx, rep), s, sec, local); err != nil {
				t.Fatal(err)
			}

			if trace := stats.Trace(); probed(trace) {
				logTrace(t, "initialize", trace)
				t.Fatal("the create checked again")
			}

			stats.Reset()

			if _, err := e.Reopen(ctx, local, sec); err != nil {
				t.Fatal(err)
			}

			if trace := stats.Trace(); asksLocation(trace) {
				logTrace(t, "reopen", trace)
				t.Fatal("reopening asked the bucket for its region again")
			}

			connected := repotest.LocalIn(t.TempDir())
			if _, err := e.Connect(ctx, s, sec, connected); err != nil {
				t.Fatal(err)
			}

			stats.Reset()

			if _, err := e.Reopen(ctx, connected, sec); err != nil {
				t.Fatal(err)
			}

			if trace := stats.Trace(); asksLocation(trace) {
				logTrace(t, "reopen after connect", trace)
				t.Fatal("reopening a connection asked the bucket for its region again")
			}

			// Not taken: a check of another prefix, a read check.
			other := at("other-" + name)
			readRep, _ := e.Check(ctx, other, sec.S3, repo.CheckRead)

			for _, c := range []struct {
				what   string
				handed *repo.Report
				s      repo.S3Compatible
			}{
				{"another prefix's", rep, at("elsewhere-" + name)},
				{"a read", readRep, other},
			} {
				stats.Reset()

				if _, err := e.Initialize(repo.WithCheck(ctx, c.handed), c.s, sec, repotest.LocalIn(t.TempDir())); err != nil {
					t.Fatalf("with %s check: %v", c.what, err)
				}

				if !probed(stats.Trace()) {
					t.Fatalf("%s check was taken as the create's own", c.what)
				}
			}

			// An old check of a location still empty: checked again.
			fresh := at("old-" + name)
			oldRep, _ := e.Check(ctx, fresh, sec.S3, repo.CheckWrite)
			oldRep.Checked = oldRep.Checked.Add(-repo.CheckReuse)
			stats.Reset()

			if _, err := e.Initialize(repo.WithCheck(ctx, oldRep), fresh, sec, repotest.LocalIn(t.TempDir())); err != nil || !probed(stats.Trace()) {
				t.Fatalf("an old check: %v, probed %v", err, probed(stats.Trace()))
			}

			// The location changed since the check: refused, nothing written.
			changed := at("changed-" + name)
			changedRep, _ := e.Check(ctx, changed, sec.S3, repo.CheckWrite)
			dir := strings.TrimSuffix(changed.Prefix, "/") + "/"
			m.Put(t, bucket, dir+"notes.txt", "the user's")

			_, err = e.Initialize(repo.WithCheck(ctx, changedRep), changed, sec, repotest.LocalIn(t.TempDir()))
			if c := repo.CodeOf(err); c != repo.CodeLostRace && c != repo.CodeNotEmpty {
				t.Fatalf("a location changed since its check: %v", err)
			}

			for _, o := range m.Objects(t, bucket) {
				// The lock (given back after the helper answers) is the
				// app's bookkeeping, not a write of the create's.
				if strings.HasPrefix(o, dir) && !strings.HasPrefix(o, dir+"notes.txt ") && !strings.Contains(o, preflight.LockName) {
					t.Fatalf("the refused create wrote %s", o)
				}
			}
		})
	}
}
