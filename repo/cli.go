package repo

import (
	"regexp"
	"strings"
)

// CorsoCLICommand is the `corso repo connect` line for s, with no secret in
// it: the CLI takes the passphrase from CORSO_PASSPHRASE and S3 keys from
// the AWS environment or profile.
func CorsoCLICommand(s Settings) string {
	n, err := Normalize(s)
	if err != nil {
		n = s
	}

	args := []string{"corso", "repo", "connect"}

	switch v := n.(type) {
	case Filesystem:
		args = append(args, "filesystem", "--path", shellQuote(v.Path))
	case S3:
		args = append(args, "s3", "--bucket", shellQuote(v.Bucket))
		if v.Prefix != "" {
			args = append(args, "--prefix", shellQuote(v.Prefix))
		}
	case S3Compatible:
		args = append(args, "s3", "--bucket", shellQuote(v.Bucket))
		if v.Prefix != "" {
			args = append(args, "--prefix", shellQuote(v.Prefix))
		}

		args = append(args, "--endpoint", shellQuote(v.Endpoint))

		if v.DisableTLS {
			args = append(args, "--disable-tls")
		}

		if v.DisableTLSVerification {
			args = append(args, "--disable-tls-verification")
		}
	}

	line := strings.Join(args, " ")

	if c, ok := credentialsOf(n); ok && c.Source == CredentialsProfile && c.Profile != "" {
		line = "AWS_PROFILE=" + shellQuote(c.Profile) + " " + line
	}

	return line
}

func credentialsOf(s Settings) (Credentials, bool) {
	switch v := s.(type) {
	case S3:
		return v.Credentials, true
	case S3Compatible:
		return v.Credentials, true
	}

	return Credentials{}, false
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// shellQuote quotes a word for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}

	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
