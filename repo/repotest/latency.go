package repotest

import (
	"cmp"
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// LatencyStats counts what crossed a LatencyProxy since the last Reset.
type LatencyStats struct {
	mu       sync.Mutex
	requests map[string]int
	trace    []TracedRequest
	since    time.Time
	conns    atomic.Int32
	indexed  atomic.Int32
}

// TracedRequest is one request through a LatencyProxy: when it was sent
// and answered (from Reset), what it asked, and whether it opened a new
// connection.
type TracedRequest struct {
	Sent, Answered time.Duration
	Method, Path   string
	Query          string
	Status         int
	NewConn        bool
}

// Reset starts counting afresh.
func (s *LatencyStats) Reset() {
	s.mu.Lock()
	s.requests = map[string]int{}
	s.trace = nil
	s.since = time.Now()
	s.mu.Unlock()
	s.conns.Store(0)
}

// Trace is every request since Reset, in the order they were sent.
func (s *LatencyStats) Trace() []TracedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()

	return append([]TracedRequest(nil), s.trace...)
}

// SequentialRounds is how many round trips the trace's critical path
// holds: requests that overlap in time count once, and a new
// connection's handshake counts as one more.
func SequentialRounds(trace []TracedRequest) int {
	rounds := 0

	var busyUntil time.Duration

	for _, r := range trace {
		if r.Sent >= busyUntil {
			rounds++

			if r.NewConn {
				rounds++
			}
		}

		if r.Answered > busyUntil {
			busyUntil = r.Answered
		}
	}

	return rounds
}

// Requests is how many requests of each method went through, and in all.
func (s *LatencyStats) Requests() (byMethod map[string]int, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()

	byMethod = map[string]int{}
	for m, n := range s.requests {
		byMethod[m] = n
		total += n
	}

	return byMethod, total
}

// Conns is how many new connections were made.
func (s *LatencyStats) Conns() int { return int(s.conns.Load()) }

// IndexedListings counts the listing pages answered from the index
// (Network.ListTime), since the proxy started.
func (s *LatencyStats) IndexedListings() int { return int(s.indexed.Load()) }

type connKey struct{}

// acceptedConn is when a proxy connection was accepted, and whether its
// first request is still to come.
type acceptedConn struct {
	at    time.Time
	first atomic.Bool
}

// LatencyProxy puts a plain-HTTP proxy in front of m that behaves like a
// store rtt away: each request reaches MinIO rtt/2 after it was sent, each
// answer comes back rtt/2 after MinIO gave it, and a new connection costs
// one more rtt (its TCP handshake) before its first request goes on. It
// counts requests by method and new connections (stats).
func (m *MinIO) LatencyProxy(t testing.TB, rtt time.Duration) (string, *LatencyStats) {
	t.Helper()

	return m.LatencyProxyWith(t, Network{RTT: rtt, Handshake: rtt})
}

// Network is where a LatencyProxy puts its store.
type Network struct {
	// RTT is the round trip; Handshake what a new connection costs before
	// its first request (one RTT for TCP, two for TCP and TLS 1.3).
	RTT, Handshake time.Duration
	// ServerTime is how long the store takes over each request before it
	// answers, as a real S3 takes 10–30 ms where MinIO on loopback takes
	// next to none.
	ServerTime time.Duration
	// ListTime, when set, makes the store list as Amazon S3 does, from an
	// index: each page of a listing takes ListTime of the store's time
	// (instead of ServerTime) whatever it walks, and is answered from the
	// bucket's names as MinIO holds them (read through MinIO's own client,
	// again after every write). Without it MinIO walks its disk for each
	// listing, which on this machine costs about 35 µs of CPU a name.
	ListTime time.Duration
	// CloseIdleAfter, when set, closes a connection that has sent no
	// request for that long, as stores do.
	CloseIdleAfter time.Duration
}

// LatencyProxyWith is LatencyProxy on the network nw.
func (m *MinIO) LatencyProxyWith(t testing.TB, nw Network) (string, *LatencyStats) {
	t.Helper()

	rtt, handshake := nw.RTT, nw.Handshake

	if m.TLS {
		t.Fatal("repotest: LatencyProxy needs a plain-HTTP server")
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	stats := &LatencyStats{requests: map[string]int{}, since: time.Now()}

	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: m.Endpoint})
	rp.ModifyResponse = func(*http.Response) error {
		time.Sleep(rtt / 2) // the answer on its way back
		return nil
	}

	var index *listIndex
	if nw.ListTime > 0 {
		index = newListIndex(m.Client(t))
	}

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stats.mu.Lock()
		stats.requests[r.Method]++
		sent := time.Since(stats.since)
		stats.mu.Unlock()

		// A connection's handshake began when it was accepted: its first
		// request waits for what is left of it. One opened well ahead
		// waits for nothing, and is not counted as a new connection.
		newConn := false
		if c, ok := r.Context().Value(connKey{}).(*acceptedConn); ok && c.first.CompareAndSwap(true, false) {
			if left := handshake - time.Since(c.at); left > 0 {
				newConn = true

				time.Sleep(left)
			}
		}

		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}

		if bucket, ok := answersListing(r); ok && index != nil {
			time.Sleep(rtt + nw.ListTime) // there and back, and the index's time
			index.serve(sw, r, bucket)
			stats.indexed.Add(1)
		} else {
			time.Sleep(rtt/2 + nw.ServerTime) // the request on its way there, and the store's own time
			rp.ServeHTTP(sw, r)

			if index != nil {
				index.forget(r)
			}
		}

		stats.mu.Lock()
		stats.trace = append(stats.trace, TracedRequest{
			Sent: sent, Answered: time.Since(stats.since), Method: r.Method, Path: r.URL.Path,
			Query: r.URL.RawQuery, Status: sw.status, NewConn: newConn,
		})
		slices.SortFunc(stats.trace, func(a, b TracedRequest) int { return cmp.Compare(a.Sent, b.Sent) })
		stats.mu.Unlock()
	})

	srv := &http.Server{ //nolint:gosec // test-only server on loopback
		Handler: handler,
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			stats.conns.Add(1)

			c := &acceptedConn{at: time.Now()}
			c.first.Store(true)

			return context.WithValue(ctx, connKey{}, c)
		},
		ReadHeaderTimeout: nw.CloseIdleAfter,
		IdleTimeout:       nw.CloseIdleAfter,
	}
	go srv.Serve(l) //nolint:errcheck

	t.Cleanup(func() { srv.Close() })

	return l.Addr().String(), stats
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
