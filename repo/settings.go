package repo

import (
	"fmt"
	"strings"
)

// Kind is the storage a repository lives on.
type Kind string

// The supported storage kinds.
const (
	KindFilesystem   Kind = "filesystem"
	KindS3           Kind = "s3"
	KindS3Compatible Kind = "s3-compatible"
)

// DefaultS3Endpoint is the endpoint Corso uses when none is given.
const DefaultS3Endpoint = "s3.amazonaws.com"

// Settings is where a repository lives. Each kind has its own type; all of
// them validate and normalise the way the Corso CLI does, so a location
// typed here and one typed into Corso mean the same bytes in the bucket.
type Settings interface {
	Kind() Kind
	// Normalized validates and returns the canonical form. Normalizing a
	// normalized value changes nothing. The error is FieldErrors.
	Normalized() (Settings, error)
	// Describe is a one-line, secret-free description for people.
	Describe() string
}

// Filesystem is a repository in a local or network folder.
type Filesystem struct {
	Path string `json:"path"`
	// Prefix is never valid here; it exists so that a prefix coming from an
	// import or a form gets a clear refusal instead of being dropped.
	Prefix string `json:"prefix,omitempty"`
}

// CredentialSource says where S3 keys come from.
type CredentialSource string

// Credential sources. Environment is the AWS SDK's default chain
// (environment variables, AWS_PROFILE, shared files, SSO, credential_process).
const (
	CredentialsEnvironment CredentialSource = "environment"
	CredentialsProfile     CredentialSource = "profile"
	CredentialsKeys        CredentialSource = "keys"
)

// Credentials is the non-secret half of S3 credentials; the secret key and
// session token travel separately (see S3Secrets) and are never stored here.
type Credentials struct {
	Source      CredentialSource `json:"source"`
	Profile     string           `json:"profile,omitempty"`
	AccessKeyID string           `json:"accessKeyID,omitempty"`
}

// S3 is a repository in an Amazon S3 bucket.
type S3 struct {
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix,omitempty"`
	// Region overrides the bucket's region; empty asks the bucket.
	Region      string      `json:"region,omitempty"`
	Credentials Credentials `json:"credentials"`
	// ObjectLock, for a new repository, locks its blobs (S3 Object Lock);
	// nil for none. It is what the repository was created with; the
	// repository's own kopia.blobcfg is what counts.
	ObjectLock *ObjectLock `json:"objectLock,omitempty"`
}

// S3Compatible is a repository on any store that speaks the S3 API.
type S3Compatible struct {
	S3
	// Endpoint is host[:port], never a URL.
	Endpoint string `json:"endpoint"`
	// DisableTLS and DisableTLSVerification are for testing only, as in Corso.
	DisableTLS             bool `json:"disableTLS,omitempty"`
	DisableTLSVerification bool `json:"disableTLSVerification,omitempty"`
	// CAFile is a PEM file of extra trusted roots, so self-signed stores work
	// with verification on.
	CAFile string `json:"caFile,omitempty"`
}

// Kind implements Settings.
func (Filesystem) Kind() Kind { return KindFilesystem }

// Kind implements Settings.
func (S3) Kind() Kind { return KindS3 }

// Kind implements Settings.
func (S3Compatible) Kind() Kind { return KindS3Compatible }

// Describe implements Settings.
func (f Filesystem) Describe() string { return "folder " + f.Path }

// Describe implements Settings.
func (s S3) Describe() string { return describeS3("Amazon S3", "", s.Bucket, s.Prefix) }

// Describe implements Settings.
func (s S3Compatible) Describe() string {
	return describeS3("S3-compatible", s.Endpoint, s.Bucket, s.Prefix)
}

func describeS3(kind, endpoint, bucket, prefix string) string {
	d := kind + " bucket " + bucket
	if prefix != "" {
		d += ", prefix " + prefix
	}

	if endpoint != "" {
		d += " at " + endpoint
	}

	return d
}

// S3Location is the one shape both S3 kinds take once normalized, so the
// engine handles them with one code path.
type S3Location struct {
	S3Compatible
}

func AsS3(s Settings) (S3Location, bool) {
	switch v := s.(type) {
	case S3:
		return S3Location{S3Compatible{S3: v, Endpoint: DefaultS3Endpoint}}, true
	case S3Compatible:
		return S3Location{v}, true
	}

	return S3Location{}, false
}

func (l S3Location) Scheme() string {
	if l.DisableTLS {
		return "http"
	}

	return "https"
}

func (l S3Location) String() string {
	return fmt.Sprintf("%s://%s/%s/%s", l.Scheme(), l.Endpoint, l.Bucket, l.Prefix)
}

// SameLocation says whether a and b name the same place: the same folder,
// or the same bucket and prefix at the same endpoint (Amazon S3 typed as
// S3-compatible included). Credentials and TLS options do not matter.
func SameLocation(a, b Settings) bool {
	na, err := Normalize(a)
	if err != nil {
		return false
	}

	nb, err := Normalize(b)
	if err != nil {
		return false
	}

	if fa, ok := na.(Filesystem); ok {
		fb, ok := nb.(Filesystem)
		return ok && fa.Path == fb.Path
	}

	la, okA := AsS3(na)
	lb, okB := AsS3(nb)

	return okA && okB && la.Bucket == lb.Bucket && la.Prefix == lb.Prefix && strings.EqualFold(la.Endpoint, lb.Endpoint)
}

func Describe(s Settings) string {
	if loc, ok := AsS3(s); ok {
		return loc.Describe()
	}

	return s.Describe()
}

// Describe says which S3 service this is, naming Amazon when it is.
func (l S3Location) Describe() string {
	if l.Endpoint == DefaultS3Endpoint {
		return l.S3.Describe()
	}

	return l.S3Compatible.Describe()
}

func Where(s Settings) string {
	if n, err := Normalize(s); err == nil {
		return Describe(n)
	}

	return "the storage"
}
