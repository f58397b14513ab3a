package repotest

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// LatencyStats counts what crossed a LatencyProxy since the last Reset.
type LatencyStats struct {
	mu       sync.Mutex
	requests map[string]int
	conns    atomic.Int32
}

// Reset starts counting afresh.
func (s *LatencyStats) Reset() {
	s.mu.Lock()
	s.requests = map[string]int{}
	s.mu.Unlock()
	s.conns.Store(0)
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

type connKey struct{}

// LatencyProxy puts a plain-HTTP proxy in front of m that behaves like a
// store rtt away: each request reaches MinIO rtt/2 after it was sent, each
// answer comes back rtt/2 after MinIO gave it, and a new connection costs
// one more rtt (its handshake) before its first request goes on. It counts
// requests by method and new connections (stats).
func (m *MinIO) LatencyProxy(t testing.TB, rtt time.Duration) (string, *LatencyStats) {
	t.Helper()

	if m.TLS {
		t.Fatal("repotest: LatencyProxy needs a plain-HTTP server")
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	stats := &LatencyStats{requests: map[string]int{}}

	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: m.Endpoint})
	rp.ModifyResponse = func(*http.Response) error {
		time.Sleep(rtt / 2) // the answer on its way back
		return nil
	}

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stats.mu.Lock()
		stats.requests[r.Method]++
		stats.mu.Unlock()

		if first, ok := r.Context().Value(connKey{}).(*atomic.Bool); ok && first.CompareAndSwap(true, false) {
			time.Sleep(rtt) // the new connection's handshake
		}

		time.Sleep(rtt / 2) // the request on its way there
		rp.ServeHTTP(w, r)
	})

	srv := &http.Server{ //nolint:gosec // test-only server on loopback
		Handler: handler,
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			stats.conns.Add(1)

			first := &atomic.Bool{}
			first.Store(true)

			return context.WithValue(ctx, connKey{}, first)
		},
	}
	go srv.Serve(l) //nolint:errcheck

	t.Cleanup(func() { srv.Close() })

	return l.Addr().String(), stats
}
