// Package repotest runs the real parts tests need: a MinIO server on
// 127.0.0.1 (over HTTP, or HTTPS with a certificate made at test time),
// proxies that delay, cut or count requests, the real engine helper
// binary, and assertions shared by the engine's tests. Only tests import
// it; it may import both engines.
package repotest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Root credentials of every test server.
const (
	RootUser     = "corso-desktop-root"
	RootPassword = "corso-desktop-root-secret-3141"
)

// MinIO is one running MinIO server.
type MinIO struct {
	// Endpoint is host:port on 127.0.0.1.
	Endpoint string
	// TLS is true when the server speaks HTTPS; CAFile then holds the PEM
	// of the CA that signed its certificate.
	TLS    bool
	CAFile string
	// Region is the server's region, "" for us-east-1.
	Region string

	dataDir  string
	certsDir string
	logFile  string
	cmd      *exec.Cmd
	mu       sync.Mutex
}

// Binary finds the MinIO binary: $MINIO_BIN, else .tools/minio at the top
// of the repository. Without it the test skips, or fails when CI is set.
func Binary(t testing.TB) string {
	t.Helper()

	if p := os.Getenv("MINIO_BIN"); p != "" {
		return p
	}

	if root, err := moduleRoot(); err == nil {
		p := filepath.Join(root, ".tools", "minio")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}

	Missing(t, "MinIO binary (run `make tools` or set MINIO_BIN)")

	return ""
}

// Missing skips a test whose real dependency is absent, except under CI,
// where a missing dependency must fail the run instead of hiding it.
func Missing(t testing.TB, what string) {
	t.Helper()

	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing, and CI=true forbids skipping", what)
	}

	t.Skipf("%s is missing; skipping", what)
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}

	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/corsodesktop/corso-desktop\n")) {
			return dir, nil
		}

		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}

		dir = parent
	}
}

// Options choose how a server is started.
type Options struct {
	TLS bool
	// Region is the server's region (MINIO_SITE_REGION); empty is
	// us-east-1. Shared servers have none.
	Region string
}

// Start runs a new MinIO server for this test and stops it at the end.
func Start(t testing.TB, opts Options) *MinIO {
	t.Helper()

	bin := Binary(t)
	dir := t.TempDir()

	m := &MinIO{
		TLS:      opts.TLS,
		Region:   opts.Region,
		dataDir:  filepath.Join(dir, "data"),
		certsDir: filepath.Join(dir, "certs"),
		logFile:  filepath.Join(dir, "minio.log"),
	}

	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}

	m.Endpoint = fmt.Sprintf("127.0.0.1:%d", port)

	if err := os.MkdirAll(m.certsDir, 0o700); err != nil {
		t.Fatal(err)
	}

	if opts.TLS {
		ca, err := writeSelfSignedCerts(m.certsDir)
		if err != nil {
			t.Fatal(err)
		}

		m.CAFile = filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(m.CAFile, ca, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	if err := m.start(bin); err != nil {
		t.Fatal(err)
	}

	t.Cleanup(m.Stop)

	return m
}

var (
	sharedMu sync.Mutex
	shared   = map[bool]*MinIO{}
	sharedT  = map[bool]*sharedTB{}
)

// Shared returns a server shared by every test of the package, so a suite
// does not pay MinIO's start-up per test. Tests must use their own buckets.
// Call StopShared from TestMain.
func Shared(t testing.TB, opts Options) *MinIO {
	t.Helper()
	Binary(t)

	if opts.Region != "" {
		t.Fatal("repotest: a server with a region of its own is started, not shared")
	}

	sharedMu.Lock()
	defer sharedMu.Unlock()

	if m := shared[opts.TLS]; m != nil {
		return m
	}

	st := &sharedTB{TB: t}
	m := Start(st, opts)
	shared[opts.TLS] = m
	sharedT[opts.TLS] = st

	return m
}

// StopShared stops the servers Shared started.
func StopShared() {
	sharedMu.Lock()
	defer sharedMu.Unlock()

	for k, st := range sharedT {
		st.cleanup()
		delete(shared, k)
		delete(sharedT, k)
	}
}

// sharedTB outlives the test that started a shared server: its temp dir
// and cleanups run at StopShared instead of at that test's end.
type sharedTB struct {
	testing.TB
	dirs     []string
	cleanups []func()
}

func (s *sharedTB) TempDir() string {
	d, err := os.MkdirTemp("", "corso-desktop-minio-")
	if err != nil {
		s.Fatal(err)
	}

	s.dirs = append(s.dirs, d)

	return d
}

func (s *sharedTB) Cleanup(f func()) { s.cleanups = append(s.cleanups, f) }

func (s *sharedTB) cleanup() {
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}

	for _, d := range s.dirs {
		os.RemoveAll(d) //nolint:errcheck
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()

	return l.Addr().(*net.TCPAddr).Port, nil
}

func (m *MinIO) start(bin string) error {
	m.mu.Lock()
	defer m.mu.Unlock()

	logf, err := os.OpenFile(m.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()

	cmd := exec.Command(bin, "server", m.dataDir, "--quiet",
		"--address", m.Endpoint, "--console-address", "127.0.0.1:0",
		"--certs-dir", m.certsDir)
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+RootUser,
		"MINIO_ROOT_PASSWORD="+RootPassword,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_CI_CD=1",
	)
	if m.Region != "" {
		cmd.Env = append(cmd.Env, "MINIO_SITE_REGION="+m.Region)
	}
	cmd.Stdout = logf
	cmd.Stderr = logf

	if err := cmd.Start(); err != nil {
		return err
	}

	m.cmd = cmd

	return m.waitReady()
}

func (m *MinIO) scheme() string {
	if m.TLS {
		return "https"
	}

	return "http"
}

func (m *MinIO) waitReady() error {
	client := &http.Client{
		Timeout:   time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec // readiness probe only
	}

	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get(m.scheme() + "://" + m.Endpoint + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()

			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}

		time.Sleep(100 * time.Millisecond)
	}

	log, _ := os.ReadFile(m.logFile)

	return fmt.Errorf("minio did not become ready on %s: %s", m.Endpoint, log)
}

// Stop kills the server; its data stays for Restart.
func (m *MinIO) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()

	if m.cmd == nil {
		return
	}

	m.cmd.Process.Kill() //nolint:errcheck
	m.cmd.Wait()         //nolint:errcheck
	m.cmd = nil
}

// Restart starts a stopped server again on the same port and data.
func (m *MinIO) Restart(t testing.TB) {
	t.Helper()

	if err := m.start(Binary(t)); err != nil {
		t.Fatal(err)
	}
}

func (m *MinIO) transport() http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()

	if m.TLS {
		pool := x509.NewCertPool()
		pem, _ := os.ReadFile(m.CAFile)
		pool.AppendCertsFromPEM(pem)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}

	return tr
}
