package kopiaengine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
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

	logTrace(t, "check", stats.Trace())
	stats.Reset()

	if _, err := eng.Initialize(repo.WithCheck(ctx, rep), s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	logTrace(t, "initialize", stats.Trace())
	stats.Reset()

	if _, err := eng.Connect(ctx, s, repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	logTrace(t, "connect", stats.Trace())
}
