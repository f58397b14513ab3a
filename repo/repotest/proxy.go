package repotest

import (
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Proxy puts a plain-HTTP reverse proxy in front of a plain-HTTP server and
// calls after for every response it forwards, before the client sees it.
// Tests use it to stop the server at an exact point of a request sequence.
// When the server is down the proxy drops the connection, as a dead
// server would.
func (m *MinIO) Proxy(t testing.TB, after func(r *http.Request, status int)) string {
	t.Helper()

	if m.TLS {
		t.Fatal("repotest: Proxy needs a plain-HTTP server")
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	target := &url.URL{Scheme: "http", Host: m.Endpoint}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		if after != nil {
			after(resp.Request, resp.StatusCode)
		}

		return nil
	}
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}

		w.WriteHeader(http.StatusBadGateway)
	}

	srv := &http.Server{Handler: rp} //nolint:gosec // test-only server on loopback
	go srv.Serve(l)                  //nolint:errcheck

	t.Cleanup(func() { srv.Close() })

	return l.Addr().String()
}

// Fault is what FaultProxy does with one request.
type Fault int

// The faults a proxy can inject.
const (
	// Forward passes the request on.
	Forward Fault = iota
	// Stall holds the request and never answers, as a hung server does.
	Stall
	// Cut drops the connection without an answer.
	Cut
)

// FaultProxy puts a plain-HTTP proxy in front of m that asks decide what
// to do with each request: forward it, stall it (until the test ends) or
// cut the connection.
func (m *MinIO) FaultProxy(t testing.TB, decide func(r *http.Request) Fault) string {
	t.Helper()

	stalled := make(chan struct{})
	inner := m.Proxy(t, nil)
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: inner})

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch decide(r) {
		case Stall:
			select {
			case <-stalled:
			case <-r.Context().Done():
			}

			fallthrough
		case Cut:
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
		default:
			rp.ServeHTTP(w, r)
		}
	})

	srv := &http.Server{Handler: handler} //nolint:gosec // test-only server on loopback
	go srv.Serve(l)                       //nolint:errcheck

	t.Cleanup(func() {
		close(stalled)
		srv.Close()
	})

	return l.Addr().String()
}

// Silent is an address that accepts connections and never answers, and a
// count of the connections it accepted so far.
func Silent(t testing.TB) (string, func() int) {
	t.Helper()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	var (
		mu   sync.Mutex
		held []net.Conn
	)

	done := make(chan struct{})

	go func() {
		defer close(done)

		for {
			c, err := l.Accept()
			if err != nil {
				return
			}

			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()

	t.Cleanup(func() {
		l.Close()
		<-done

		for _, c := range held {
			c.Close()
		}
	})

	return l.Addr().String(), func() int {
		mu.Lock()
		defer mu.Unlock()

		return len(held)
	}
}

// S3Error is an error answer a proxy gives in place of the store's.
type S3Error struct {
	Status        int
	Code, Message string
}

// ErrorProxy puts a plain-HTTP proxy in front of m that answers each
// request decide returns an S3Error for with that error, as S3 writes it,
// and forwards the others: a store or a proxy refusing what MinIO
// accepts.
func (m *MinIO) ErrorProxy(t testing.TB, decide func(r *http.Request) *S3Error) string {
	t.Helper()

	inner := m.Proxy(t, nil)
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: inner})

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := decide(r)
		if e == nil {
			rp.ServeHTTP(w, r)
			return
		}

		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("X-Amz-Request-Id", "corso-desktop-test")
		w.WriteHeader(e.Status)

		if r.Method != http.MethodHead {
			var msg strings.Builder
			xml.EscapeText(&msg, []byte(e.Message)) //nolint:errcheck

			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Error><Code>%s</Code><Message>%s</Message><Resource>%s</Resource><RequestId>corso-desktop-test</RequestId></Error>`,
				e.Code, msg.String(), r.URL.Path)
		}
	})

	srv := &http.Server{Handler: handler} //nolint:gosec // test-only server on loopback
	go srv.Serve(l)                       //nolint:errcheck

	t.Cleanup(func() { srv.Close() })

	return l.Addr().String()
}
