package engineproto_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/dialahead"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// A prepared engine told where the next operation goes opens its
// connections while the person types: none of the connect's requests
// waits for a handshake, where unprepared its first already does (through
// the helper as in-process). What that saves in time is measured by
// BenchmarkLatency's prepared runs; round counts here vary with the CPU.
func TestPreparedEngineOpensItsConnectionsAhead(t *testing.T) {
	const rtt = 60 * time.Millisecond

	s, stats := repositoryBehind(t, repotest.Network{RTT: rtt, Handshake: rtt})
	sec := repotest.RootSecrets()
	ctx := context.Background()

	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			rounds := map[bool]int{}

			for _, prepared := range []bool{false, true} {
				dialahead.Default.Close() // nothing left from before, in this process

				if prepared {
					stats.Reset()
					e.Prepare(repo.Upcoming{Settings: s})
					waitForConns(t, stats, 16)
					time.Sleep(2 * rtt) // their handshakes over, as while someone types
				}

				stats.Reset()

				if _, err := e.Connect(ctx, s, sec, repotest.LocalIn(t.TempDir())); err != nil {
					t.Fatal(err)
				}

				trace := stats.Trace()
				if len(trace) == 0 {
					t.Fatal("no request went through the proxy")
				}

				if !prepared && !trace[0].NewConn {
					t.Error("unprepared, the first request found a connection open: the test shows nothing")
				}

				rounds[prepared] = repotest.SequentialRounds(trace)

				if prepared {
					for _, r := range trace {
						if r.NewConn {
							t.Errorf("prepared, %s %s?%s waited for a new connection", r.Method, r.Path, r.Query)
						}
					}
				}
			}

			t.Logf("sequential round trips: %d unprepared, %d prepared", rounds[false], rounds[true])
		})
	}
}

// Connections opened ahead that the store closed while they waited are
// not used: the operation opens new ones and succeeds.
func TestConnectionsClosedByTheStoreAreNotUsed(t *testing.T) {
	const idle = 300 * time.Millisecond

	s, stats := repositoryBehind(t, repotest.Network{RTT: 20 * time.Millisecond, Handshake: 20 * time.Millisecond, CloseIdleAfter: idle})
	sec := repotest.RootSecrets()
	ctx := context.Background()

	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			stats.Reset()
			e.Prepare(repo.Upcoming{Settings: s})
			waitForConns(t, stats, 16)
			time.Sleep(3 * idle) // the store closes them

			stats.Reset()

			if _, err := e.Connect(ctx, s, sec, repotest.LocalIn(t.TempDir())); err != nil {
				t.Fatalf("connect after the store closed the connections opened ahead: %v", err)
			}

			if trace := stats.Trace(); len(trace) == 0 || !trace[0].NewConn {
				t.Error("the first request did not open a new connection, so it went on one the store had closed")
			}
		})
	}
}

// repositoryBehind creates a repository on MinIO and gives its location
// through a latency proxy on nw; connections this process opened ahead
// are closed at the end.
func repositoryBehind(t *testing.T, nw repotest.Network) (repo.S3Compatible, *repotest.LatencyStats) {
	t.Helper()

	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)

	if _, err := eng.Initialize(context.Background(), m.Settings(bucket, "ahead"), repotest.RootSecrets(), repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	endpoint, stats := m.LatencyProxyWith(t, nw)
	s := m.Settings(bucket, "ahead")
	s.Endpoint = endpoint

	t.Cleanup(dialahead.Default.Close)

	return s, stats
}

func waitForConns(t *testing.T, stats *repotest.LatencyStats, n int) {
	t.Helper()

	for deadline := time.Now().Add(10 * time.Second); stats.Conns() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections opened ahead, want %d", stats.Conns(), n)
		}

		time.Sleep(10 * time.Millisecond)
	}
}

// Rating a passphrase needs no store: it leaves a prepared helper that
// has opened connections to one for the create or connect that follows,
// and takes one that has not.
func TestRatingLeavesThePreparedConnectionsAlone(t *testing.T) {
	s := repo.S3Compatible{S3: repo.S3{Bucket: "b-1"}, Endpoint: "127.0.0.1:9", DisableTLS: true}
	ctx := context.Background()

	h := repotest.Helper(t)
	h.Prepare(repo.Upcoming{Settings: s})
	spare := h.Spare()

	if _, err := h.PassphraseStrength(ctx, "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}

	if h.Spare() != spare {
		t.Fatal("the rating took the helper prepared for the store")
	}

	plain := repotest.Helper(t)
	plain.Prepare(repo.Upcoming{})

	if _, err := plain.PassphraseStrength(ctx, "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}

	if plain.Spare() != nil {
		t.Fatal("the rating did not take the helper prepared for nothing in particular")
	}
}

// A repository picked in the list has its contents read with every
// connection opened ahead: the listing side by side, kopia's open and the
// read-ahead wait for no handshake (through the helper as in-process).
func TestPreparedContentsWaitForNoHandshake(t *testing.T) {
	const rtt = 40 * time.Millisecond

	s, stats, local := pickedBehind(t, repotest.Network{RTT: rtt, Handshake: rtt})
	sec := repotest.RootSecrets()
	ctx := context.Background()

	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			dialahead.Default.Close() // nothing left from before, in this process
			stats.Reset()
			e.Prepare(repo.Upcoming{Settings: s, Local: local})
			waitForConns(t, stats, 36)
			time.Sleep(2 * rtt)

			stats.Reset()

			if _, err := e.Contents(ctx, local, sec); err != nil {
				t.Fatal(err)
			}

			trace := stats.Trace()
			requireNoHandshake(t, trace, 20)

			// What kopia's open reads is asked for beside the
			// .storageconfig kopia's storage reads as it is made, not a
			// round after it.
			config, format := sentTo(trace, "/.storageconfig"), sentTo(trace, "/kopia.repository")
			if config == nil || format == nil || format.Sent >= config.Answered {
				t.Errorf("the format was read after the storage's own settings: %+v, %+v", format, config)
			}
		})
	}
}

