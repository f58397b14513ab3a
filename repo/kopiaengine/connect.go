// Connect: opening an existing repository and saving the connection.

package kopiaengine

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/content"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// Connect opens an existing repository with its passphrase, proving the
// passphrase right, and records the connection in local.
func connectOp(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	n, err := repo.Normalize(s)
	if err != nil {
		return nil, err
	}

	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	repo.Progress(ctx, repo.StepChecking)

	// The check's few requests run while kopia derives the keys (a fifth of
	// a second of CPU), so connecting costs what opening costs. When both
	// fail, the check's sentence wins: it says more than kopia's error.
	keys := preflight.ResolveKeys(ctx, n, secrets.S3)
	ctx = withKeys(ctx, keys)
	pre := startReadCheck(ctx, n, keys)

	st, err := openStorage(ctx, n, keys, false)
	if err != nil {
		if perr := pre.wait(); perr != nil {
			return nil, perr
		}

		return nil, err
	}
	defer st.Close(ctx) //nolint:errcheck

	// On S3 what kopia's open reads is asked for at once, beside the
	// check's last answers, instead of one round after another.
	var ahead *readAhead
	if _, folder := n.(repo.Filesystem); !folder {
		ahead = startReadAhead(ctx, st)
	}

	info, err := connectStorage(ctx, st, n, secrets, local, openRequest{readCheck: pre, ahead: ahead})
	if err != nil {
		return nil, err
	}

	info.CredentialsFrom = pre.credentialsFrom

	return info, nil
}

// readCheck is the read check of a location, run alongside opening it.
type readCheck struct {
	done            chan struct{}
	err             error
	created         time.Time
	credentialsFrom string
	// region is the bucket's, for the connection file.
	region string
}

func startReadCheck(ctx context.Context, n repo.Settings, keys *preflight.Keys) *readCheck {
	p := &readCheck{done: make(chan struct{})}

	go func() {
		defer close(p.done)

		rep, _, err := preflight.CheckLocation(ctx, n, keys, repo.CheckRead)
		if err != nil {
			p.err = err
			return
		}

		p.err = connectableState(rep, repo.Describe(n))
		p.created = rep.Created
		p.credentialsFrom = rep.CredentialsFrom
		p.region = rep.Region
	}()

	return p
}

// wait returns the check's verdict once it is in; a nil readCheck has none.
func (p *readCheck) wait() error {
	if p == nil {
		return nil
	}

	<-p.done

	return p.err
}

// connectableState is the reason a checked location cannot be connected
// to, or nil.
func connectableState(rep *repo.Report, where string) error {
	switch {
	case rep.Err != nil:
		return rep.Err
	case rep.State == repo.StateEmpty:
		return repo.NewError(repo.CodeNoRepository, nil, "There is no repository at %s. Check the location, or create a new repository there.", where)
	case rep.State == repo.StateNotEmpty:
		return repo.NewError(repo.CodeNoRepository, nil, "%s holds data, but not a repository. Check the location (for S3, the prefix).", where)
	case rep.State == repo.StateHalfMade && rep.HalfMade == repo.HalfMadeBeforeFormat:
		return preflight.StateError(rep.State, rep.HalfMade, where)
	}

	return nil
}

// openRequest is what opening a repository does besides opening it.
type openRequest struct {
	settings settingsMode
	// extendLocks: a new repository's maintenance extends its object locks.
	extendLocks bool
	// created is when the format was written, when the caller knows.
	created time.Time
	// readCheck, when set, must pass for the open to count; it also says
	// when the format was written.
	readCheck *readCheck
	// format, when set, is the format this operation is writing: the open
	// reads it from memory, and counts only once its writes succeeded.
	format *pendingFormat
	// ahead, when set, is what a connect read ahead of kopia's open.
	ahead *readAhead
}

