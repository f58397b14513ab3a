// Initialize: creating a repository at an empty location.

package kopiaengine

import (
	"context"
	"time"

	"github.com/kopia/kopia/repo/blob"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

func requirePassphrase(p string) error {
	if p == "" {
		return repo.FieldErrors{repo.InvalidField(repo.FieldPassphrase, "Enter the repository passphrase.")}
	}

	return nil
}

// Initialize creates a Corso repository at an empty location and connects
// to it. It never overwrites anything: a repository already there, an
// interrupted creation or any other data makes it refuse before writing.
// For S3 it first proves the bucket and every permission Corso needs.
func initializeOp(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	n, err := repo.Normalize(s)
	if err != nil {
		return nil, err
	}

	if err := requirePassphrase(secrets.Passphrase); err != nil {
		return nil, err
	}

	// The connection is saved last; a place where it cannot be saved must
	// be found before the repository's format is written, not after.
	if err := usableLocal(local); err != nil {
		return nil, err
	}

	f, err := newCorsoFormat()
	if err != nil {
		return nil, err
	}

	// The key is derived while the check makes its requests, so a careful
	// creation costs no more time than a careless one. Nothing is written
	// before the check has passed.
	key := f.deriveKey(secrets.Passphrase)

	repo.Progress(ctx, repo.StepChecking)

	keys := preflight.ResolveKeys(ctx, n, secrets.S3)
	ctx = withKeys(ctx, keys)

	// The add flow's check step, moments ago, stands for this one: the
	// location is listed again under its lock below in any case.
	rep, api, reused := preflight.Rechecked(ctx, n, keys)
	if !reused {
		if rep, api, err = preflight.CheckLocation(ctx, n, keys, repo.CheckWrite); err != nil {
			return nil, err
		}
	}

	if rep.Err != nil {
		return nil, rep.Err
	}

	// A half-made location may be another create of it under way: that
	// one holds the lock, so the lock decides what to say (busy, lost the
	// race, or interrupted if it is still half-made once the lock is ours).
	wasHalfMade := rep.State == repo.StateHalfMade
	if !wasHalfMade {
		if e := preflight.StateError(rep.State, rep.HalfMade, repo.Describe(n)); e != nil {
			return nil, e
		}
	}

	ctx = withBucketRegion(ctx, rep.Region)

	// kopia's S3 storage is opened (a connection, .storageconfig read)
	// while the lock is taken: opening writes nothing. A folder's is
	// opened holding the lock, as opening may make the folder.
	storage := openStorageAsync(ctx, n, keys)
	defer storage.discardAfterAnswer(ctx)

	var info *repo.Info

	err = whileLocked(ctx, n, rep, api, true, func(g guard, st repo.State, stage repo.HalfMadeStage) error {
		if st == repo.StateHalfMade && wasHalfMade {
			return preflight.StateError(st, stage, repo.Describe(n))
		}

		if st == repo.StateRepository || st == repo.StateHalfMade {
			return preflight.LostRace(repo.Describe(n))
		}

		if e := preflight.StateError(st, stage, repo.Describe(n)); e != nil {
			return e
		}

		// The user chose this folder for a private repository: make it
		// private, whatever it was before.
		// (Taking the lock made the folder if it was missing.)
		if fs, ok := n.(repo.Filesystem); ok && st == repo.StateEmpty {
			if err := platform.MakePrivate(fs.Path); err != nil {
				return preflight.ClassifyFS(err, fs.Path)
			}
		}

		var err error
		info, err = initialize(ctx, n, keys, secrets, local, f, key, g, storage)

		return err
	})

	return info, err
}

// initialize writes a new repository's format through g (never replacing
// one) and connects to it, writing Corso's settings once the format is in;
// on S3 kopia's open of it overlaps the format's writes. key delivers f's
// key, derived from secrets; keys are the operation's resolved
// credentials. The caller holds g's lock.
func initialize(ctx context.Context, n repo.Settings, keys *preflight.Keys, secrets repo.Secrets, local repo.Local, f *corsoFormat, key <-chan derivedKey, g guard, storage *asyncStorage) (*repo.Info, error) {
	where := repo.Describe(n)

	raw, err := storage.wait(ctx, n, keys)
	if err != nil {
		return nil, err
	}

	st := guardedStorage{Storage: raw, g: g}

	repo.Progress(ctx, repo.StepCreating)

	var k derivedKey
	select {
	case k = <-key:
	case <-ctx.Done():
		return nil, repo.CanceledError(ctx.Err())
	}

	if k.err != nil {
		return nil, preflight.Classify(ctx, k.err, where)
	}

	var (
		lock   repo.Retention
		extend bool
	)

	if l, ok := repo.AsS3(n); ok {
		lock = l.ObjectLock.Retention()
		extend = l.ObjectLock != nil && l.ObjectLock.Extend
	}

	blobs, err := f.encode(ctx, k.key, lock)
	if err != nil {
		return nil, preflight.Classify(ctx, err, where)
	}

	// kopia's open, with its own derivation of the key (a fifth of a
	// second of CPU), runs while the format is written and its index
	// prefixes listed; it writes nothing until the format is in place, and
	// counts only if it is.
	//
	// A folder is not lent to kopia's open (kopia opens it itself and reads
	// the format from disk), and its writes are local: they come first.
	var written *pendingFormat

	if _, ok := n.(repo.Filesystem); ok {
		if err := writeFormat(ctx, st, blobs); err != nil {
			return nil, preflight.Classify(ctx, err, where)
		}
	} else {
		written = startFormatWrite(ctx, st, blobs)
	}

	info, err := connectStorage(ctx, st, n, secrets, local, openRequest{settings: writeSettings, created: time.Now(), extendLocks: extend, format: written})
	if werr := written.wait(); werr != nil {
		return nil, preflight.Classify(ctx, werr, where)
	}

	return info, err
}

// Initialize creates a Corso repository at an empty location and connects
// to it. It never overwrites anything: a repository already there, an
// interrupted creation or any other data makes it refuse before writing.
// For S3 it first proves the bucket and every permission Corso needs.
func (*Engine) Initialize(ctx context.Context, s repo.Settings, secrets repo.Secrets, local repo.Local) (*repo.Info, error) {
	if err := local.Validate(); err != nil {
		return nil, err
	}

	return bounded(ctx, repo.Where(s), func(ctx context.Context) (*repo.Info, error) { return initializeOp(ctx, s, secrets, local) })
}

// asyncStorage is S3 storage being opened on a goroutine of its own.
type asyncStorage struct {
	done chan struct{}
	st   blob.Storage
	err  error
}

func openStorageAsync(ctx context.Context, n repo.Settings, keys *preflight.Keys) *asyncStorage {
	if _, ok := n.(repo.Filesystem); ok {
		return openStorageLater()
	}

	a := &asyncStorage{done: make(chan struct{})}

	go func() {
		defer close(a.done)
		a.st, a.err = openStorage(ctx, n, keys, true)
	}()

	return a
}

// openStorageLater opens the storage when it is waited for.
func openStorageLater() *asyncStorage {
	a := &asyncStorage{done: make(chan struct{})}
	close(a.done)

	return a
}

// wait returns the storage (a folder's opened now); it is closed by
// discard.
func (a *asyncStorage) wait(ctx context.Context, n repo.Settings, keys *preflight.Keys) (blob.Storage, error) {
	<-a.done

	if a.st == nil && a.err == nil {
		a.st, a.err = openStorage(ctx, n, keys, true)
	}

	return a.st, a.err
}

// discardAfterAnswer closes the storage after the answer, with the
// clean-up that comes after it (a session marker's removal) done.
func (a *asyncStorage) discardAfterAnswer(ctx context.Context) {
	later := context.WithoutCancel(ctx)
	repo.AfterAnswer(ctx, func() { a.discard(later) })
}

// discard closes the storage once the operation is over, opened or not.
func (a *asyncStorage) discard(ctx context.Context) {
	<-a.done

	if a.st != nil {
		a.st.Close(ctx) //nolint:errcheck
	}
}
