package repo

import "context"

// Engine is every repository operation the app asks for. Two
// implementations exist: kopiaengine runs them in-process (kopia and the
// AWS SDK), engineproto.Client runs each in the corso-desktop-engine
// helper process. Both return only *Error values (or FieldErrors) a UI can
// show, report progress through WithProgress, and stop on the context's
// cancellation.
type Engine interface {
	// Check looks at a location without changing it (the write probe,
	// when asked for, is removed again) and says what is there and what is
	// wrong. The returned error is for invalid settings or cancellation;
	// problems with the location itself are in Report.Err and the lines.
	Check(ctx context.Context, s Settings, secrets S3Secrets, mode CheckMode) (*Report, error)
	// Initialize creates a Corso repository at an empty location and
	// connects to it. It never overwrites anything: a repository already
	// there, an interrupted creation or any other data makes it refuse
	// before writing. For S3 it first proves the bucket and every
	// permission Corso needs.
	Initialize(ctx context.Context, s Settings, secrets Secrets, local Local) (*Info, error)
	// Connect opens an existing repository with its passphrase, proving the
	// passphrase right, and records the connection in local.
	Connect(ctx context.Context, s Settings, secrets Secrets, local Local) (*Info, error)
	// Finish completes a creation that was interrupted.
	Finish(ctx context.Context, s Settings, secrets Secrets, local Local) (*Info, error)
	// Clear removes what an interrupted creation left behind, and nothing
	// else.
	Clear(ctx context.Context, s Settings, secrets S3Secrets) error
	// Reopen opens a repository connected earlier, e.g. after a restart.
	Reopen(ctx context.Context, local Local, secrets Secrets) (*Info, error)
	// ApplyCorsoSettings writes Corso's global policy and epoch duration
	// into a connected repository.
	ApplyCorsoSettings(ctx context.Context, local Local, secrets Secrets) (*Info, error)
	// Contents reads what a connected repository holds: its storage by
	// kind of blob and the Corso backups in it. It writes nothing and
	// leaves no cache.
	Contents(ctx context.Context, local Local, secrets Secrets) (*Contents, error)
	// Details reads the items of one Corso backup in a connected
	// repository, as `corso backup details` lists them. It writes nothing
	// and leaves no cache.
	Details(ctx context.Context, local Local, secrets Secrets, req DetailsRequest) (*BackupDetails, error)
	// OpenDetails starts reading the items of one Corso backup, as
	// Details does, into a session that answers questions about them
	// while they are read and keeps them until it is closed, in the
	// engine: the window asks for the rows it shows and holds none.
	OpenDetails(ctx context.Context, local Local, secrets Secrets, req DetailsRequest) (DetailsSession, error)
	// ChangePassphrase changes a connected repository's passphrase from
	// secrets.Passphrase to change.New and returns the repository as it
	// opens with the new one. Every moment of it leaves a repository that
	// opens with one of the two; run again with the same two after an
	// interruption, it finishes from wherever it stopped.
	ChangePassphrase(ctx context.Context, local Local, secrets Secrets, change PassphraseChange) (*Info, error)
	// Maintain runs Corso's maintenance on a connected repository: Corso's
	// settings checks, in complete mode Corso's clean-up of incomplete
	// backups, then kopia's maintenance with full safety, as the
	// requested identity. Owned by another identity, it refuses with
	// CodeNotOwner unless told to take ownership.
	Maintain(ctx context.Context, local Local, secrets Secrets, req MaintenanceRequest) (*MaintenanceResult, error)
	// Verify reads a connected repository back: quick checks every index
	// and manifest and that every pack the index names is there and long
	// enough; full also reads every pack (or a random share) and decrypts
	// every content in it. What is missing or damaged is named by the
	// Corso backup it belongs to. It writes nothing; it reports its long
	// step's counts through WithCounts.
	Verify(ctx context.Context, local Local, secrets Secrets, req VerifyRequest) (*VerifyResult, error)
	// OldFormats lists what a connected repository's store keeps of its
	// format besides the current one: older versions of kopia.repository
	// and kopia.blobcfg, on a bucket that keeps versions. kopia re-wraps
	// the master key on a passphrase change and re-encrypts nothing, so
	// each older kopia.repository still opens the repository with the
	// passphrase it was written for. With remove, every older version no
	// object lock holds is deleted by its version ID, under the location's
	// lock; the current version is never touched.
	OldFormats(ctx context.Context, local Local, secrets Secrets, remove bool) (*OldFormats, error)
	// Disconnect removes this app's connection state for a repository; the
	// repository itself is not touched.
	Disconnect(ctx context.Context, local Local) error
	// ResolveCredentials finds S3 keys the way the AWS SDK does and says
	// where they came from, never the keys.
	ResolveCredentials(ctx context.Context, c Credentials, secrets S3Secrets) (string, error)
	// PassphraseStrength rates a new passphrase; known are words the user
	// has typed elsewhere (bucket, prefix) that make a guess easier.
	PassphraseStrength(ctx context.Context, p string, known ...string) (Strength, error)
	// Prepare gets ready for an operation the user is about to ask for:
	// the helper starts its process, and connections to the store next
	// names are opened ahead. It may take a few milliseconds, so a UI
	// calls it off its UI goroutine.
	Prepare(next Upcoming)
	// Problem says why the engine cannot run at all (its helper is missing
	// next to the app), or nil, so the app can say so at start.
	Problem() error
}
