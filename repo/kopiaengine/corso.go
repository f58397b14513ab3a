package kopiaengine

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/compression"
	"github.com/kopia/kopia/repo/format"
	"github.com/kopia/kopia/repo/maintenance"
	"github.com/kopia/kopia/snapshot/policy"

	"github.com/corsodesktop/corso-desktop/repo"
)

// Corso's repository format. kopia's defaults today, written out so a
// change of defaults in a newer kopia cannot silently change what we make.
const (
	CorsoFormatVersion    = 3
	CorsoKeyDerivation    = "scrypt-65536-8-1"
	CorsoEncryption       = "AES256-GCM-HMAC-SHA256"
	CorsoHash             = "BLAKE2B-256-128"
	CorsoSplitter         = "DYNAMIC-4M-BUZHASH"
	CorsoMaxPackSize      = 20 << 20
	CorsoCompressor       = "zstd-better-compression"
	CorsoMinEpochDuration = 8 * time.Hour
)

// corsoFormat is a new repository's format, made before anything is
// written so its key can be derived while the location is still being
// checked.
type corsoFormat struct {
	blob   *format.KopiaRepositoryJSON
	config *format.RepositoryConfig
}

func newCorsoFormat() (*corsoFormat, error) {
	cf := format.ContentFormat{
		Hash:       CorsoHash,
		Encryption: CorsoEncryption,
		HMACSecret: randomBytes(corsoSecretLength),
		MasterKey:  randomBytes(corsoSecretLength),
		MutableParameters: format.MutableParameters{
			Version:     CorsoFormatVersion,
			MaxPackSize: CorsoMaxPackSize,
		},
	}

	// The same version defaults kopia's Initialize applies (index version 2,
	// password change allowed, epoch parameters), then Corso's epoch:
	// kopia's Initialize would reset it to its default and Corso rewrites
	// both format blobs afterwards. Written once, an interruption can never
	// leave kopia's epoch behind.
	if err := cf.ResolveFormatVersion(); err != nil {
		return nil, err
	}

	cf.EpochParameters.MinEpochDuration = CorsoMinEpochDuration

	return &corsoFormat{
		blob: &format.KopiaRepositoryJSON{
			Tool:                   "https://github.com/kopia/kopia",
			BuildInfo:              kopiarepo.BuildInfo,
			BuildVersion:           kopiarepo.BuildVersion,
			KeyDerivationAlgorithm: CorsoKeyDerivation,
			UniqueID:               randomBytes(format.UniqueIDLengthBytes),
			EncryptionAlgorithm:    format.DefaultFormatEncryption,
		},
		config: &format.RepositoryConfig{
			ContentFormat: cf,
			ObjectFormat:  format.ObjectFormat{Splitter: CorsoSplitter},
		},
	}, nil
}

// derivedKey is the outcome of deriving a format key.
type derivedKey struct {
	key []byte
	err error
}

// deriveKey runs the passphrase's key derivation (scrypt, about a fifth of
// a second of CPU) on a goroutine of its own.
func (f *corsoFormat) deriveKey(passphrase string) <-chan derivedKey {
	out := make(chan derivedKey, 1)

	go func() {
		key, err := f.blob.DeriveFormatEncryptionKeyFromPassword(passphrase)
		out <- derivedKey{key, err}

		// kopia's open derives again soon after: a collection now gives it
		// the 64 MiB this derivation used, already in memory, instead of
		// new pages (in a fresh process that halves its derivation).
		runtime.GC()
	}()

	return out
}

// newBlob is one of a new repository's format blobs, as kopia would
// write it.
type newBlob struct {
	id   blob.ID
	data []byte
	opts blob.PutOptions
}

// encode encrypts the format with key and returns the blobs kopia's
// format.Initialize would write, kopia.blobcfg then kopia.repository,
// without writing them: both are known before either is written, so that
// kopia's open (its own key derivation) can start while they are.
func (f *corsoFormat) encode(ctx context.Context, key []byte, lock repo.Retention) ([]newBlob, error) {
	if err := f.config.Validate(); err != nil {
		return nil, err
	}

	// kopia.blobcfg holds the object lock, and both format blobs are
	// written locked, as kopia's Initialize does with retention options.
	blobCfg := format.BlobStorageConfiguration{RetentionMode: blob.RetentionMode(lock.Mode), RetentionPeriod: lock.Period}

	if err := f.blob.EncryptRepositoryConfig(f.config, key); err != nil {
		return nil, err
	}

	rec := &formatRecorder{}

	if err := f.blob.WriteBlobCfgBlob(ctx, rec, blobCfg, key); err != nil {
		return nil, err
	}

	if err := f.blob.WriteKopiaRepositoryBlob(ctx, rec, blobCfg); err != nil {
		return nil, err
	}

	return rec.blobs, nil
}

