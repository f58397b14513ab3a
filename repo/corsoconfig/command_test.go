package corsoconfig_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
	"github.com/corsodesktop/corso-desktop/repo/shellcmd"
)

// cliFile is exactly the keys and types the Corso CLI v0.19.0 reads from
// .corso.toml (pkg/config, pkg/storage): a strict decode into it fails on
// any other key or on a value of another type.
type cliFile struct {
	Provider               string `toml:"provider"`
	Bucket                 string `toml:"bucket"`
	Endpoint               string `toml:"endpoint"`
	Prefix                 string `toml:"prefix"`
	DisableTLS             *bool  `toml:"disable_tls"`
	DisableTLSVerification *bool  `toml:"disable_tls_verification"`
	Path                   string `toml:"path"`
	RepoID                 string `toml:"repo_id"`
	AccountProvider        string `toml:"account_provider"`
	AzureTenantID          string `toml:"azure_tenantid"`
	CorsoUser              string `toml:"corso_user"`
	CorsoHost              string `toml:"corso_host"`
}

func readCLIFile(t *testing.T, path string) cliFile {
	t.Helper()

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	var f cliFile

	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()

	if err := dec.Decode(&f); err != nil {
		t.Fatalf("the export is not what the Corso CLI reads: %v\n%s", err, data)
	}

	return f
}

// handOffCases are saved repositories of every kind and credential source,
// with awkward paths and names.
func handOffCases(t *testing.T) []repo.Settings {
	dir := filepath.Join(t.TempDir(), `it's a "folder" with $HOME, 50% and ünïcode`)

	return []repo.Settings{
		repo.Filesystem{Path: filepath.Join(dir, "my repo")},
		repo.S3{Bucket: "s3://corso-bkt", Prefix: "tenant a//", Credentials: repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: "AKIAEXAMPLEKEYID"}},
		repo.S3{Bucket: "corso-bkt", Credentials: repo.Credentials{Source: repo.CredentialsProfile, Profile: "backup 'ops'"}},
		repo.S3Compatible{S3: repo.S3{Bucket: "Corso_Bkt", Prefix: "x", Credentials: repo.Credentials{Source: repo.CredentialsEnvironment}},
			Endpoint: "127.0.0.1:9000", DisableTLS: true},
		repo.S3Compatible{S3: repo.S3{Bucket: "bkt", Credentials: repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: "minio-user"}},
			Endpoint: "minio.example.net:9000", CAFile: filepath.Join(dir, "ca dir", "ca.pem")},
		repo.S3Compatible{S3: repo.S3{Bucket: "bkt", Credentials: repo.Credentials{Source: repo.CredentialsEnvironment}},
			Endpoint: "https://minio.example.net", DisableTLSVerification: true},
	}
}

// TestExportFollowsCorsoCLIRules holds each export to the rules the CLI
// applies to .corso.toml (../shared/corso-compat.md).
func TestExportFollowsCorsoCLIRules(t *testing.T) {
	for _, s := range handOffCases(t) {
		n, err := repo.Normalize(s)
		if err != nil {
			t.Fatal(err)
		}

		p := filepath.Join(t.TempDir(), "conf dir", ".corso.toml")

		res, err := corsoconfig.Export(p, s, corsoconfig.ExportOptions{})
		if err != nil {
			t.Fatal(err)
		}

		f := readCLIFile(t, p)

		if f.AccountProvider != "M365" {
			t.Errorf("%s: account_provider %q: every CLI command but init refuses the file", s.Describe(), f.AccountProvider)
		}

		if f.RepoID != res.RepoID || len(f.RepoID) != 36 {
			t.Errorf("%s: repo_id %q (reported %q)", s.Describe(), f.RepoID, res.RepoID)
		}

		switch v := n.(type) {
		case repo.Filesystem:
			if f.Provider != "Filesystem" || f.Path != v.Path || f.Bucket != "" || f.DisableTLS != nil {
				t.Errorf("filesystem export: %+v", f)
			}
		case repo.S3:
			if f.Provider != "S3" || f.Bucket != v.Bucket || f.Prefix != v.Prefix || f.Endpoint != "s3.amazonaws.com" ||
				f.DisableTLS == nil || *f.DisableTLS || f.DisableTLSVerification == nil || *f.DisableTLSVerification || f.Path != "" {
				t.Errorf("S3 export: %+v", f)
			}
		case repo.S3Compatible:
			if f.Provider != "S3" || f.Bucket != v.Bucket || f.Prefix != v.Prefix || f.Endpoint != v.Endpoint ||
				f.DisableTLS == nil || *f.DisableTLS != v.DisableTLS || f.DisableTLSVerification == nil || *f.DisableTLSVerification != v.DisableTLSVerification {
				t.Errorf("S3-compatible export: %+v", f)
			}
		}

		// The CLI's own normalisation: no s3:// on the bucket, a prefix
		// with exactly one trailing slash.
		if strings.HasPrefix(f.Bucket, "s3://") || (f.Prefix != "" && (!strings.HasSuffix(f.Prefix, "/") || strings.HasSuffix(f.Prefix, "//"))) {
			t.Errorf("location not normalised as the CLI does: %+v", f)
		}
	}
}

