package repotest

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
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