// writeFormat writes a new format's blobs in order. Like kopia's
// format.Initialize, it refuses when either is already there.
func writeFormat(ctx context.Context, st blob.Storage, blobs []newBlob) error {
	// On S3, through a guard whose writes are create-only, under its lock
	// and after its listing found the location empty, reading both names
	// first would only repeat that listing (two round trips): a format
	// that appeared since is refused by the write itself. A folder's reads
	// are local, and the first of them makes kopia's folder storage lay
	// out a new repository's shards (as its Initialize does).
	if g, ok := st.(guardedStorage); !ok || !g.g.exclusive() || isFolder(g.g) {
		if err := formatAbsent(ctx, st); err != nil {
			return err
		}
	}

	// One after the other, as kopia writes them: an interruption between
	// the two leaves kopia.blobcfg alone, a creation that never wrote a
	// format, which Clear removes and Finish starts over.
	for _, b := range blobs {
		if err := st.PutBlob(ctx, b.id, sliceBytes(b.data), b.opts); err != nil {
			return err
		}
	}

	return nil
}

// formatRecorder takes kopia's writes of a format instead of a store.
// Only PutBlob is ever called on it.
type formatRecorder struct {
	blob.Storage
	blobs []newBlob
}

func (r *formatRecorder) PutBlob(_ context.Context, id blob.ID, data blob.Bytes, opts blob.PutOptions) error {
	var buf bytes.Buffer
	if _, err := data.WriteTo(&buf); err != nil {
		return err
	}

	r.blobs = append(r.blobs, newBlob{id: id, data: buf.Bytes(), opts: opts})

	return nil
}

// sliceBytes is a byte slice as kopia's blob.Bytes.
type sliceBytes []byte

func (b sliceBytes) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(b)
	return int64(n), err
}

func (b sliceBytes) Length() int { return len(b) }

func (b sliceBytes) Reader() io.ReadSeekCloser { return nopCloser{bytes.NewReader(b)} }

type nopCloser struct{ io.ReadSeeker }

func (nopCloser) Close() error { return nil }

// formatAbsent refuses, as kopia's format.Initialize does, when either
// format blob is already there.
func formatAbsent(ctx context.Context, st blob.Storage) error {
	var existing blobBuffer

	switch err := st.GetBlob(ctx, format.KopiaRepositoryBlobID, 0, -1, &existing); {
	case err == nil:
		return format.ErrAlreadyInitialized
	case !errors.Is(err, blob.ErrBlobNotFound):
		return err
	}

	switch err := st.GetBlob(ctx, format.KopiaBlobCfgBlobID, 0, -1, &existing); {
	case err == nil:
		return errors.New("kopia.blobcfg exists without kopia.repository")
	case !errors.Is(err, blob.ErrBlobNotFound):
		return err
	}

	return nil
}

// corsoSecretLength is the size of a new repository's HMAC secret and
// master key, as kopia makes them.
const corsoSecretLength = 32

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) //nolint:errcheck // never fails: since Go 1.24 a failure ends the program

	return b
}

// settingsMode says what opening a repository does about Corso's settings.
type settingsMode int

const (
	// readSettings only reports whether Corso's settings are in place.
	readSettings settingsMode = iota
	// repairSettings writes whichever of Corso's settings differ.
	repairSettings
	// writeSettings writes Corso's policy into a repository just created,
	// which has no policy to read first.
	writeSettings
)

