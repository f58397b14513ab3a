package corsoconfig

import (
	"path/filepath"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoselect"
	"github.com/corsodesktop/corso-desktop/repo/shellcmd"
)

// Placeholders the copied command holds where a secret would go: the app
// never hands a secret out, so the user types each in.
const (
	PlaceholderPassphrase   = "REPLACE_WITH_THE_REPOSITORY_PASSPHRASE"
	PlaceholderSecretKey    = "REPLACE_WITH_THE_SECRET_ACCESS_KEY"
	PlaceholderSessionToken = "REPLACE_WITH_THE_SESSION_TOKEN"
	PlaceholderClientID     = "REPLACE_WITH_THE_AZURE_CLIENT_ID"
	PlaceholderClientSecret = "REPLACE_WITH_THE_AZURE_CLIENT_SECRET"
	PlaceholderTenantID     = "REPLACE_WITH_THE_AZURE_TENANT_ID"
)

// CommandOptions is what the Corso CLI command needs besides the location.
type CommandOptions struct {
	// ConfigFile is the .corso.toml exported for this repository; "" when
	// none was, and then the CLI reads its default file if there is one.
	ConfigFile string
	// DefaultConfigFile is where the CLI looks without --config-file;
	// "" means DefaultPath(). A ConfigFile there needs no flag.
	DefaultConfigFile string
	// SessionToken says the typed S3 keys come with a session token.
	SessionToken bool
	// GOOS is the system the CLI runs on: how a CA is trusted differs.
	GOOS string
}

// ConnectCommand is `corso repo connect` for s with everything the CLI
// demands before it runs: the Microsoft 365 app's credentials and the
// passphrase (placeholders, never the secrets), S3 keys or profile, how to
// trust a CA file, and the config file. Render it for a shell with
// shellcmd.Command.Render.
func ConnectCommand(s repo.Settings, o CommandOptions) shellcmd.Command {
	n, err := repo.Normalize(s)
	if err != nil {
		n = s
	}

	c := shellcmd.Command{
		Comments: []string{"Corso signs in to Microsoft 365 before it opens the repository."},
		Env: []shellcmd.Var{
			{Name: "AZURE_CLIENT_ID", Value: PlaceholderClientID, Placeholder: true, Prompt: "Azure app (client) ID"},
			{Name: "AZURE_CLIENT_SECRET", Value: PlaceholderClientSecret, Placeholder: true, Prompt: "Azure client secret", Secret: true},
			{Name: "AZURE_TENANT_ID", Value: PlaceholderTenantID, Placeholder: true, Prompt: "Azure tenant ID"},
			{Name: "CORSO_PASSPHRASE", Value: PlaceholderPassphrase, Placeholder: true, Prompt: "Repository passphrase", Secret: true},
		},
		Args: []string{"corso", "repo", "connect"},
	}

	if fs, ok := n.(repo.Filesystem); ok {
		c.Args = append(c.Args, "filesystem")
		c.Args = appendConfigFile(c.Args, o)
		// `repo connect filesystem` wants --path even when the file has it.
		c.Args = append(c.Args, "--path", fs.Path)

		return c
	}

	loc, ok := repo.AsS3(n)
	if !ok {
		return c
	}

	c.Args = append(c.Args, "s3")
	c.Args = appendConfigFile(c.Args, o)
	c.Args = append(c.Args, "--bucket", loc.Bucket)

	if loc.Prefix != "" {
		c.Args = append(c.Args, "--prefix", loc.Prefix)
	}

	if loc.Endpoint != repo.DefaultS3Endpoint {
		c.Args = append(c.Args, "--endpoint", loc.Endpoint)
	}

	if loc.DisableTLS {
		c.Args = append(c.Args, "--disable-tls")
	}

	if loc.DisableTLSVerification {
		c.Args = append(c.Args, "--disable-tls-verification")
	}

	switch cred := loc.Credentials; cred.Source {
	case repo.CredentialsKeys:
		c.Env = append(c.Env,
			shellcmd.Var{Name: "AWS_ACCESS_KEY_ID", Value: cred.AccessKeyID},
			shellcmd.Var{Name: "AWS_SECRET_ACCESS_KEY", Value: PlaceholderSecretKey, Placeholder: true, Prompt: "AWS secret access key", Secret: true})

		if o.SessionToken {
			c.Env = append(c.Env, shellcmd.Var{Name: "AWS_SESSION_TOKEN", Value: PlaceholderSessionToken, Placeholder: true, Prompt: "AWS session token", Secret: true})
		}
	case repo.CredentialsProfile:
		c.Env = append(c.Env, shellcmd.Var{Name: "AWS_PROFILE", Value: cred.Profile})
	default:
		c.Comments = append(c.Comments, "S3 credentials come from your AWS environment variables or default profile, as for the app.")
	}

	if loc.CAFile != "" && !loc.DisableTLSVerification {
		trustCA(&c, loc.CAFile, o.GOOS)
	}

	return c
}

// appendConfigFile adds --config-file when the file is not where the CLI
// looks without it.
func appendConfigFile(args []string, o CommandOptions) []string {
	def := o.DefaultConfigFile
	if def == "" {
		def = DefaultPath()
	}

	if o.ConfigFile == "" || filepath.Clean(o.ConfigFile) == filepath.Clean(def) {
		return args
	}

	return append(args, "--config-file", o.ConfigFile)
}

// trustCA adds what makes the CLI trust the store's CA file, which it has
// no option for. On Linux and the BSDs Go reads extra roots from the
// folders in SSL_CERT_DIR on top of the system bundle (SSL_CERT_FILE would
// replace the bundle, and Corso's sign-in to Microsoft would then fail);
// macOS and Windows trust only their own certificate stores.
func trustCA(c *shellcmd.Command, caFile, goos string) {
	switch goos {
	case "windows":
		c.Comments = append(c.Comments,
			"The store's certificate is trusted through the Windows certificate store. Once, in PowerShell:",
			"  Import-Certificate -FilePath '"+caFile+"' -CertStoreLocation Cert:\\CurrentUser\\Root")
	case "darwin":
		c.Comments = append(c.Comments,
			"The store's certificate is trusted through the macOS keychain. Once, in Terminal:",
			"  security add-trusted-cert -r trustRoot -k ~/Library/Keychains/login.keychain-db '"+caFile+"'")
	default:
		dir := filepath.Dir(caFile)
		c.Comments = append(c.Comments, "SSL_CERT_DIR makes corso trust the certificates in "+dir+" besides the system's.")
		c.Env = append(c.Env, shellcmd.Var{Name: "SSL_CERT_DIR", Value: dir})
	}
}

// BackupCommand is `corso backup details` (verb "details") or `corso
// restore` (verb "restore") for one backup of a repository at s, with the
// environment ConnectCommand sets. It reads the repository from the CLI's
// config file, so that file (an export, or `repo connect`) comes first.
func BackupCommand(s repo.Settings, o CommandOptions, verb, service, backupID string) shellcmd.Command {
	c := ConnectCommand(s, o)
	c.Comments = append(c.Comments, "It reads the repository from the CLI's config file: export it, or run the connect command, first.")

	args := []string{"corso", "backup", "details", service}
	if verb == "restore" {
		args = []string{"corso", "restore", service}
	}

	c.Args = append(appendConfigFile(args, o), "--backup", backupID)

	return c
}

// Restorable says whether `corso restore` takes backups of service (the
// CLI restores no Teams chats at v0.19.0).
func Restorable(service string) bool { return corsoselect.Restorable(service) }