// connectStorage writes kopia's connection file and opens the repository
// once. kopia's own repo.Connect would open it a second time to verify,
// paying for the scrypt key derivation twice; one open proves the same.
func connectStorage(ctx context.Context, st blob.Storage, n repo.Settings, secrets repo.Secrets, local repo.Local, req openRequest) (*repo.Info, error) {
	// A failed attempt (a mistyped passphrase) must not undo a connection
	// that worked before: keep the old file to put back.
	previous, _ := os.ReadFile(local.ConfigFile)

	// kopia's open below uses this storage rather than opening the
	// location again (the guard's create-only writes are not lent).
	lent := st
	if g, ok := st.(guardedStorage); ok {
		lent = g.Storage
	}

	if req.format != nil {
		lent = freshFormat{Storage: lent, format: req.format}
	}

	if req.ahead != nil {
		lent = aheadStorage{Storage: lent, ahead: req.ahead}
	}

	ctx = withOpenStorage(ctx, lent)

	if err := writeConnection(ctx, st, local); err != nil {
		if perr := req.readCheck.wait(); perr != nil {
			return nil, perr
		}

		return nil, err
	}

	info, err := open(ctx, local, secrets, req)
	if err == nil && req.readCheck != nil {
		// The check ran beside the storage's opening; its bucket region
		// saves later opens the lookup.
		rememberBucketRegion(local, req.readCheck.region)
	}

	if err != nil {
		if previous != nil {
			platform.WriteFileAtomic(local.ConfigFile, previous) //nolint:errcheck // best effort; the error below matters more
		} else {
			removeConnection(local)
		}

		return nil, err
	}

	info.Storage = repo.Describe(n)

	return info, nil
}

func writeConnection(ctx context.Context, st blob.Storage, local repo.Local) error {
	if local.ConfigFile == "" {
		return errors.New("repo: Local.ConfigFile is required")
	}

	ci := st.ConnectionInfo()
	lc := kopiarepo.LocalConfig{
		Storage: &ci,
		// No local cache, as in kopia's own defaults: this app opens a
		// repository to connect and to read its settings, never to back up
		// (the Corso CLI keeps its own cache for that), and filling kopia's
		// caches on disk made every first open about 15 ms slower.
		Caching:       &content.CachingOptions{},
		ClientOptions: kopiarepo.ClientOptions{}.ApplyDefaults(ctx, "Corso repository in "+st.DisplayName()),
	}

	data, err := json.MarshalIndent(lc, "", "  ")
	if err != nil {
		return err
	}

	if err := platform.WriteFileAtomic(local.ConfigFile, data); err != nil {
		return preflight.ClassifyFS(err, local.ConfigFile)
	}

	return nil
}

// usableLocal proves the connection file's folder can be made and written.
func usableLocal(local repo.Local) error {
	if local.ConfigFile == "" {
		return errors.New("repo: Local.ConfigFile is required")
	}

	dir := filepath.Dir(local.ConfigFile)
	if err := platform.MkdirPrivate(dir); err != nil {
		return localError(err, dir)
	}

	if err := preflight.ProbeWritable(dir); err != nil {
		return localError(err, dir)
	}

	return nil
}

func localError(err error, dir string) error {
	if e := preflight.ClassifyFS(err, dir); repo.CodeOf(e) == repo.CodeDiskFull {
		return e
	}

	return repo.NewError(repo.CodeAccessDenied, err, "Corso Desktop cannot save its connection to the repository in %s, so nothing was created. Check that this folder (part of your user settings) is writable, then try again.", dir)
}

func removeConnection(local repo.Local) {
	os.Remove(local.ConfigFile) //nolint:errcheck

	if local.CacheDir != "" {
		os.RemoveAll(local.CacheDir) //nolint:errcheck
	}
}

// Connect opens an existing repository with its passphrase, proving the
// passphrase right, and records the connection in local.
func (*Engine) Connect(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	if err := local.Validate(); err != nil {
		return nil, err
	}

	return bounded(ctx, repo.Where(s), func(ctx context.Context) (*repo.Info, error) { return connectOp(ctx, s, secrets, local) })
}

// rememberBucketRegion adds the bucket's region to a connection file that
// lacks it (best effort: without it, an open asks the bucket).
func rememberBucketRegion(local repo.Local, region string) {
	if region == "" {
		return
	}

	lc, err := kopiarepo.LoadConfigFromFile(local.ConfigFile)
	if err != nil || lc.Storage == nil || lc.Storage.Type != s3StorageType {
		return
	}

	o, ok := lc.Storage.Config.(*s3StorageOptions)
	if !ok || o.Region != "" || o.BucketRegion != "" {
		return
	}

	o.BucketRegion = region

	if data, err := json.MarshalIndent(lc, "", "  "); err == nil {
		platform.WriteFileAtomic(local.ConfigFile, data) //nolint:errcheck // an optimisation only
	}
}