func TestExportRepoIDBelongsToOneRepository(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".corso.toml")
	a := repo.Filesystem{Path: filepath.Join(t.TempDir(), "a")}
	b := repo.S3{Bucket: "bkt", Prefix: "b", Credentials: repo.Credentials{Source: repo.CredentialsEnvironment}}

	ra, err := corsoconfig.Export(p, a, corsoconfig.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}

	rb, err := corsoconfig.Export(p, b, corsoconfig.ExportOptions{Replace: true})
	if err != nil {
		t.Fatal(err)
	}

	if ra.RepoID == rb.RepoID {
		t.Fatal("B was given A's repo_id")
	}

	// A again, with the ID remembered from its first export.
	again, err := corsoconfig.Export(p, a, corsoconfig.ExportOptions{Replace: true, RepoID: ra.RepoID})
	if err != nil || again.RepoID != ra.RepoID || readCLIFile(t, p).RepoID != ra.RepoID {
		t.Fatalf("exporting A again gave another repo_id: %v %v", again, err)
	}

	// A file the CLI wrote for the same repository keeps its repo_id even
	// when nothing was remembered (an entry saved before export existed).
	same, err := corsoconfig.Export(p, repo.Filesystem{Path: a.Path + "/"}, corsoconfig.ExportOptions{Replace: true})
	if err != nil || same.RepoID != ra.RepoID {
		t.Fatalf("the file's own repo_id for the same repository was dropped: %v %v", same, err)
	}

	// `corso repo connect` writes repo_id = '': that is no ID to keep.
	body := "provider = 'Filesystem'\npath = '" + a.Path + "'\nrepo_id = ''\naccount_provider = 'M365'\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	fresh, err := corsoconfig.Export(p, a, corsoconfig.ExportOptions{Replace: true})
	if err != nil || len(fresh.RepoID) != 36 {
		t.Fatalf("an empty repo_id was kept: %v %v", fresh, err)
	}
}

func TestExportRefusesNamesAndPlacesTheCLICannotUse(t *testing.T) {
	dir := t.TempDir()
	s := repo.Filesystem{Path: filepath.Join(dir, "r")}

	_, err := corsoconfig.Export(filepath.Join(dir, "corso.conf"), s, corsoconfig.ExportOptions{})
	repotest.RequireCode(t, err, repo.CodeConfigFile)

	folder := filepath.Join(dir, "folder.toml")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}

	_, err = corsoconfig.Export(folder, s, corsoconfig.ExportOptions{Replace: true})
	repotest.RequireCode(t, err, repo.CodeConfigFile)

	if !strings.Contains(err.Error(), "a folder") {
		t.Fatalf("the sentence does not say it is a folder: %v", err)
	}
}

// standInCorso is a `corso` that records its argv and the environment the
// CLI reads, NUL-separated, into out.
func standInCorso(t *testing.T, out string) string {
	t.Helper()

	bin := t.TempDir()
	script := "#!/bin/sh\n{ for a in \"$@\"; do printf 'ARG=%s\\0' \"$a\"; done; env -0; } > '" + out + "'\n"

	if err := os.WriteFile(filepath.Join(bin, "corso"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}

	return bin
}

type recorded struct {
	args []string
	env  map[string]string
}

func (r recorded) flag(name string) (string, bool) {
	i := slices.Index(r.args, name)
	if i < 0 {
		return "", false
	}

	if i+1 < len(r.args) && !strings.HasPrefix(r.args[i+1], "--") {
		return r.args[i+1], true
	}

	return "", true
}

func runCopied(t *testing.T, shell, line string) recorded {
	t.Helper()

	out := filepath.Join(t.TempDir(), "recorded")
	bin := standInCorso(t, out)

	cmd := exec.Command(shell, "-c", line)
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + t.TempDir()}

	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s could not run the copied command: %v\n%s\n%s", shell, err, b, line)
	}

	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}

	r := recorded{env: map[string]string{}}

	for _, item := range strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00") {
		if a, ok := strings.CutPrefix(item, "ARG="); ok {
			r.args = append(r.args, a)
		} else if k, v, ok := strings.Cut(item, "="); ok {
			r.env[k] = v
		}
	}

	return r
}

