package repotest

// Buckets, objects and users on a test server: what tests set up and
// inspect with MinIO's own clients.

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/minio/madmin-go/v3"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

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
