// Package repotest runs the real parts tests need: a MinIO server on
// 127.0.0.1 (over HTTP, or HTTPS with a certificate made at test time),
// proxies that delay, cut or count requests, the real engine helper
// binary, and assertions shared by the engine's tests. Only tests import
// it; it may import both engines.
package repotest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/madmin-go/v3"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
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

// Client is a root minio-go client, for setting up and inspecting buckets.
func (m *MinIO) Client(t testing.TB) *minio.Client {
	t.Helper()

	c, err := minio.New(m.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(RootUser, RootPassword, ""),
		Secure:    m.TLS,
		Transport: m.transport(),
		Region:    m.Region,
	})
	if err != nil {
		t.Fatal(err)
	}

	return c
}

var bucketSeq struct {
	sync.Mutex
	n int
}

// Bucket creates a new, empty bucket with a name unique to this test.
func (m *MinIO) Bucket(t testing.TB) string {
	t.Helper()

	return m.makeBucket(t, minio.MakeBucketOptions{})
}

// LockedBucket creates a new, empty bucket with S3 Object Lock enabled
// (and so versioning), as an immutable repository needs.
func (m *MinIO) LockedBucket(t testing.TB) string {
	t.Helper()

	return m.makeBucket(t, minio.MakeBucketOptions{ObjectLocking: true})
}

func (m *MinIO) makeBucket(t testing.TB, opts minio.MakeBucketOptions) string {
	t.Helper()

	bucketSeq.Lock()
	bucketSeq.n++
	n := bucketSeq.n
	bucketSeq.Unlock()

	name := strings.ToLower(fmt.Sprintf("t%d-%s", n, sanitize(t.Name())))
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-.")
	}

	if opts.Region == "" {
		opts.Region = m.Region
	}

	if err := m.Client(t).MakeBucket(context.Background(), name, opts); err != nil {
		t.Fatalf("make bucket %s: %v", name, err)
	}

	return name
}

func sanitize(s string) string {
	var b strings.Builder

	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}

	return strings.Trim(b.String(), "-")
}

// Objects lists every object key in bucket with its ETag, sorted, so tests
// can prove a listing did not change.
func (m *MinIO) Objects(t testing.TB, bucket string) []string {
	t.Helper()

	var keys []string

	for o := range m.Client(t).ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("list %s: %v", bucket, o.Err)
		}

		keys = append(keys, o.Key+" "+o.ETag)
	}

	sort.Strings(keys)

	return keys
}

// Put writes one object, for tests that need foreign data in a bucket.
func (m *MinIO) Put(t testing.TB, bucket, key, body string) {
	t.Helper()

	_, err := m.Client(t).PutObject(context.Background(), bucket, key, strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// Remove deletes one object, for tests that take part of a repository away.
func (m *MinIO) Remove(t testing.TB, bucket, key string) {
	t.Helper()

	if err := m.Client(t).RemoveObject(context.Background(), bucket, key, minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

// AddUser creates a user allowed exactly the given S3 actions on bucket.
func (m *MinIO) AddUser(t testing.TB, user, secret, bucket string, actions []string) {
	t.Helper()
	m.AddUserDenied(t, user, secret, bucket, actions, nil)
}

// AddUserDenied creates a user allowed the given S3 actions on bucket and
// explicitly denied others (MinIO lets an allowed s3:DeleteObject delete
// a version unless s3:DeleteObjectVersion is denied).
func (m *MinIO) AddUserDenied(t testing.TB, user, secret, bucket string, actions, denied []string) {
	t.Helper()

	adm, err := madmin.NewWithOptions(m.Endpoint, &madmin.Options{
		Creds:     credentials.NewStaticV4(RootUser, RootPassword, ""),
		Secure:    m.TLS,
		Transport: m.transport(),
	})
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	if err := adm.AddUser(ctx, user, secret); err != nil {
		t.Fatalf("add user: %v", err)
	}

	statement := func(effect string, actions []string) string {
		quoted := make([]string, len(actions))
		for i, a := range actions {
			quoted[i] = `"` + a + `"`
		}

		return fmt.Sprintf(`{"Effect":"%s","Action":[%s],"Resource":["arn:aws:s3:::%s","arn:aws:s3:::%s/*"]}`, effect, strings.Join(quoted, ","), bucket, bucket)
	}

	statements := statement("Allow", actions)
	if len(denied) > 0 {
		statements += "," + statement("Deny", denied)
	}

	policy := `{"Version":"2012-10-17","Statement":[` + statements + `]}`
	name := "p-" + user

	if err := adm.AddCannedPolicy(ctx, name, []byte(policy)); err != nil {
		t.Fatalf("add policy: %v", err)
	}

	if _, err := adm.AttachPolicy(ctx, madmin.PolicyAssociationReq{Policies: []string{name}, User: user}); err != nil {
		t.Fatalf("attach policy: %v", err)
	}
}

// TemporaryCredentials asks MinIO's STS for short-lived keys of user (made
// with AddUser): an access key, a secret key and a session token, as an
// assumed IAM role would give.
func (m *MinIO) TemporaryCredentials(t testing.TB, user, secret string) (accessKey, secretKey, sessionToken string) {
	t.Helper()

	sts := &credentials.STSAssumeRole{
		STSEndpoint: m.scheme() + "://" + m.Endpoint,
		Client:      &http.Client{Transport: m.transport()},
		Options: credentials.STSAssumeRoleOptions{
			AccessKey: user, SecretKey: secret, DurationSeconds: 900,
		},
	}

	v, err := sts.Retrieve()
	if err != nil || v.SessionToken == "" {
		t.Fatalf("STS AssumeRole: %v", err)
	}

	return v.AccessKeyID, v.SecretAccessKey, v.SessionToken
}

// VersionedBucket makes a bucket that keeps every version of an object
// (S3 versioning, without object lock).
func (m *MinIO) VersionedBucket(t testing.TB) string {
	t.Helper()

	name := m.makeBucket(t, minio.MakeBucketOptions{})
	if err := m.Client(t).EnableVersioning(context.Background(), name); err != nil {
		t.Fatalf("versioning on %s: %v", name, err)
	}

	return name
}

// Versions lists every version and delete marker in bucket under prefix,
// as "key version-id" ("key version-id marker" for a delete marker).
func (m *MinIO) Versions(t testing.TB, bucket, prefix string) []string {
	t.Helper()

	var out []string

	for o := range m.Client(t).ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			t.Fatalf("versions in %s: %v", bucket, o.Err)
		}

		v := o.Key + " " + o.VersionID
		if o.IsDeleteMarker {
			v += " marker"
		}

		out = append(out, v)
	}

	sort.Strings(out)

	return out
}
