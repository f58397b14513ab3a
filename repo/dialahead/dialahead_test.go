package dialahead_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo/dialahead"
)

// server is an HTTP server on loopback that counts the connections it
// accepted and can close them all, as a store closes idle ones.
type server struct {
	addr     string
	accepted atomic.Int32
	srv      *http.Server
	mu       sync.Mutex
	conns    []net.Conn
}

func newServer(t *testing.T) *server {
	t.Helper()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	s := &server{addr: l.Addr().String()}
	s.srv = &http.Server{ //nolint:gosec // loopback test server
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }), //nolint:errcheck
		ConnState: func(c net.Conn, st http.ConnState) {
			if st == http.StateNew {
				s.accepted.Add(1)
				s.mu.Lock()
				s.conns = append(s.conns, c)
				s.mu.Unlock()
			}
		},
	}

	go s.srv.Serve(l) //nolint:errcheck

	t.Cleanup(func() { s.srv.Close() })

	return s
}

func (s *server) get(t *testing.T, p *dialahead.Pool) {
	t.Helper()

	c := &http.Client{Transport: &http.Transport{DialContext: p.Dial}, Timeout: 5 * time.Second}

	res, err := c.Get("http://" + s.addr + "/")
	if err != nil {
		t.Fatal(err)
	}

	body, _ := io.ReadAll(res.Body)
	res.Body.Close()

	if string(body) != "ok" {
		t.Fatalf("answer %q", body)
	}

	c.CloseIdleConnections()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()

	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}

		time.Sleep(5 * time.Millisecond)
	}
}

// A request takes a connection opened ahead instead of dialling.
func TestRequestsUseTheConnectionsOpenedAhead(t *testing.T) {
	s := newServer(t)
	p := dialahead.New()
	t.Cleanup(p.Close)

	p.Open(context.Background(), []string{s.addr}, 2)
	waitFor(t, "two connections", func() bool { return p.Waiting(s.addr) == 2 })

	s.get(t, p)
	s.get(t, p)

	if got := s.accepted.Load(); got != 2 {
		t.Fatalf("the server accepted %d connections, want the 2 opened ahead", got)
	}

	if p.Taken() != 2 {
		t.Fatalf("%d connections taken from the pool, want 2", p.Taken())
	}

	// Beyond what was opened ahead, requests dial as usual.
	s.get(t, p)

	if got := s.accepted.Load(); got != 3 {
		t.Fatalf("the server accepted %d connections, want 3", got)
	}
}

// Connections the server closed while they waited are noticed when taken:
// the request dials a new one and succeeds.
func TestConnectionsTheServerClosedAreReplaced(t *testing.T) {
	s := newServer(t)
	p := dialahead.New()
	t.Cleanup(p.Close)

	p.Open(context.Background(), []string{s.addr}, 2)
	waitFor(t, "two connections", func() bool { return p.Waiting(s.addr) == 2 })

	// The store closes its idle connections.
	waitFor(t, "the server to see them", func() bool { return s.accepted.Load() == 2 })
	closeIdle(t, s)

	s.get(t, p)

	if p.Taken() != 0 {
		t.Fatalf("a connection the server had closed was handed to a request")
	}

	if got := s.accepted.Load(); got != 3 {
		t.Fatalf("the server accepted %d connections, want a third for the request", got)
	}
}

// closeIdle closes, on the server's side, every connection it has
// accepted, as a store does with connections that sent nothing for a
// while.
func closeIdle(t *testing.T, s *server) {
	t.Helper()

	s.mu.Lock()
	defer s.mu.Unlock()

	for _, c := range s.conns {
		c.Close()
	}

	s.conns = nil
	time.Sleep(20 * time.Millisecond) // the close reaching the other end
}

// Asked again for the same address it keeps what it has; asked for
// another, it closes what it held.
func TestOpenForAnotherAddressClosesTheOld(t *testing.T) {
	a, b := newServer(t), newServer(t)
	p := dialahead.New()
	t.Cleanup(p.Close)

	p.Open(context.Background(), []string{a.addr}, 2)
	waitFor(t, "two connections to a", func() bool { return p.Waiting(a.addr) == 2 })

	p.Open(context.Background(), []string{a.addr}, 2)
	time.Sleep(50 * time.Millisecond)

	if got := a.accepted.Load(); got != 2 || p.Waiting(a.addr) != 2 {
		t.Fatalf("asked again for the same address: %d accepted, %d waiting; want 2 and 2", got, p.Waiting(a.addr))
	}

	p.Open(context.Background(), []string{b.addr}, 1)
	waitFor(t, "one connection to b", func() bool { return p.Waiting(b.addr) == 1 })

	if p.Waiting(a.addr) != 0 {
		t.Fatalf("%d connections to the old address still wait", p.Waiting(a.addr))
	}
}

