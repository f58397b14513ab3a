package kopiaengine

import (
	"context"
	"sync"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/blob/filesystem"
	"github.com/kopia/kopia/repo/blob/readonly"
	"github.com/kopia/kopia/repo/blob/s3"
	"github.com/kopia/kopia/repo/format"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// s3StorageType is the kopia storage type this app registers. Its options
// name where the keys come from but never hold them, so kopia's connection
// file stays free of secrets; the keys are resolved each time the storage
// is opened. The repository itself is a plain S3 kopia repository: the
// type name only appears in this app's own connection file.
const s3StorageType = "corso-desktop-s3"

// s3StorageOptions is what kopia's connection file holds for an S3 repository.
type s3StorageOptions struct {
	Bucket                 string           `json:"bucket"`
	Prefix                 string           `json:"prefix,omitempty"`
	Endpoint               string           `json:"endpoint"`
	Region                 string           `json:"region,omitempty"`
	DisableTLS             bool             `json:"disableTLS,omitempty"`
	DisableTLSVerification bool             `json:"disableTLSVerification,omitempty"`
	CAFile                 string           `json:"caFile,omitempty"`
	Credentials            repo.Credentials `json:"credentials"`
	// BucketRegion is the bucket's own region as the check found it, when
	// none was typed: kopia's S3 client then need not ask for it on every
	// open (a round trip each time).
	BucketRegion string `json:"bucketRegion,omitempty"`
}

func (o s3StorageOptions) location() repo.S3Location {
	return repo.S3Location{S3Compatible: repo.S3Compatible{
		S3:                     repo.S3{Bucket: o.Bucket, Prefix: o.Prefix, Region: o.Region, Credentials: o.Credentials},
		Endpoint:               o.Endpoint,
		DisableTLS:             o.DisableTLS,
		DisableTLSVerification: o.DisableTLSVerification,
		CAFile:                 o.CAFile,
	}}
}

// connectedS3Options is the S3 location kopia's connection file for local
// names (this app's storage type), or nil: a folder, or no file to read.
func connectedS3Options(local repo.Local) *s3StorageOptions {
	if local.ConfigFile == "" {
		return nil
	}

	lc, err := kopiarepo.LoadConfigFromFile(local.ConfigFile)
	if err != nil || lc.Storage == nil {
		return nil
	}

	o, _ := lc.Storage.Config.(*s3StorageOptions)

	return o
}

func optionsFor(l repo.S3Location) s3StorageOptions {
	return s3StorageOptions{
		Bucket: l.Bucket, Prefix: l.Prefix, Endpoint: l.Endpoint, Region: l.Region,
		DisableTLS: l.DisableTLS, DisableTLSVerification: l.DisableTLSVerification,
		CAFile: l.CAFile, Credentials: l.Credentials,
	}
}

type (
	s3SecretsKey     struct{}
	keysKey          struct{}
	openStorageKey   struct{}
	readOnlyKey      struct{}
	bucketRegionKey  struct{}
	formatCaptureKey struct{}
)

// formatCapture keeps kopia.repository as kopia read it while opening a
// repository, so that reading what it is (its key derivation, which
// kopia's format manager does not expose) costs no second request.
type formatCapture struct {
	mu  sync.Mutex
	raw []byte
}

func (c *formatCapture) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.raw
}

// withFormatCapture makes S3 storage opened in ctx keep the format blob.
func withFormatCapture(ctx context.Context) (context.Context, *formatCapture) {
	c := &formatCapture{}
	return context.WithValue(ctx, formatCaptureKey{}, c), c
}

// capturingStorage is storage that keeps what kopia.repository held when
// read whole.
type capturingStorage struct {
	blob.Storage
	c *formatCapture
}