// TestCopiedCommandRunsAsHanded pastes each copied command (POSIX form)
// into sh and bash with a stand-in corso, and holds what corso receives
// to what the exported config and the saved repository say, by the
// CLI's own rules: flags equal to the file's values, --path always for a
// folder, every variable the CLI demands set, no secret anywhere.
func TestCopiedCommandRunsAsHanded(t *testing.T) {
	secrets := []string{repotest.Passphrase, "wJalrXUtnFEMI/K7MDENG", "FwoGZXIvYXdzEBAaDH"}

	for _, s := range handOffCases(t) {
		p := filepath.Join(t.TempDir(), "Corso config", "corso desktop.toml")

		res, err := corsoconfig.Export(p, s, corsoconfig.ExportOptions{})
		if err != nil {
			t.Fatal(err)
		}

		f := readCLIFile(t, p)
		c := corsoconfig.ConnectCommand(s, corsoconfig.CommandOptions{ConfigFile: res.Path, SessionToken: true, GOOS: runtime.GOOS})

		for _, shell := range []string{"sh", "bash"} {
			line := c.Render(shellcmd.POSIX)
			for _, secret := range secrets {
				if strings.Contains(line, secret) {
					t.Fatalf("the command holds a secret:\n%s", line)
				}
			}

			r := runCopied(t, shell, line)

			if len(r.args) < 3 || r.args[0] != "repo" || r.args[1] != "connect" || !strings.EqualFold(r.args[2], f.Provider) {
				t.Fatalf("%s: corso got %q for provider %s", shell, r.args, f.Provider)
			}

			if v, _ := r.flag("--config-file"); v != p {
				t.Errorf("--config-file %q, want %q", v, p)
			}

			want := map[string]string{"--bucket": f.Bucket, "--prefix": f.Prefix, "--path": f.Path}
			if f.Endpoint != "s3.amazonaws.com" {
				want["--endpoint"] = f.Endpoint
			}

			for flag, value := range want {
				got, ok := r.flag(flag)
				if value == "" && ok || value != "" && got != value {
					t.Errorf("%s: %s is %q, the exported file says %q", s.Describe(), flag, got, value)
				}
			}

			if f.Provider == "Filesystem" {
				if _, ok := r.flag("--path"); !ok {
					t.Error("repo connect filesystem needs --path even with a config file")
				}
			} else {
				for flag, on := range map[string]bool{"--disable-tls": *f.DisableTLS, "--disable-tls-verification": *f.DisableTLSVerification} {
					if _, ok := r.flag(flag); ok != on {
						t.Errorf("%s: %s given %v, file says %v", s.Describe(), flag, ok, on)
					}
				}
			}

			for _, v := range []string{"AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "CORSO_PASSPHRASE"} {
				if r.env[v] == "" {
					t.Errorf("%s is not set: the CLI refuses to run without it", v)
				}
			}

			checkCredentialEnv(t, s, r)
		}
	}
}

func checkCredentialEnv(t *testing.T, s repo.Settings, r recorded) {
	t.Helper()

	var (
		c      repo.Credentials
		caFile string
	)

	switch v := s.(type) {
	case repo.S3:
		c = v.Credentials
	case repo.S3Compatible:
		c, caFile = v.Credentials, v.CAFile
	default:
		return
	}

	switch c.Source {
	case repo.CredentialsKeys:
		if r.env["AWS_ACCESS_KEY_ID"] != c.AccessKeyID || r.env["AWS_SECRET_ACCESS_KEY"] != corsoconfig.PlaceholderSecretKey || r.env["AWS_SESSION_TOKEN"] != corsoconfig.PlaceholderSessionToken {
			t.Errorf("typed keys: env %v", r.env)
		}
	case repo.CredentialsProfile:
		if r.env["AWS_PROFILE"] != c.Profile || r.env["AWS_SECRET_ACCESS_KEY"] != "" {
			t.Errorf("profile: env %v", r.env)
		}
	default:
		if _, ok := r.env["AWS_ACCESS_KEY_ID"]; ok {
			t.Errorf("environment credentials overridden: %v", r.env)
		}
	}

	if caFile != "" && runtime.GOOS == "linux" {
		if r.env["SSL_CERT_DIR"] != filepath.Dir(caFile) || r.env["SSL_CERT_FILE"] != "" {
			t.Errorf("CA file %s: SSL_CERT_DIR %q, SSL_CERT_FILE %q", caFile, r.env["SSL_CERT_DIR"], r.env["SSL_CERT_FILE"])
		}
	}
}

