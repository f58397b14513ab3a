package repo_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
)

// requireFixedPoint checks the normalisation contract on any input: no
// panic, and an accepted value normalises to itself.
func requireFixedPoint(t *testing.T, in repo.Settings) repo.Settings {
	t.Helper()

	n, err := in.Normalized()
	if err != nil {
		if _, ok := err.(repo.FieldErrors); !ok {
			t.Fatalf("%#v: error of type %T, want FieldErrors", in, err)
		}

		if err.Error() == "" {
			t.Fatalf("%#v: refused without a message", in)
		}

		return nil
	}

	again, err := n.Normalized()
	if err != nil {
		t.Fatalf("normalised %#v is refused on a second pass: %v", n, err)
	}

	if !reflect.DeepEqual(n, again) {
		t.Fatalf("not a fixed point:\n%#v\n%#v", n, again)
	}

	return n
}

func FuzzNormalizeFilesystem(f *testing.F) {
	for _, s := range []string{"~/corso-repo", "/tmp/x/../y", "relative/dir", "~", "~bob/x", "", " /a b/c ", "C:\\Users\\x", "/ünïcödé/📁"} {
		f.Add(s, "")
	}

	f.Add("/srv/repo", "backups/")

	f.Fuzz(func(t *testing.T, path, prefix string) {
		n := requireFixedPoint(t, repo.Filesystem{Path: path, Prefix: prefix})
		if n == nil {
			return
		}

		if prefix != "" {
			t.Fatalf("a filesystem prefix %q was accepted", prefix)
		}

		if p := n.(repo.Filesystem).Path; !strings.HasPrefix(p, "/") {
			t.Fatalf("path %q is not absolute", p)
		}
	})
}

func checkS3(t *testing.T, n repo.Settings) {
	t.Helper()

	var s repo.S3
	switch v := n.(type) {
	case repo.S3:
		s = v
	case repo.S3Compatible:
		s = v.S3

		if strings.Contains(v.Endpoint, "://") || strings.Contains(v.Endpoint, "/") {
			t.Fatalf("endpoint %q is not host[:port]", v.Endpoint)
		}
	}

	if strings.HasPrefix(s.Bucket, "s3://") || strings.Contains(s.Bucket, "/") {
		t.Fatalf("bucket %q kept a scheme or slash", s.Bucket)
	}

	if s.Prefix != "" && (!strings.HasSuffix(s.Prefix, "/") || strings.HasSuffix(s.Prefix, "//")) {
		t.Fatalf("prefix %q does not end in exactly one slash", s.Prefix)
	}
}

func FuzzNormalizeS3(f *testing.F) {
	f.Add("s3://corso-repo", "backups//", "eu-west-1", "keys", "AKIAEXAMPLE", "")
	f.Add("my.bucket", "", "", "environment", "", "")
	f.Add("Bad_Bucket", "/", "EU-WEST-1", "profile", "", "backup")
	f.Add("bucket/with/prefix", "a/b/c", "", "", "", "")

	f.Fuzz(func(t *testing.T, bucket, prefix, region, source, keyID, profile string) {
		n := requireFixedPoint(t, repo.S3{
			Bucket: bucket, Prefix: prefix, Region: region,
			Credentials: repo.Credentials{Source: repo.CredentialSource(source), AccessKeyID: keyID, Profile: profile},
		})
		if n != nil {
			checkS3(t, n)
		}
	})
}

func FuzzNormalizeS3Compatible(f *testing.F) {
	f.Add("corso", "p", "https://minio.example.com:9000/", false, false, "")
	f.Add("corso", "", "http://127.0.0.1:9000", true, false, "")
	f.Add("corso", "", "http://127.0.0.1:9000", false, false, "")
	f.Add("corso", "x//", "[::1]:9000", false, true, "")
	f.Add("corso", "", "::1", false, false, "/etc/ssl/ca.pem")
	f.Add("corso", "", "s3.amazonaws.com", true, true, "ca.pem")
	f.Add("corso", "", "host:99999", false, false, "")

	f.Fuzz(func(t *testing.T, bucket, prefix, endpoint string, noTLS, noVerify bool, caFile string) {
		in := repo.S3Compatible{
			S3:       repo.S3{Bucket: bucket, Prefix: prefix},
			Endpoint: endpoint, DisableTLS: noTLS, DisableTLSVerification: noVerify, CAFile: caFile,
		}

		n := requireFixedPoint(t, in)
		if n == nil {
			return
		}

		checkS3(t, n)

		if !noTLS && strings.HasPrefix(strings.ToLower(strings.TrimSpace(endpoint)), "http://") {
			t.Fatalf("plain-HTTP endpoint %q accepted with TLS on", endpoint)
		}
	})
}
