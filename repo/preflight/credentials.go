package preflight

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"

	"github.com/corsodesktop/corso-desktop/repo"
)

// ResolvedCredentials are keys ready for kopia and the S3 client, plus a
// sentence saying where they came from (never the keys themselves).
type ResolvedCredentials struct {
	aws.Credentials
	From string
}

// Keys are one operation's S3 credentials, resolved once and shared by its
// check and the storage it opens afterwards: a profile's credential process
// or SSO login runs once, and the check proves the very keys the write
// uses.
type Keys struct {
	ResolvedCredentials
	// Err is why they could not be resolved; a check reports it on its
	// credentials line, an open returns it.
	Err error
}

// ResolveKeys resolves the credentials of normalized settings n for one
// operation; nil for a folder, which needs none.
func ResolveKeys(ctx context.Context, n repo.Settings, secrets repo.S3Secrets) *Keys {
	loc, ok := repo.AsS3(n)
	if !ok {
		return nil
	}

	rc, err := Resolve(ctx, loc.Credentials, secrets)

	return &Keys{ResolvedCredentials: rc, Err: err}
}

// Resolve finds S3 keys the way the AWS SDK does, and says where they came
// from, e.g. "profile backup in ~/.aws/credentials".
func Resolve(ctx context.Context, c repo.Credentials, secrets repo.S3Secrets) (ResolvedCredentials, error) {
	c, errs := c.Normalize()
	if len(errs) > 0 {
		return ResolvedCredentials{}, errs
	}

	if c.Source == repo.CredentialsKeys {
		if secrets.SecretAccessKey == "" {
			return ResolvedCredentials{}, repo.InvalidField(repo.FieldSecretKey, "Enter the secret access key that belongs to access key %s.", c.AccessKeyID)
		}

		from := "access key " + c.AccessKeyID + " entered in Corso Desktop"
		if secrets.SessionToken != "" {
			from += " (with a session token)"
		}

		return ResolvedCredentials{
			Credentials: aws.Credentials{
				AccessKeyID:     c.AccessKeyID,
				SecretAccessKey: secrets.SecretAccessKey,
				SessionToken:    secrets.SessionToken,
				Source:          "typed",
			},
			From: from,
		}, nil
	}

	var opts []func(*config.LoadOptions) error
	if c.Source == repo.CredentialsProfile {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}

	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return ResolvedCredentials{}, credentialError(ctx, c, err)
	}

	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return ResolvedCredentials{}, credentialError(ctx, c, err)
	}

	return ResolvedCredentials{Credentials: creds, From: describeSource(c, creds, cfg)}, nil
}

func credentialError(ctx context.Context, c repo.Credentials, err error) error {
	if ctx.Err() != nil {
		return repo.CanceledError(ctx.Err())
	}

	var e *repo.Error

	switch c.Source {
	case repo.CredentialsProfile:
		var missing config.SharedConfigProfileNotExistError
		if errors.As(err, &missing) {
			e = repo.NewError(repo.CodeNoCredentials, err, "There is no AWS profile named %q in your AWS config files. Pick another profile or enter keys.", c.Profile)
		} else {
			e = repo.NewError(repo.CodeNoCredentials, err, "The AWS profile %q could not give credentials. Check it with the AWS CLI (for SSO profiles, run \"aws sso login\"), or enter keys.", c.Profile)
		}

		e.Field = repo.FieldProfile
	default:
		e = repo.NewError(repo.CodeNoCredentials, err, "No AWS credentials were found in the environment. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, before starting Corso Desktop; or pick a profile or enter keys instead.")
	}

	return e
}

func profileName(c repo.Credentials, cfg aws.Config) string {
	if c.Source == repo.CredentialsProfile {
		return c.Profile
	}

	for _, src := range cfg.ConfigSources {
		if sc, ok := src.(config.SharedConfig); ok && sc.Profile != "" {
			return sc.Profile
		}
	}

	if p := os.Getenv("AWS_PROFILE"); p != "" {
		return p
	}

	return "default"
}

func describeSource(c repo.Credentials, creds aws.Credentials, cfg aws.Config) string {
	profile := profileName(c, cfg)

	switch {
	case creds.Source == config.CredentialsSourceName:
		return "environment variables (AWS_ACCESS_KEY_ID " + creds.AccessKeyID + ")"
	case strings.HasPrefix(creds.Source, "SharedConfigCredentials: "):
		file := strings.TrimPrefix(creds.Source, "SharedConfigCredentials: ")
		return "profile " + profile + " in " + tildePath(file)
	case creds.Source == ssocreds.ProviderName:
		return "AWS SSO through profile " + profile
	case creds.Source == processcreds.ProviderName:
		return "credential_process of profile " + profile
	case creds.Source == stscreds.ProviderName:
		return "an assumed role from profile " + profile
	case creds.Source != "":
		return creds.Source + " (AWS SDK, profile " + profile + ")"
	}

	return "the AWS SDK's default credential chain"
}

// tildePath shortens a path under the home folder to ~/…, which reads
// better and does not put the user name into screenshots.
func tildePath(p string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}

	if rel, err := filepath.Rel(home, p); err == nil && !strings.HasPrefix(rel, "..") && !filepath.IsAbs(rel) {
		return filepath.ToSlash(filepath.Join("~", rel))
	}

	return p
}
