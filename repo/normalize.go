// Normalization: every field of a location made canonical, or refused with a sentence on that field.

package repo

import (
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalized implements Settings: `~` and relative paths become absolute.
func (f Filesystem) Normalized() (Settings, error) {
	var errs FieldErrors

	if f.Prefix != "" {
		errs = append(errs, InvalidField(FieldPrefix, "Folder repositories have no prefix: choose a different folder instead."))
	}

	path, err := normalizePath(f.Path)
	if err != nil {
		errs = append(errs, err)
	}

	if e := errs.OrNil(); e != nil {
		return nil, e
	}

	return Filesystem{Path: path}, nil
}

func normalizePath(p string) (string, *Error) {
	p = strings.TrimSpace(p)
	switch {
	case p == "":
		return "", InvalidField(FieldPath, "Enter the folder for the repository.")
	case strings.ContainsRune(p, 0) || !utf8.ValidString(p):
		return "", InvalidField(FieldPath, "The folder path contains characters a path cannot hold.")
	}

	if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", InvalidField(FieldPath, "Your home folder is unknown, so ~ cannot be expanded: enter the full path.")
		}

		p = filepath.Join(home, p[1:])
	} else if strings.HasPrefix(p, "~") {
		return "", InvalidField(FieldPath, "Only ~ for your own home folder is understood: enter the full path.")
	}

	abs, err := filepath.Abs(p)
	if err != nil {
		return "", InvalidField(FieldPath, "The folder path cannot be made absolute: enter the full path.")
	}

	// Cleaning can leave a space at the end ("0 /" becomes "…/0 "), which
	// the trim above would take off in a second pass: repeat both until
	// neither changes anything, so normalising twice changes nothing.
	for {
		next := strings.TrimSpace(filepath.Clean(abs))
		if next == abs {
			return abs, nil
		}

		abs = next
	}
}

// Normalized implements Settings.
func (s S3) Normalized() (Settings, error) {
	n, errs := s.normalize(false)
	if e := errs.OrNil(); e != nil {
		return nil, e
	}

	return n, nil
}

func (s S3) normalize(compatible bool) (S3, FieldErrors) {
	var errs FieldErrors

	bucket, err := normalizeBucket(s.Bucket, compatible)
	if err != nil {
		errs = append(errs, err)
	}

	prefix, err := normalizePrefix(s.Prefix)
	if err != nil {
		errs = append(errs, err)
	}

	region, err := normalizeRegion(s.Region, compatible)
	if err != nil {
		errs = append(errs, err)
	}

	creds, cerrs := s.Credentials.Normalize()
	errs = append(errs, cerrs...)

	lock, err := s.ObjectLock.normalize()
	if err != nil {
		errs = append(errs, err)
	}

	return S3{Bucket: bucket, Prefix: prefix, Region: region, Credentials: creds, ObjectLock: lock}, errs
}

// Normalized implements Settings.
func (s S3Compatible) Normalized() (Settings, error) {
	base, errs := s.S3.normalize(true)

	endpoint, err := normalizeEndpoint(s.Endpoint, s.DisableTLS)
	if err != nil {
		errs = append(errs, err)
	}

	caFile := strings.TrimSpace(s.CAFile)
	if caFile != "" {
		if s.DisableTLS {
			errs = append(errs, InvalidField(FieldCAFile, "A CA certificate has no use with TLS disabled: clear one of the two."))
		} else if p, perr := normalizePath(caFile); perr != nil {
			errs = append(errs, InvalidField(FieldCAFile, "The CA certificate path is not a usable path: choose the file again."))
		} else {
			caFile = p
		}
	}

	if e := errs.OrNil(); e != nil {
		return nil, e
	}

	return S3Compatible{
		S3:                     base,
		Endpoint:               endpoint,
		DisableTLS:             s.DisableTLS,
		DisableTLSVerification: s.DisableTLSVerification && !s.DisableTLS,
		CAFile:                 caFile,
	}, nil
}