// sentTo is the first GET in trace whose path ends with suffix, or nil.
func sentTo(trace []repotest.TracedRequest, suffix string) *repotest.TracedRequest {
	for i, r := range trace {
		if r.Method == "GET" && strings.HasSuffix(r.Path, suffix) {
			return &trace[i]
		}
	}

	return nil
}

// Opening a repository picked in the list leaves a helper prepared for
// the read of its contents that follows, which then waits for no
// handshake; without the pick's follow-up, the read opens its own.
func TestAnOpenLeavesAHelperPreparedForTheContents(t *testing.T) {
	const rtt = 40 * time.Millisecond

	s, stats, local := pickedBehind(t, repotest.Network{RTT: rtt, Handshake: rtt})
	sec := repotest.RootSecrets()
	ctx := context.Background()

	h := repotest.Helper(t)
	stats.Reset()
	h.Prepare(repo.Upcoming{Settings: s, Local: local})
	waitForConns(t, stats, 36)
	time.Sleep(2 * rtt)

	picked := h.Spare()

	if _, err := h.Reopen(ctx, local, sec); err != nil {
		t.Fatal(err)
	}

	for deadline := time.Now().Add(10 * time.Second); h.Spare() == nil || h.Spare() == picked; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the open left no helper prepared for the contents")
		}
	}

	waitForConns(t, stats, 2*36)
	time.Sleep(2 * rtt)
	stats.Reset()

	if _, err := h.Contents(ctx, local, sec); err != nil {
		t.Fatal(err)
	}

	requireNoHandshake(t, stats.Trace(), 20)

	if h.Spare() != nil {
		t.Error("the contents' read left a helper prepared in turn: one follow-up per pick")
	}

	// Prepared with the location only (a form, not a pick), the open
	// leaves nothing, and the read that follows starts from nothing.
	h.Prepare(repo.Upcoming{Settings: s})

	if _, err := h.Reopen(ctx, local, sec); err != nil {
		t.Fatal(err)
	}

	time.Sleep(500 * time.Millisecond)

	if h.Spare() != nil {
		t.Fatal("an open prepared for a location, not a repository, left a helper prepared")
	}

	stats.Reset()

	if _, err := h.Contents(ctx, local, sec); err != nil {
		t.Fatal(err)
	}

	if trace := stats.Trace(); len(trace) == 0 || !trace[0].NewConn {
		t.Error("unprepared, the contents' first request found a connection open: the test shows nothing")
	}
}

// pickedBehind is repositoryBehind connected through the proxy, as a
// repository in the list is: its location, the proxy's counts and the
// connection.
func pickedBehind(t *testing.T, nw repotest.Network) (repo.S3Compatible, *repotest.LatencyStats, repo.Local) {
	t.Helper()

	s, stats := repositoryBehind(t, nw)

	local := repotest.LocalIn(t.TempDir())
	if _, err := eng.Connect(context.Background(), s, repotest.RootSecrets(), local); err != nil {
		t.Fatal(err)
	}

	return s, stats, local
}

// requireNoHandshake fails the test for every request in trace that
// waited for a new connection, or when trace holds fewer than least.
func requireNoHandshake(t *testing.T, trace []repotest.TracedRequest, least int) {
	t.Helper()

	if len(trace) < least {
		t.Fatalf("%d requests went through the proxy, want %d or more", len(trace), least)
	}

	for _, r := range trace {
		if r.NewConn {
			t.Errorf("%s %s?%s waited for a new connection", r.Method, r.Path, r.Query)
		}
	}
}

// An open's follow-up leaves alone a helper the app prepared meanwhile for
// another repository: the person has moved on.
func TestTheFollowUpLeavesTheAppsNewerPrepare(t *testing.T) {
	first := repo.S3Compatible{S3: repo.S3{Bucket: "b-1"}, Endpoint: "127.0.0.1:9", DisableTLS: true}
	other := repo.S3Compatible{S3: repo.S3{Bucket: "b-2"}, Endpoint: "127.0.0.1:9", DisableTLS: true}
	local := repotest.LocalIn(t.TempDir())

	h := repotest.Helper(t)
	h.Prepare(repo.Upcoming{Settings: other, Local: local})
	spare, line := h.Spare(), h.SparePreparedFor()

	if spare == nil || !strings.Contains(line, "b-2") {
		t.Fatalf("prepared for the other repository: %v, %q", spare, line)
	}

	h.FollowUp(repo.Upcoming{Settings: first, Local: local})

	if h.Spare() != spare || h.SparePreparedFor() != line {
		t.Fatalf("the follow-up took over the helper prepared for another repository: %q", h.SparePreparedFor())
	}
}