func (s capturingStorage) GetBlob(ctx context.Context, id blob.ID, offset, length int64, out blob.OutputBuffer) error {
	if id != format.KopiaRepositoryBlobID || offset != 0 || length >= 0 {
		return s.Storage.GetBlob(ctx, id, offset, length, out)
	}

	var b blobBuffer
	if err := s.Storage.GetBlob(ctx, id, offset, length, &b); err != nil {
		return err
	}

	s.c.mu.Lock()
	s.c.raw = append([]byte(nil), b.Bytes()...)
	s.c.mu.Unlock()

	out.Reset()
	_, err := out.Write(b.Bytes())

	return err
}

// capturing wraps st when ctx asks for the format blob to be kept.
func capturing(ctx context.Context, st blob.Storage) blob.Storage {
	if c, ok := ctx.Value(formatCaptureKey{}).(*formatCapture); ok {
		return capturingStorage{Storage: st, c: c}
	}

	return st
}

// readingOnly marks an operation that only reads (contents, verify): the
// storage kopia opens for it refuses every write, and kopia, seeing it
// read-only, leaves out the writes it makes on its own while reading
// (the compaction of many manifest contents, as Corso's backups leave).
func readingOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, readOnlyKey{}, true)
}

// readOnlyIf wraps st when ctx is an operation that only reads.
func readOnlyIf(ctx context.Context, st blob.Storage) blob.Storage {
	if ro, _ := ctx.Value(readOnlyKey{}).(bool); ro {
		return readonly.NewWrapper(st)
	}

	return st
}

// withOpenStorage hands storage this operation already opened to kopia's
// open through the connection file: the location is then not opened a
// second time (a new connection, the bucket's region, .storageconfig).
func withOpenStorage(ctx context.Context, st blob.Storage) context.Context {
	return context.WithValue(ctx, openStorageKey{}, st)
}

// keptOpen is storage the operation owns, lent to kopia: kopia's Close
// leaves it open.
type keptOpen struct{ blob.Storage }

func (keptOpen) Close(context.Context) error { return nil }

// withBucketRegion hands the bucket's region, found by the check, to the
// storage opened after it.
func withBucketRegion(ctx context.Context, region string) context.Context {
	if region == "" {
		return ctx
	}

	return context.WithValue(ctx, bucketRegionKey{}, region)
}

// withS3Secrets hands typed-in keys to the storage factory through the
// context kopia passes down from repo.Open, so they never touch a file.
func withS3Secrets(ctx context.Context, s repo.S3Secrets) context.Context {
	return context.WithValue(ctx, s3SecretsKey{}, s)
}

// WithS3Secrets is withS3Secrets for code that opens a connection file
// with kopia directly (test fixtures): typed-in S3 keys reach the storage
// this engine registered for kopia's "s3" type only this way.
func WithS3Secrets(ctx context.Context, s repo.S3Secrets) context.Context {
	return withS3Secrets(ctx, s)
}

func s3SecretsFrom(ctx context.Context) repo.S3Secrets {
	s, _ := ctx.Value(s3SecretsKey{}).(repo.S3Secrets)
	return s
}

// withKeys hands the operation's resolved keys to the storage factory the
// same way, so an open through kopia's connection file reuses them
// instead of resolving the credentials again.
func withKeys(ctx context.Context, keys *preflight.Keys) context.Context {
	if keys == nil {
		return ctx
	}

	return context.WithValue(ctx, keysKey{}, keys)
}

