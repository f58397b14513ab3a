package repo_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
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

// FuzzImportCorsoConfig: no file content panics the import, a refusal is a
// typed error that names the file, and an accepted file normalises to a
// fixed point.
func FuzzImportCorsoConfig(f *testing.F) {
	f.Add([]byte(cliS3Config))
	f.Add([]byte("provider = \"Filesystem\"\npath = \"/srv/corso repo\"\n"))
	f.Add([]byte("provider = \"S3\"\nbucket = \"s3://b\"\nprefix = \"p//\"\ndisable_tls = \"true\"\nendpoint = \"h:1\"\n"))
	f.Add([]byte("provider = [1, 2]\n[bucket]\nx = 1\n"))
	f.Add([]byte("\x00\xff = \""))
	f.Add([]byte("\xef\xbb\xbfprovider = 'S3'\r\nbucket = '''b'''\r\n"))

	dir := f.TempDir()
	p := filepath.Join(dir, ".corso.toml")

	f.Fuzz(func(t *testing.T, body []byte) {
		if err := os.WriteFile(p, body, 0o600); err != nil {
			t.Fatal(err)
		}

		cfg, err := repo.ImportCorsoConfig(p)
		if err != nil {
			if repo.CodeOf(err) != repo.CodeConfigFile || !strings.Contains(err.Error(), p) {
				t.Fatalf("refusal is not a config-file error naming the file: %v", err)
			}

			if got, _ := os.ReadFile(p); string(got) != string(body) {
				t.Fatal("a refused import changed the file")
			}

			return
		}

		again, err := repo.Normalize(cfg.Settings)
		if err != nil || !reflect.DeepEqual(again, cfg.Settings) {
			t.Fatalf("imported settings are not a fixed point: %#v -> %#v, %v", cfg.Settings, again, err)
		}
	})
}

var secretLike = regexp.MustCompile(`^[A-Za-z0-9+/_-]{8,}$`)

// FuzzImportNeverEchoesSecrets puts a secret, in any of the forms a user
// might type it (text, a bare number, inside a list or a table), into a
// secret key of an otherwise fuzzed file: whatever the import says, in
// the sentence or the details, never holds the secret.
func FuzzImportNeverEchoesSecrets(f *testing.F) {
	f.Add("31415926535897", uint8(1), []byte("provider = \"S3\"\nbucket = \"b\"\n"))
	f.Add("hunter2hunter2", uint8(0), []byte("provider = 42\n"))
	f.Add("s3cr3t-token-value", uint8(3), []byte("bucket = \"b\"\n"))
	f.Add("271828182845", uint8(2), []byte("provider = \"Filesystem\"\npath = \"\"\n"))
	f.Add("99999999999999999999999", uint8(5), []byte("[x]\n"))

	dir := f.TempDir()
	p := filepath.Join(dir, ".corso.toml")
	keys := []string{"passphrase", "aws_secret_access_key", "aws_session_token", "azure_secret"}

	f.Fuzz(func(t *testing.T, secret string, form uint8, rest []byte) {
		// A secret is a token (letters, digits, + / _ -) with a digit in
		// it, so that it can only be in a message by being repeated, never
		// by being a word of the message's own.
		if !secretLike.MatchString(secret) || !strings.ContainsAny(secret, "0123456789") ||
			strings.Contains(string(rest), secret) || strings.Contains(p, secret) {
			return
		}

		var value string

		switch form % 4 {
		case 0:
			value = `"` + secret + `"`
		case 1:
			value = secret // a bare number, or a TOML error
		case 2:
			value = `["` + secret + `"]`
		case 3:
			value = `{ x = "` + secret + `" }`
		}

		body := keys[int(form/4)%len(keys)] + " = " + value + "\n" + string(rest)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}

		_, err := repo.ImportCorsoConfig(p)
		if err == nil {
			return
		}

		var e *repo.Error
		if !errors.As(err, &e) {
			t.Fatalf("not a typed error: %v", err)
		}

		if strings.Contains(e.Error(), secret) || strings.Contains(e.Details(), secret) {
			t.Fatalf("the import's message repeats the secret:\n%s\n%s", e.Error(), e.Details())
		}
	})
}

// FuzzReadEngine: whatever bytes a helper writes, the app's reader of the
// engine protocol returns (a result or an error) without panicking, and a
// message over the size bound is refused, never buffered.
func FuzzReadEngine(f *testing.F) {
	f.Add([]byte(`{"progress":"Checking the location…"}` + "\n" + `{"done":true,"report":{"State":1}}` + "\n"))
	f.Add([]byte(`{"done":true,"err":{"code":3,"msg":"x","field":"path"}}`))
	f.Add([]byte("\x00\xff{\"done\":"))
	f.Add([]byte("garbage\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		repo.ReadEngine(bytes.NewReader(data)) //nolint:errcheck // only must not panic
	})
}

func TestReadEngineRefusesAnOversizedMessage(t *testing.T) {
	big := append(append([]byte(`{"progress":"`), bytes.Repeat([]byte("a"), repo.MaxEngineMessage)...), `"}`+"\n"...)
	if err := repo.ReadEngine(bytes.NewReader(big)); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Fatalf("an oversized message: %v", err)
	}
}