func TestCopiedCommandPerShellAndOS(t *testing.T) {
	fs := repo.Filesystem{Path: `/srv/corso repo`}
	c := corsoconfig.ConnectCommand(fs, corsoconfig.CommandOptions{})

	if got := c.Render(shellcmd.PowerShell); !strings.Contains(got, "$Env:CORSO_PASSPHRASE = '"+corsoconfig.PlaceholderPassphrase+"'\n") ||
		!strings.HasSuffix(got, "corso repo connect filesystem --path '/srv/corso repo'\n") {
		t.Errorf("PowerShell:\n%s", got)
	}

	if got := c.Render(shellcmd.POSIX); !strings.Contains(got, "export CORSO_PASSPHRASE='"+corsoconfig.PlaceholderPassphrase+"'\n") {
		t.Errorf("POSIX:\n%s", got)
	}

	if got := c.Render(shellcmd.Cmd); !strings.Contains(got, `set "CORSO_PASSPHRASE=`+corsoconfig.PlaceholderPassphrase+"\"\n") ||
		!strings.HasSuffix(got, `corso repo connect filesystem --path "/srv/corso repo"`+"\n") {
		t.Errorf("cmd.exe:\n%s", got)
	}

	if _, ok := (recorded{args: c.Args}).flag("--config-file"); ok {
		t.Error("--config-file without an exported file")
	}

	ca := repo.S3Compatible{S3: repo.S3{Bucket: "b", Credentials: repo.Credentials{Source: repo.CredentialsEnvironment}}, Endpoint: "h:1", CAFile: "/etc/ca/x.pem"}

	for goos, want := range map[string]string{"windows": "Import-Certificate", "darwin": "security add-trusted-cert", "linux": "SSL_CERT_DIR", "freebsd": "SSL_CERT_DIR"} {
		if got := corsoconfig.ConnectCommand(ca, corsoconfig.CommandOptions{GOOS: goos}).Render(shellcmd.Default(goos)); !strings.Contains(got, want) {
			t.Errorf("%s: no %s in\n%s", goos, want, got)
		}
	}
}

// TestBackupCommands: `corso backup details` and `corso restore` for one
// backup carry the connect command's environment, the config file when it
// is not the default, and the backup's ID; chats cannot be restored.
func TestBackupCommands(t *testing.T) {
	s := repo.S3{Bucket: "bkt", Credentials: repo.Credentials{Source: repo.CredentialsProfile, Profile: "backup"}}
	o := corsoconfig.CommandOptions{ConfigFile: "/home/a/corso/tenant.toml", GOOS: "linux"}

	details := corsoconfig.BackupCommand(s, o, "details", "exchange", "0b5e0001")
	if got := strings.Join(details.Args, " "); got != "corso backup details exchange --config-file /home/a/corso/tenant.toml --backup 0b5e0001" {
		t.Errorf("details: %s", got)
	}

	restore := corsoconfig.BackupCommand(s, o, "restore", "onedrive", "0b5e0002")
	if got := strings.Join(restore.Args, " "); got != "corso restore onedrive --config-file /home/a/corso/tenant.toml --backup 0b5e0002" {
		t.Errorf("restore: %s", got)
	}

	var names []string
	for _, v := range restore.Env {
		names = append(names, v.Name)
	}

	if want := []string{"AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "CORSO_PASSPHRASE", "AWS_PROFILE"}; !slices.Equal(names, want) {
		t.Errorf("environment %v, want %v", names, want)
	}

	if corsoconfig.Restorable("chats") || !corsoconfig.Restorable("groups") {
		t.Error("restorable services")
	}
}
