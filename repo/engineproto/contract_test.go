package engineproto_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestEngineContract runs every operation through both engines, the
// in-process one and the helper process the release app uses, and holds
// each to the same results, typed errors, progress and cancellation.
func TestEngineContract(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})

	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			folder := repo.Filesystem{Path: filepath.Join(dir, "repo")}
			local := repotest.LocalIn(filepath.Join(dir, "local"))
			sec := repo.Secrets{Passphrase: repotest.Passphrase}

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

			_, err = e.Reopen(ctx, local, repo.Secrets{Passphrase: "wrong " + repotest.Passphrase})
			repotest.RequireCode(t, err, repo.CodeWrongPassphrase)

			other := repotest.LocalIn(filepath.Join(dir, "other"))
			if got, err := e.Connect(ctx, folder, sec, other); err != nil || got.UniqueID != info.UniqueID {
				t.Fatalf("connect: %v", err)
			}

			// What it holds: no backup yet, its format and index blobs;
			// progress comes back; a wrong passphrase is refused.
			steps = nil
			c, err := e.Contents(repo.WithProgress(ctx, func(s repo.Step) { steps = append(steps, s) }), other, sec)
			if err != nil || len(c.Backups) != 0 || c.Storage.Blobs == 0 || !slices.Contains(steps, repo.StepListing) {
				t.Fatalf("contents: %+v %v, steps %v", c, err, steps)
			}

			_, err = e.Contents(ctx, other, repo.Secrets{Passphrase: "wrong " + repotest.Passphrase})
			repotest.RequireCode(t, err, repo.CodeWrongPassphrase)

			// Apply Corso's settings to a repository that lacks them.
			repotest.TakeSettingsAway(t, folder)

			fixed, err := e.ApplyCorsoSettings(ctx, other, sec)
			if err != nil || !fixed.CorsoSettings {
				t.Fatalf("apply settings: %+v %v", fixed, err)
			}

			// Finish an interrupted creation; clear another one.
			half := repo.Filesystem{Path: filepath.Join(dir, "half")}
			repotest.HalfMade(t, half)

			if got, err := e.Finish(ctx, half, sec, repotest.LocalIn(filepath.Join(dir, "finish"))); err != nil || !got.CorsoSettings {
				t.Fatalf("finish: %+v %v", got, err)
			}

			toClear := repo.Filesystem{Path: filepath.Join(dir, "clear")}
			repotest.HalfMade(t, toClear)

			if err := e.Clear(ctx, toClear, repo.S3Secrets{}); err != nil {
				t.Fatalf("clear: %v", err)
			}

			if rep, _ := e.Check(ctx, toClear, repo.S3Secrets{}, repo.CheckRead); rep.State != repo.StateEmpty {
				t.Fatalf("after clear: %v", rep.State)
			}

			// Clear refuses a complete repository, with a typed error.
			repotest.RequireCode(t, e.Clear(ctx, folder, repo.S3Secrets{}), repo.CodeLostRace)

			// Change the passphrase: the repository then opens with the new
			// one only, here and through the other connection; a second
			// run with the same two finds it done.
			newSec := repo.Secrets{Passphrase: "new " + repotest.Passphrase}
			steps = nil

			changed, err := e.ChangePassphrase(repo.WithProgress(ctx, func(s repo.Step) { steps = append(steps, s) }), other, sec, repo.PassphraseChange{New: newSec.Passphrase})
			if err != nil || changed.UniqueID != info.UniqueID || !slices.Contains(steps, repo.StepRewritingFormat) || !slices.Contains(steps, repo.StepVerifyingNew) {
				t.Fatalf("change passphrase: %+v %v, steps %v", changed, err, steps)
			}

			_, err = e.Reopen(ctx, local, sec)
			repotest.RequireCode(t, err, repo.CodeWrongPassphrase)

			if _, err := e.Reopen(ctx, local, newSec); err != nil {
				t.Fatalf("reopen with the new passphrase: %v", err)
			}

			if _, err := e.ChangePassphrase(ctx, other, sec, repo.PassphraseChange{New: newSec.Passphrase}); err != nil {
				t.Fatalf("the same change again: %v", err)
			}

			_, err = e.ChangePassphrase(ctx, other, repo.Secrets{Passphrase: "neither " + repotest.Passphrase}, repo.PassphraseChange{New: "nor " + repotest.Passphrase})
			repotest.RequireCode(t, err, repo.CodeWrongPassphrase)

			_, err = e.ChangePassphrase(ctx, other, newSec, repo.PassphraseChange{New: "short"})
			if fe := (repo.FieldErrors)(nil); !errors.As(err, &fe) || fe.For(repo.FieldNewPassphrase) == "" {
				t.Fatalf("a short new passphrase: %v", err)
			}

			// A folder keeps no versions of its format; a connection that
			// is not there is said.
			if old, err := e.OldFormats(ctx, other, newSec, true); err != nil || old.Versioning != repo.VersioningNotABucket || old.Removed != 0 {
				t.Fatalf("older formats of a folder: %+v %v", old, err)
			}

			_, err = e.OldFormats(ctx, repotest.LocalIn(filepath.Join(dir, "never")), newSec, false)
			repotest.RequireCode(t, err, repo.CodeNotConnected)

			if _, err := e.ChangePassphrase(ctx, other, newSec, repo.PassphraseChange{New: sec.Passphrase}); err != nil {
				t.Fatalf("change back: %v", err)
			}

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
			s := m.Settings("no-such-bucket-contract", "")
			rep, err := e.Check(ctx, s, repotest.RootSecrets().S3, repo.CheckRead)
			if err != nil {
				t.Fatal(err)
			}

			repotest.RequireCode(t, rep.Err, repo.CodeBucketMissing)

			// Cancel: a cancelled operation is a cancellation.
			cctx, cancel := context.WithCancel(ctx)
			cancel()

			_, err = e.Initialize(cctx, repo.Filesystem{Path: filepath.Join(dir, "cancelled")}, sec, repotest.LocalIn(filepath.Join(dir, "c")))
			repotest.RequireCode(t, err, repo.CodeCanceled)
		})
	}
}