// applyCorsoSettings writes what `corso repo init` writes after kopia's
// Initialize: the epoch duration, the global policy, and with object lock
// the maintenance parameter that extends the locks (--extend-retention;
// extendLocks says whether it was chosen for a new repository, and a
// repair makes it match kopia.blobcfg, as Corso's checks expect). It
// returns the global policy now in place.
func applyCorsoSettings(ctx context.Context, dr kopiarepo.DirectRepository, mode settingsMode, extendLocks bool) (*policy.Policy, error) {
	fm := dr.FormatManager()

	mp, err := fm.GetMutableParameters(ctx)
	if err != nil {
		return nil, err
	}

	blobCfg, err := fm.BlobCfgBlob(ctx)
	if err != nil {
		return nil, err
	}

	if mp.EpochParameters.MinEpochDuration != CorsoMinEpochDuration {
		features, err := fm.RequiredFeatures(ctx)
		if err != nil {
			return nil, err
		}

		mp.EpochParameters.MinEpochDuration = CorsoMinEpochDuration
		if err := fm.SetParameters(ctx, mp, blobCfg, features); err != nil {
			return nil, err
		}
	}

	wantExtend := blobCfg.IsRetentionEnabled() && (mode != writeSettings || extendLocks)

	// A new repository has no parameters yet: kopia's default is off.
	writeParams := mode == writeSettings && wantExtend

	if mode != writeSettings {
		params, err := maintenance.GetParams(ctx, dr)
		if err != nil {
			return nil, err
		}

		writeParams = params.ExtendObjectLocks != wantExtend
	}

	// Corso starts from an empty policy, not kopia's defaults.
	pol := &policy.Policy{}
	writePolicy := true

	if mode != writeSettings {
		switch found, err := policy.GetDefinedPolicy(ctx, dr, policy.GlobalPolicySourceInfo); {
		case err == nil:
			pol = found
		case !errors.Is(err, policy.ErrPolicyNotFound):
			return nil, err
		}

		writePolicy = corsoPolicyDifferences(pol) != nil
	}

	if !writePolicy && !writeParams {
		return pol, nil
	}

	if writePolicy {
		pol.CompressionPolicy.CompressorName = compression.Name(CorsoCompressor)
		zero := policy.OptionalInt(0)
		pol.RetentionPolicy.KeepLatest = &zero
		pol.RetentionPolicy.KeepHourly = &zero
		pol.RetentionPolicy.KeepDaily = &zero
		pol.RetentionPolicy.KeepWeekly = &zero
		pol.RetentionPolicy.KeepMonthly = &zero
		pol.RetentionPolicy.KeepAnnual = &zero
		pol.SchedulingPolicy.SetInterval(0)
	}

	// One session for both: one index write, not two.
	err = kopiarepo.WriteSession(ctx, dr, kopiarepo.WriteSessionOptions{Purpose: "corso-desktop: Corso settings"}, func(ctx context.Context, w kopiarepo.RepositoryWriter) error {
		if writePolicy {
			if err := policy.SetPolicy(ctx, w, policy.GlobalPolicySourceInfo, pol); err != nil {
				return err
			}
		}

		if !writeParams {
			return nil
		}

		params, err := maintenance.GetParams(ctx, w)
		if err != nil {
			return err
		}

		params.ExtendObjectLocks = wantExtend

		return maintenance.SetParams(ctx, w, params)
	})
	if err != nil {
		return nil, err
	}

	return pol, nil
}

// corsoPolicyDifferences lists how a global policy differs from what Corso
// writes and checks in `repo maintenance`; nil means it matches.
func corsoPolicyDifferences(p *policy.Policy) []string {
	var diffs []string

	if p.CompressionPolicy.CompressorName != compression.Name(CorsoCompressor) {
		diffs = append(diffs, fmt.Sprintf("compression is %q, Corso uses %q", orNone(string(p.CompressionPolicy.CompressorName)), CorsoCompressor))
	}

	r := p.RetentionPolicy
	for _, kv := range []struct {
		name string
		v    *policy.OptionalInt
	}{
		{"keep-latest", r.KeepLatest}, {"keep-hourly", r.KeepHourly}, {"keep-daily", r.KeepDaily},
		{"keep-weekly", r.KeepWeekly}, {"keep-monthly", r.KeepMonthly}, {"keep-annual", r.KeepAnnual},
	} {
		switch {
		case kv.v == nil:
			diffs = append(diffs, kv.name+" is not set, Corso sets 0")
		case *kv.v != 0:
			diffs = append(diffs, fmt.Sprintf("%s is %d, Corso sets 0", kv.name, *kv.v))
		}
	}

	if iv := p.SchedulingPolicy.Interval(); iv != 0 {
		diffs = append(diffs, fmt.Sprintf("snapshots are scheduled every %v, Corso disables scheduling", iv))
	}

	return diffs
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}

	return s
}

func isFolder(g guard) bool {
	_, ok := g.(folderGuard)
	return ok
}
