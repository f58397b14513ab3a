package corsoconfig_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
)

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

		cfg, err := corsoconfig.Import(p)
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

		_, err := corsoconfig.Import(p)
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