var (
	strictBucket  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	relaxedBucket = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$`)
	ipLike        = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)
	regionName    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
)

// normalizeBucket removes a leading s3:// as Corso does. Amazon's naming
// rules are enforced for Amazon S3; compatible stores get looser ones since
// several accept underscores or capitals.
func normalizeBucket(b string, compatible bool) (string, *Error) {
	b = strings.TrimPrefix(strings.TrimSpace(b), "s3://")
	if b == "" {
		return "", InvalidField(FieldBucket, "Enter the bucket name. The bucket must already exist: Corso Desktop never creates it.")
	}

	if i := strings.IndexByte(b, '/'); i >= 0 {
		return "", InvalidField(FieldBucket, "A bucket name has no %q: put %q in the Prefix field instead.", "/", strings.Trim(b[i:], "/"))
	}

	if compatible {
		switch {
		case !relaxedBucket.MatchString(b):
			return "", InvalidField(FieldBucket, "A bucket name is 3 to 255 letters, digits, dots, hyphens or underscores, starting and ending with a letter or digit.")
		case strings.Contains(b, "..") || strings.Contains(b, ".-") || strings.Contains(b, "-."):
			return "", InvalidField(FieldBucket, "A bucket name has no two dots in a row and no dot next to a hyphen (S3 naming rules). Check the bucket's name with your storage provider.")
		case ipLike.MatchString(b):
			return "", InvalidField(FieldBucket, "A bucket name cannot look like an IP address (S3 naming rules). If %s is the server's address, put it in the Endpoint field.", b)
		}

		return b, nil
	}

	if !strictBucket.MatchString(b) || strings.Contains(b, "..") || strings.Contains(b, ".-") || strings.Contains(b, "-.") || ipLike.MatchString(b) ||
		strings.HasPrefix(b, "xn--") || strings.HasPrefix(b, "sthree-") || strings.HasSuffix(b, "-s3alias") || strings.HasSuffix(b, "--ol-s3") {
		return "", InvalidField(FieldBucket, "An Amazon S3 bucket name is 3 to 63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit.")
	}

	return b, nil
}

// normalizePrefix trims trailing slashes and appends exactly one, as Corso
// does; an empty prefix stays empty.
func normalizePrefix(p string) (string, *Error) {
	if !utf8.ValidString(p) || strings.IndexFunc(p, unicode.IsControl) >= 0 {
		return "", InvalidField(FieldPrefix, "The prefix contains characters an object name cannot hold.")
	}

	p = strings.TrimRight(strings.TrimSpace(p), "/")
	if p == "" {
		return "", nil
	}

	const maxPrefix = 512 // leaves room for kopia's blob names under S3's 1024-byte key limit
	if len(p) >= maxPrefix {
		return "", InvalidField(FieldPrefix, "The prefix is too long: keep it under %d bytes.", maxPrefix)
	}

	// Stores disagree on what a leading /, an empty part, . or .. mean
	// (MinIO folds them away, Amazon S3 keeps them), so the same prefix
	// could name two places: refuse them and suggest the plain form.
	if strings.HasPrefix(p, "/") {
		return "", InvalidField(FieldPrefix, "A prefix does not start with /: write %s instead.", suggestPrefix(p))
	}

	for _, part := range strings.Split(p, "/") {
		switch {
		case part == "", part == ".", part == "..":
			return "", InvalidField(FieldPrefix, "A prefix is folder names joined by single slashes, without . or .. parts: write %s instead.", suggestPrefix(p))
		case len(part) > 255:
			return "", InvalidField(FieldPrefix, "Each part of the prefix between slashes must be under 256 bytes; many stores refuse longer ones.")
		}
	}

	return p + "/", nil
}

// suggestPrefix is the plain form of a prefix with empty, . and .. parts.
func suggestPrefix(p string) string {
	clean := strings.Trim(path.Clean("/"+p), "/")
	if clean == "" {
		return "nothing (leave the field empty)"
	}

	return strconv.Quote(clean + "/")
}

// awsRegion is the shape of every Amazon S3 region in the AWS SDK's
// partitions (aws, aws-cn, aws-us-gov, the ISO and sovereign partitions).
var awsRegion = regexp.MustCompile(`^((us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+|cn-\w+-\d+|us-gov-\w+-\d+|us-iso[bf]?-\w+-\d+|eu-isoe-\w+-\d+|eusc-de-\w+-\d+)$`)

func normalizeRegion(r string, compatible bool) (string, *Error) {
	r = strings.ToLower(strings.TrimSpace(r))

	switch {
	case r == "":
	case !regionName.MatchString(r):
		return "", InvalidField(FieldRegion, "A region is a name like eu-west-1: lowercase letters, digits and hyphens. Leave it empty to use the bucket's own region.")
	case !compatible && !awsRegion.MatchString(r):
		return "", InvalidField(FieldRegion, "%s is not an Amazon S3 region (they look like eu-west-1 or us-gov-west-1). Leave it empty: the bucket says which region it is in.", r)
	}

	return r, nil
}

// normalizeEndpoint turns what a user pastes into host[:port]. https:// is
// dropped; http:// is only accepted together with "disable TLS" because
// silently downgrading to plain HTTP would expose the data in flight.
func normalizeEndpoint(ep string, disableTLS bool) (string, *Error) {
	ep = strings.TrimSpace(ep)
	lower := strings.ToLower(ep)

	switch {
	case ep == "":
		return "", InvalidField(FieldEndpoint, "Enter the endpoint as host or host:port, for example minio.example.com:9000.")
	case strings.HasPrefix(lower, "https://"):
		ep = ep[len("https://"):]
	case strings.HasPrefix(lower, "http://"):
		if !disableTLS {
			return "", InvalidField(FieldEndpoint, "This endpoint starts with http://, which is plain HTTP without encryption. Use https://, or turn on \"Disable TLS\" (for testing only) to really use plain HTTP.")
		}

		ep = ep[len("http://"):]
	case strings.Contains(ep, "://"):
		return "", InvalidField(FieldEndpoint, "The endpoint is host or host:port; only https:// or http:// may be pasted in front of it.")
	}

	ep = strings.TrimRight(ep, "/")
	if strings.ContainsAny(ep, "/?#@ \\") || ep == "" {
		return "", InvalidField(FieldEndpoint, "The endpoint is host or host:port only, with no path: put a folder inside the bucket in the Prefix field.")
	}

	host, port := ep, ""
	if h, p, err := net.SplitHostPort(ep); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(ep, "[") && strings.HasSuffix(ep, "]") {
		host = ep[1 : len(ep)-1]
	} else if strings.Count(ep, ":") == 1 || strings.HasPrefix(ep, "[") {
		return "", InvalidField(FieldEndpoint, "The endpoint's port is missing or malformed: write host:port, for example minio.example.com:9000.")
	}

	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return "", InvalidField(FieldEndpoint, "The endpoint's port must be a number from 1 to 65535.")
		}
	}

	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if !validHost(host) {
		return "", InvalidField(FieldEndpoint, "%q is not a host name or IP address.", host)
	}

	if port == "" {
		return bracketIPv6(host), nil
	}

	return net.JoinHostPort(host, port), nil
}

func bracketIPv6(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}

	return host
}

func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}

	if len(h) == 0 || len(h) > 253 {
		return false
	}

	for _, label := range strings.Split(h, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}

		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}

	return true
}

func (c Credentials) Normalize() (Credentials, FieldErrors) {
	switch c.Source {
	case "", CredentialsEnvironment:
		return Credentials{Source: CredentialsEnvironment}, nil
	case CredentialsProfile:
		p := strings.TrimSpace(c.Profile)
		if p == "" || strings.ContainsAny(p, "[]\n\r") {
			return Credentials{}, FieldErrors{InvalidField(FieldProfile, "Pick the AWS profile to use.")}
		}

		return Credentials{Source: CredentialsProfile, Profile: p}, nil
	case CredentialsKeys:
		id := strings.TrimSpace(c.AccessKeyID)
		if id == "" || strings.IndexFunc(id, unicode.IsSpace) >= 0 || !utf8.ValidString(id) || len(id) > 128 {
			return Credentials{}, FieldErrors{InvalidField(FieldAccessKey, "Enter the access key ID (for AWS it looks like AKIA… and has no spaces).")}
		}

		return Credentials{Source: CredentialsKeys, AccessKeyID: id}, nil
	default:
		return Credentials{}, FieldErrors{InvalidField(FieldProfile, "Unknown credential source %q.", string(c.Source))}
	}
}

// Normalize is Settings.Normalized for callers holding the concrete value.
func Normalize(s Settings) (Settings, error) {
	if s == nil {
		return nil, FieldErrors{InvalidField("kind", "Choose where the repository is stored.")}
	}

	return s.Normalized()
}
