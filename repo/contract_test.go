package repo_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// engine is every operation the app asks of the engine.
type engine interface {
	Check(context.Context, repo.Settings, repo.S3Secrets, repo.CheckMode) (*repo.Report, error)
	Initialize(context.Context, repo.Settings, repo.Secrets, repo.Local) (*repo.Info, error)
	Connect(context.Context, repo.Settings, repo.Secrets, repo.Local) (*repo.Info, error)
	Finish(context.Context, repo.Settings, repo.Secrets, repo.Local) (*repo.Info, error)
	Clear(context.Context, repo.Settings, repo.S3Secrets) error
	Reopen(context.Context, repo.Local, repo.Secrets) (*repo.Info, error)
	ApplyCorsoSettings(context.Context, repo.Local, repo.Secrets) (*repo.Info, error)
	Disconnect(context.Context, repo.Local) error
	ResolveCredentials(context.Context, repo.Credentials, repo.S3Secrets) (string, error)
	PassphraseStrength(context.Context, string, ...string) (repo.Strength, error)
}

// inProcessEngine is the package's own functions: the engine of tests and
// `make run`.
type inProcessEngine struct{ inProcess }

func (inProcessEngine) Check(ctx context.Context, s repo.Settings, sec repo.S3Secrets, m repo.CheckMode) (*repo.Report, error) {
	return repo.Check(ctx, s, sec, m)
}

func (inProcessEngine) Connect(ctx context.Context, s repo.Settings, sec repo.Secrets, l repo.Local) (*repo.Info, error) {
	return repo.Connect(ctx, s, sec, l)
}

func (inProcessEngine) Reopen(ctx context.Context, l repo.Local, sec repo.Secrets) (*repo.Info, error) {
	return repo.Reopen(ctx, l, sec)
}

func (inProcessEngine) ApplyCorsoSettings(ctx context.Context, l repo.Local, sec repo.Secrets) (*repo.Info, error) {
	return repo.ApplyCorsoSettings(ctx, l, sec)
}

func (inProcessEngine) Disconnect(ctx context.Context, l repo.Local) error {
	return repo.Disconnect(ctx, l)
}

func (inProcessEngine) ResolveCredentials(ctx context.Context, c repo.Credentials, sec repo.S3Secrets) (string, error) {
	return repo.ResolveCredentials(ctx, c, sec)
}

func (inProcessEngine) PassphraseStrength(ctx context.Context, p string, known ...string) (repo.Strength, error) {
	return repo.PassphraseStrength(ctx, p, known...)
}

// TestEngineContract runs every operation through both engines, the
// in-process one and the helper process the release app uses, and holds
// each to the same results, typed errors, progress and cancellation.
func TestEngineContract(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})

	for name, e := range map[string]engine{"in-process": inProcessEngine{}, "helper": engineClient(t)} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			folder := repo.Filesystem{Path: filepath.Join(dir, "repo")}
			local := localIn(filepath.Join(dir, "local"))
			sec := repo.Secrets{Passphrase: testPassphrase}

			var steps []repo.Step
			info, err := e.Initialize(repo.WithProgress(ctx, func(s repo.Step) { steps = append(steps, s) }), folder, sec, local)
			if err != nil || !info.CorsoSettings || len(steps) == 0 {
				t.Fatalf("initialize: %+v, %v, steps %v", info, err, steps)
			}

			if rep, err := e.Check(ctx, folder, repo.S3Secrets{}, repo.CheckWrite); err != nil || rep.State != repo.StateRepository {
				t.Fatalf("check: %v %v", rep, err)
			}

			if got, err := e.Reopen(ctx, local, sec); err != nil || got.UniqueID != info.UniqueID {
				t.Fatalf("reopen: %v", err)
			}

			_, err = e.Reopen(ctx, local, repo.Secrets{Passphrase: "wrong " + testPassphrase})
			requireCode(t, err, repo.CodeWrongPassphrase)

			other := localIn(filepath.Join(dir, "other"))
			if got, err := e.Connect(ctx, folder, sec, other); err != nil || got.UniqueID != info.UniqueID {
				t.Fatalf("connect: %v", err)
			}

			// Apply Corso's settings to a repository that lacks them.
			takeSettingsAway(t, folder)

			fixed, err := e.ApplyCorsoSettings(ctx, other, sec)
			if err != nil || !fixed.CorsoSettings {
				t.Fatalf("apply settings: %+v %v", fixed, err)
			}

			// Finish an interrupted creation; clear another one.
			half := repo.Filesystem{Path: filepath.Join(dir, "half")}
			halfMade(t, half)

			if got, err := e.Finish(ctx, half, sec, localIn(filepath.Join(dir, "finish"))); err != nil || !got.CorsoSettings {
				t.Fatalf("finish: %+v %v", got, err)
			}

			toClear := repo.Filesystem{Path: filepath.Join(dir, "clear")}
			halfMade(t, toClear)

			if err := e.Clear(ctx, toClear, repo.S3Secrets{}); err != nil {
				t.Fatalf("clear: %v", err)
			}

			if rep, _ := e.Check(ctx, toClear, repo.S3Secrets{}, repo.CheckRead); rep.State != repo.StateEmpty {
				t.Fatalf("after clear: %v", rep.State)
			}

			// Clear refuses a complete repository, with a typed error.
			requireCode(t, e.Clear(ctx, folder, repo.S3Secrets{}), repo.CodeLostRace)

			if err := e.Disconnect(ctx, other); err != nil {
				t.Fatal(err)
			}

			if _, err := os.Stat(other.ConfigFile); !os.IsNotExist(err) {
				t.Fatal("disconnect left the connection file")
			}

			from, err := e.ResolveCredentials(ctx, repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: repotest.RootUser}, repo.S3Secrets{SecretAccessKey: "x"})
			if err != nil || from == "" {
				t.Fatalf("credentials: %q %v", from, err)
			}

			_, err = e.ResolveCredentials(ctx, repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: repotest.RootUser}, repo.S3Secrets{})
			if err == nil {
				t.Fatal("typed keys without a secret resolved")
			}

			if st, err := e.PassphraseStrength(ctx, "correct horse"); err != nil || st.Label == "" {
				t.Fatalf("strength: %+v %v", st, err)
			}

			// A denied bucket on MinIO: the same typed error either way.
			s := s3Settings(m, "no-such-bucket-contract", "")
			rep, err := e.Check(ctx, s, rootSecrets().S3, repo.CheckRead)
			if err != nil {
				t.Fatal(err)
			}

			requireCode(t, rep.Err, repo.CodeBucketMissing)

			// Cancel: a cancelled operation is a cancellation.
			cctx, cancel := context.WithCancel(ctx)
			cancel()

			_, err = e.Initialize(cctx, repo.Filesystem{Path: filepath.Join(dir, "cancelled")}, sec, localIn(filepath.Join(dir, "c")))
			requireCode(t, err, repo.CodeCanceled)
		})
	}
}
