package corsoconfig_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// A file the way `corso repo init s3` leaves it, plus secrets a user typed.
const cliS3Config = `account_provider = "M365"
azure_tenantid = "8b0d9d49-0000-4000-8000-1234567890ab"
bucket = "corso-backups"
disable_tls = false
disable_tls_verification = false
endpoint = "minio.example.net:9000"
prefix = "tenant-a/"
provider = "S3"
repo_id = "0b3c3cc5-1f8f-4a5b-9d7e-6c1c2c5f3a10"
passphrase = "hunter2 but longer"
aws_access_key_id = "AKIAEXAMPLE"
aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
`

func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()

	p := filepath.Join(dir, ".corso.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	return p
}

func TestImportCorsoConfigS3WithSecrets(t *testing.T) {
	p := writeConfig(t, t.TempDir(), cliS3Config)
	before, _ := os.ReadFile(p)

	cfg, err := corsoconfig.Import(p)
	if err != nil {
		t.Fatal(err)
	}

	want := repo.S3Compatible{
		S3: repo.S3{Bucket: "corso-backups", Prefix: "tenant-a/",
			Credentials: repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: "AKIAEXAMPLE"}},
		Endpoint: "minio.example.net:9000",
	}
	if !reflect.DeepEqual(cfg.Settings, want) {
		t.Fatalf("settings = %#v\nwant %#v", cfg.Settings, want)
	}

	if cfg.Secrets.Passphrase != "hunter2 but longer" || cfg.Secrets.S3.SecretAccessKey != "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" {
		t.Fatal("the secrets in the file were not picked up for the keychain")
	}

	if got := strings.Join(cfg.SecretKeys, ","); got != "passphrase,aws_access_key_id,aws_secret_access_key" {
		t.Fatalf("SecretKeys = %s", got)
	}

	if after, _ := os.ReadFile(p); string(after) != string(before) {
		t.Fatal("import changed the file")
	}
}

func TestImportCorsoConfigVariants(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)

	cases := []struct {
		name, body string
		want       repo.Settings
	}{
		{"aws", "provider = \"S3\"\nbucket = \"s3://bk1\"\nendpoint = \"s3.amazonaws.com\"\nprefix = \"x//\"\n",
			repo.S3{Bucket: "bk1", Prefix: "x/", Credentials: repo.Credentials{Source: repo.CredentialsEnvironment}}},
		{"quoted booleans", "provider = \"S3\"\nbucket = \"bk2\"\nendpoint = \"127.0.0.1:9000\"\ndisable_tls = \"true\"\n",
			repo.S3Compatible{S3: repo.S3{Bucket: "bk2", Credentials: repo.Credentials{Source: repo.CredentialsEnvironment}}, Endpoint: "127.0.0.1:9000", DisableTLS: true}},
		{"filesystem with spaces and non-ASCII", "provider = \"Filesystem\"\npath = \"~/Sauvegardes Corso/dépôt ü\"\n",
			repo.Filesystem{Path: filepath.Join(home, "Sauvegardes Corso", "dépôt ü")}},
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := corsoconfig.Import(writeConfig(t, t.TempDir(), c.body))
			if err != nil {
				t.Fatal(err)
			}

			if !reflect.DeepEqual(cfg.Settings, c.want) {
				t.Fatalf("got %#v\nwant %#v", cfg.Settings, c.want)
			}

			if len(cfg.SecretKeys) != 0 {
				t.Fatalf("no secrets in the file, but SecretKeys = %v", cfg.SecretKeys)
			}
		})
	}
}

func TestImportCorsoConfigRefusals(t *testing.T) {
	cases := map[string]string{
		"not TOML":            "provider = \"S3\nbucket = ",
		"no provider":         "bucket = \"b\"\n",
		"unknown provider":    "provider = \"Azure\"\n",
		"wrong type":          "provider = \"S3\"\nbucket = 42\n",
		"bad boolean":         "provider = \"S3\"\nbucket = \"b\"\ndisable_tls = \"maybe\"\n",
		"URL endpoint":        "provider = \"S3\"\nbucket = \"b\"\nendpoint = \"http://h:9000\"\n",
		"filesystem + prefix": "provider = \"Filesystem\"\npath = \"/tmp/r\"\nprefix = \"p\"\n",
	}

	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			p := writeConfig(t, t.TempDir(), body)

			_, err := corsoconfig.Import(p)
			repotest.RequireCode(t, err, repo.CodeConfigFile)

			if !strings.Contains(err.Error(), p) {
				t.Fatalf("message does not say which file: %q", err)
			}

			if after, _ := os.ReadFile(p); string(after) != body {
				t.Fatal("a refused import changed the file")
			}
		})
	}

	_, err := corsoconfig.Import(filepath.Join(t.TempDir(), ".corso.toml"))
	repotest.RequireCode(t, err, repo.CodeConfigFile)
}