//nolint:gochecknoinits // kopia's storage registry is init-based by design.
func init() {
	blob.AddSupportedStorage(s3StorageType, s3StorageOptions{}, func(ctx context.Context, o *s3StorageOptions, isCreate bool) (blob.Storage, error) {
		if st, ok := ctx.Value(openStorageKey{}).(blob.Storage); ok {
			if cfg, ok := st.ConnectionInfo().Config.(*s3StorageOptions); ok && *cfg == *o {
				return readOnlyIf(ctx, capturing(ctx, keptOpen{st})), nil
			}
		}

		loc := o.location()
		ctx = withBucketRegion(ctx, o.BucketRegion)

		keys, _ := ctx.Value(keysKey{}).(*preflight.Keys)
		if keys == nil {
			keys = preflight.ResolveKeys(ctx, loc.S3Compatible, s3SecretsFrom(ctx))
		}

		if keys.Err != nil {
			return nil, keys.Err
		}

		st, err := openS3Storage(ctx, loc, keys.ResolvedCredentials, isCreate)
		if err != nil {
			return nil, err
		}

		return readOnlyIf(ctx, capturing(ctx, aided(ctx, readingAhead(ctx, st)))), nil
	})

	// kopia opens a folder repository through its connection file with its
	// own "filesystem" type; registered again here (the registry keeps the
	// last), the same folder storage is watched like every other request.
	blob.AddSupportedStorage("filesystem", filesystem.Options{}, func(ctx context.Context, o *filesystem.Options, isCreate bool) (blob.Storage, error) {
		st, err := filesystem.New(ctx, o, isCreate)
		if err != nil {
			return nil, err
		}

		return readOnlyIf(ctx, aided(ctx, watched(ctx, st, true))), nil
	})
}

// openS3Storage opens kopia's S3 storage with resolved keys and makes it
// report the secret-free connection info.
func openS3Storage(ctx context.Context, loc repo.S3Location, creds preflight.ResolvedCredentials, isCreate bool) (blob.Storage, error) {
	region, _ := ctx.Value(bucketRegionKey{}).(string)
	if loc.Region != "" {
		region = loc.Region
	}

	opts := &s3.Options{
		BucketName:      loc.Bucket,
		Prefix:          loc.Prefix,
		Endpoint:        loc.Endpoint,
		Region:          region,
		DoNotUseTLS:     loc.DisableTLS,
		DoNotVerifyTLS:  loc.DisableTLSVerification,
		AccessKeyID:     creds.AccessKeyID,
		SecretAccessKey: creds.SecretAccessKey,
		SessionToken:    creds.SessionToken,
	}

	if loc.CAFile != "" {
		pem, err := preflight.ReadCAFile(loc.CAFile)
		if err != nil {
			return nil, err
		}

		opts.RootCA = pem
	}

	st, err := s3.New(ctx, opts, isCreate)
	if err != nil {
		return nil, preflight.Classify(ctx, err, loc.String())
	}

	o := optionsFor(loc)
	if loc.Region == "" {
		o.BucketRegion = region
	}

	return watched(ctx, secretFreeStorage{Storage: st, info: blob.ConnectionInfo{Type: s3StorageType, Config: &o}}, false), nil
}

// secretFreeStorage is kopia's S3 storage that describes itself by our
// secret-free options, which is what kopia writes to its connection file.
type secretFreeStorage struct {
	blob.Storage
	info blob.ConnectionInfo
}

func (s secretFreeStorage) ConnectionInfo() blob.ConnectionInfo { return s.info }

// openFilesystemStorage opens a folder repository. kopia's defaults are the
// modes Corso documents: 0700 folders, 0600 files.
func openFilesystemStorage(ctx context.Context, f repo.Filesystem, isCreate bool) (blob.Storage, error) {
	st, err := filesystem.New(ctx, &filesystem.Options{
		Path:          f.Path,
		FileMode:      0o600,
		DirectoryMode: 0o700,
	}, isCreate)
	if err != nil {
		return nil, preflight.ClassifyFS(err, f.Path)
	}

	return watched(ctx, st, true), nil
}

// openStorage opens the kopia storage for normalized settings with the
// operation's resolved keys (nil for a folder).
func openStorage(ctx context.Context, s repo.Settings, keys *preflight.Keys, isCreate bool) (blob.Storage, error) {
	if f, ok := s.(repo.Filesystem); ok {
		return openFilesystemStorage(ctx, f, isCreate)
	}

	if keys.Err != nil {
		return nil, keys.Err
	}

	loc, _ := repo.AsS3(s)

	return openS3Storage(ctx, loc, keys.ResolvedCredentials, isCreate)
}