// After Settle nothing more is dialled ahead; what waits is still used.
func TestSettleStopsOpening(t *testing.T) {
	s := newServer(t)
	p := dialahead.New()
	t.Cleanup(p.Close)

	var dials atomic.Int32

	d := &net.Dialer{}
	p.SetDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, addr)
	})

	p.Open(context.Background(), []string{s.addr}, 1)
	waitFor(t, "one connection", func() bool { return p.Waiting(s.addr) == 1 })
	p.Settle()

	s.get(t, p)

	if dials.Load() != 1 || p.Taken() != 1 {
		t.Fatalf("%d dials and %d taken, want 1 and 1", dials.Load(), p.Taken())
	}
}

// A dial that fails is left to the operation: nothing waits, the request
// dials itself and gets the error.
func TestAnAddressThatRefusesIsLeftToTheRequest(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	addr := l.Addr().String()
	l.Close()

	p := dialahead.New()
	t.Cleanup(p.Close)

	p.Open(context.Background(), []string{addr}, 2)
	time.Sleep(100 * time.Millisecond)

	if p.Waiting(addr) != 0 {
		t.Fatal("a refused address has connections waiting")
	}

	if _, err := p.Dial(context.Background(), "tcp", addr); err == nil {
		t.Fatal("a dial to a closed port succeeded")
	}
}

// While it waits, each connection is replaced as it grows old; once the
// pool has waited long enough (or settled), the old ones are dropped and
// none replaces them.
func TestConnectionsAreKeptFreshThenDropped(t *testing.T) {
	s := newServer(t)
	p := dialahead.NewAged(200*time.Millisecond, 2*time.Second)
	t.Cleanup(p.Close)

	p.Open(context.Background(), []string{s.addr}, 2)
	waitFor(t, "replacements", func() bool { return s.accepted.Load() >= 6 })

	waitFor(t, "two waiting while kept fresh", func() bool { return p.Waiting(s.addr) == 2 })

	waitFor(t, "the old ones to be dropped", func() bool { return p.Waiting(s.addr) == 0 })

	accepted := s.accepted.Load()
	time.Sleep(400 * time.Millisecond)

	if s.accepted.Load() != accepted {
		t.Fatal("connections were still opened after KeepFor")
	}
}

// A connection is replaced by dialling the fresh one first: while the
// pool keeps them fresh, a request never finds fewer waiting than asked.
func TestAReplacementNeverLeavesThePoolShort(t *testing.T) {
	s := newServer(t)
	p := dialahead.NewAged(60*time.Millisecond, 5*time.Second)
	t.Cleanup(p.Close)

	p.Open(context.Background(), []string{s.addr}, 2)
	waitFor(t, "two waiting", func() bool { return p.Waiting(s.addr) == 2 })

	start := s.accepted.Load()
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
		if n := p.Waiting(s.addr); n != 2 {
			t.Fatalf("%d waiting while they were kept fresh, want 2", n)
		}
	}

	if s.accepted.Load() < start+6 {
		t.Fatalf("%d replacements in a second of 60 ms ages, want them replaced", s.accepted.Load()-start)
	}
}

// Asked again for the same address once it stopped keeping connections
// (KeepFor passed), it opens them again.
func TestOpenAgainAfterKeepFor(t *testing.T) {
	s := newServer(t)
	p := dialahead.NewAged(200*time.Millisecond, 300*time.Millisecond)
	t.Cleanup(p.Close)

	p.Open(context.Background(), []string{s.addr}, 1)
	waitFor(t, "one connection", func() bool { return p.Waiting(s.addr) == 1 })
	waitFor(t, "it to be dropped", func() bool { return p.Waiting(s.addr) == 0 })
	time.Sleep(200 * time.Millisecond)

	p.Open(context.Background(), []string{s.addr}, 1)
	waitFor(t, "a connection opened again", func() bool { return p.Waiting(s.addr) == 1 })
}