func TestCorsoConfigPath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("CORSO_CONFIG_DIR", filepath.Join(home, "missing"))

	if got := corsoconfig.DefaultPath(); got != filepath.Join(home, ".corso.toml") {
		t.Fatalf("with a missing CORSO_CONFIG_DIR: %s", got)
	}

	dir := filepath.Join(home, "corso conf")
	os.Mkdir(dir, 0o700) //nolint:errcheck
	t.Setenv("CORSO_CONFIG_DIR", dir)

	if got := corsoconfig.DefaultPath(); got != filepath.Join(dir, ".corso.toml") {
		t.Fatalf("with CORSO_CONFIG_DIR: %s", got)
	}
}

func TestExportCorsoConfigRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Dossier partagé", "ünïcode dir")

	settings := []repo.Settings{
		repo.Filesystem{Path: filepath.Join(dir, "my repo")},
		repo.S3{Bucket: "bkt", Prefix: "a/b/", Credentials: repo.Credentials{Source: repo.CredentialsEnvironment}},
		repo.S3Compatible{S3: repo.S3{Bucket: "bkt", Credentials: repo.Credentials{Source: repo.CredentialsEnvironment}},
			Endpoint: "127.0.0.1:9000", DisableTLS: true},
	}

	for _, s := range settings {
		p := filepath.Join(dir, string(s.Kind()), ".corso.toml")

		res, err := corsoconfig.Export(p, s, corsoconfig.ExportOptions{})
		if err != nil {
			t.Fatal(err)
		}

		if res.Backup != "" {
			t.Fatal("a backup of nothing")
		}

		fi, _ := os.Stat(p)
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("exported file mode %v", fi.Mode())
		}

		cfg, err := corsoconfig.Import(p)
		if err != nil {
			t.Fatal(err)
		}

		if !reflect.DeepEqual(cfg.Settings, s) {
			t.Fatalf("round trip of %s: got %#v", s.Kind(), cfg.Settings)
		}

		var raw map[string]any
		data, _ := os.ReadFile(p)

		if err := toml.Unmarshal(data, &raw); err != nil {
			t.Fatal(err)
		}

		if id, _ := raw["repo_id"].(string); len(id) != 36 {
			t.Fatalf("repo_id %q is not a UUID", raw["repo_id"])
		}
	}
}

func TestExportKeepsM365KeysDropsSecretsAndBacksUp(t *testing.T) {
	p := writeConfig(t, t.TempDir(), cliS3Config)
	target := repo.Filesystem{Path: filepath.Join(t.TempDir(), "repo")}

	_, err := corsoconfig.Export(p, target, corsoconfig.ExportOptions{})
	repotest.RequireCode(t, err, repo.CodeConfigExists)

	if got, _ := os.ReadFile(p); string(got) != cliS3Config {
		t.Fatal("an unconfirmed export changed the file")
	}

	res, err := corsoconfig.Export(p, target, corsoconfig.ExportOptions{Replace: true})
	if err != nil {
		t.Fatal(err)
	}

	if got, _ := os.ReadFile(res.Backup); string(got) != cliS3Config {
		t.Fatal("the backup is not the previous file")
	}

	if got := strings.Join(res.DroppedSecrets, ","); got != "passphrase,aws_access_key_id,aws_secret_access_key" {
		t.Fatalf("DroppedSecrets = %s", got)
	}

	data, _ := os.ReadFile(p)
	for _, secret := range []string{"hunter2", "wJalrXUtnFEMI", "AKIAEXAMPLE"} {
		if strings.Contains(string(data), secret) {
			t.Fatalf("export wrote a secret:\n%s", data)
		}
	}

	var raw map[string]any
	if err := toml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}

	for k, want := range map[string]string{
		"account_provider": "M365", "azure_tenantid": "8b0d9d49-0000-4000-8000-1234567890ab",
		"provider": "Filesystem", "path": target.Path, "repo_id": res.RepoID,
	} {
		if raw[k] != want {
			t.Fatalf("%s = %v, want %s", k, raw[k], want)
		}
	}

	// The file described another repository: its repo_id is not this one's.
	if res.RepoID == "0b3c3cc5-1f8f-4a5b-9d7e-6c1c2c5f3a10" {
		t.Fatal("the previous repository's repo_id was given to another repository")
	}

	for _, k := range []string{"bucket", "endpoint", "prefix"} {
		if _, ok := raw[k]; ok {
			t.Fatalf("the S3 key %s was left next to a filesystem provider", k)
		}
	}
}

// TestImportNeverRepeatsASecret: the values the issue found echoed in
// import errors (an unquoted number, a list, a table, a secret key in the
// parser's details) appear in neither the sentence nor the details.
func TestImportNeverRepeatsASecret(t *testing.T) {
	cases := map[string]struct{ body, secret string }{
		"number passphrase":     {"provider = \"S3\"\nbucket = \"b\"\npassphrase = 31415926535897\n", "31415926535897"},
		"passphrase in a list":  {"provider = \"S3\"\nbucket = \"b\"\npassphrase = [\"open-sesame-42\"]\n", "open-sesame-42"},
		"token in a table":      {"provider = \"S3\"\nbucket = \"b\"\n[aws_session_token]\nvalue = \"FwoGZXIvYXdzEBAaDH\"\n", "FwoGZXIvYXdzEBAaDH"},
		"numeric secret key":    {"provider = \"S3\"\nbucket = \"b\"\naws_secret_access_key = 12345678901234567890123\n", "12345678901234567890123"},
		"unquoted secret":       {"provider = \"S3\"\npassphrase = hunter2-unquoted\n", "hunter2-unquoted"},
		"secret in bad boolean": {"provider = \"S3\"\nbucket = \"b\"\ndisable_tls = \"tr0ub4dor&3\"\n", "tr0ub4dor&3"},
	}

	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := writeConfig(t, t.TempDir(), c.body)

			_, err := corsoconfig.Import(p)
			repotest.RequireCode(t, err, repo.CodeConfigFile)

			var e *repo.Error
			if !errors.As(err, &e) {
				t.Fatal(err)
			}

			if strings.Contains(e.Error(), c.secret) || strings.Contains(e.Details(), c.secret) {
				t.Fatalf("the secret is repeated:\n%s\n%s", e.Error(), e.Details())
			}
		})
	}
}

// TestInspectSaysWhatAFileHolds: the hand-off reads what the config file
// describes now: this repository, another one (named), nothing, or a file
// the CLI cannot use; an export over another repository's file names it.
func TestInspectSaysWhatAFileHolds(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "corso.toml")
	a := repo.S3{Bucket: "bucket-a", Prefix: "tenant-a", Credentials: repo.Credentials{Source: repo.CredentialsEnvironment}}
	b := repo.Filesystem{Path: filepath.Join(dir, "repo-b")}

	if got := corsoconfig.Inspect(path, a); got.Holding != corsoconfig.HoldsNothing {
		t.Fatalf("no file: %+v", got)
	}

	if _, err := corsoconfig.Export(path, a, corsoconfig.ExportOptions{}); err != nil {
		t.Fatal(err)
	}

	if got := corsoconfig.Inspect(path, a); got.Holding != corsoconfig.HoldsThis {
		t.Fatalf("its own file: %+v", got)
	}

	got := corsoconfig.Inspect(path, b)
	if got.Holding != corsoconfig.HoldsOther || !strings.Contains(got.Other, "bucket-a") {
		t.Fatalf("another repository's file: %+v", got)
	}

	_, err := corsoconfig.Export(path, b, corsoconfig.ExportOptions{})
	if repo.CodeOf(err) != repo.CodeConfigExists || !strings.Contains(err.Error(), "describes another repository") || !strings.Contains(err.Error(), "bucket-a") {
		t.Fatalf("exporting over another repository's file: %v", err)
	}

	if err := os.WriteFile(path, []byte("provider = [unclosed"), 0o600); err != nil {
		t.Fatal(err)
	}

	if got := corsoconfig.Inspect(path, a); got.Holding != corsoconfig.HoldsUnreadable || got.Problem == "" {
		t.Fatalf("a broken file: %+v", got)
	}

	if own := corsoconfig.OwnFileFor(filepath.Join(dir, ".corso.toml"), "Tenant A / Mail (prod)"); own != filepath.Join(dir, "corso-tenant-a-mail-prod.toml") {
		t.Fatalf("a file of its own: %s", own)
	}
}

// TestNoConfigFileFlagForTheDefaultPlace: the command names the config
// file only when the CLI would not find it without being told.
func TestNoConfigFileFlagForTheDefaultPlace(t *testing.T) {
	fs := repo.Filesystem{Path: "/srv/repo"}
	def := filepath.Join(t.TempDir(), ".corso.toml")

	for file, want := range map[string]bool{"": false, def: false, "/elsewhere/corso.toml": true} {
		c := corsoconfig.ConnectCommand(fs, corsoconfig.CommandOptions{ConfigFile: file, DefaultConfigFile: def})
		if got := slices.Contains(c.Args, "--config-file"); got != want {
			t.Errorf("config file %q: --config-file %v, want %v (%q)", file, got, want, c.Args)
		}
	}
}
