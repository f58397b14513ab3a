package compat

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/blob/filesystem"
	"github.com/kopia/kopia/repo/maintenance"
	"github.com/kopia/kopia/repo/manifest"
	"github.com/kopia/kopia/snapshot/snapshotmaintenance"
)

// maintenanceOwnerFile names who Corso Desktop ran maintenance as on the
// fork's repository with Corso backups (the second round of this module's
// tests, COMPAT_ROUND=2).
const maintenanceOwnerFile = "maintenance-owner"

// TestForkAfterDesktopMaintenance, second round: Corso Desktop ran
// metadata and complete maintenance on the repository this module filled
// with Corso backups. The fork opens it, finds every backup model, sees the owner Corso Desktop claimed, and runs its own
// maintenance (as `corso repo maintenance` does: a direct write session,
// full safety) as that owner without complaint.
func TestForkAfterDesktopMaintenance(t *testing.T) {
	if os.Getenv("COMPAT_ROUND") != "2" {
		t.Skip("runs in the second round, after Corso Desktop's maintenance")
	}

	dir := exchangeDir(t)
	ctx := context.Background()

	owner, err := os.ReadFile(filepath.Join(dir, maintenanceOwnerFile))
	if err != nil {
		t.Fatal(err)
	}

	user, host, _ := cutAt(string(owner))

	folder, err := filesystem.New(ctx, &filesystem.Options{Path: filepath.Join(dir, withBackups)}, false)
	if err != nil {
		t.Fatal(err)
	}

	raw, err := os.ReadFile(filepath.Join(dir, backupsExpected))
	if err != nil {
		t.Fatal(err)
	}

	var written []writtenModel
	if err := json.Unmarshal(raw, &written); err != nil {
		t.Fatal(err)
	}

	want := 0
	for _, m := range written {
		if m.Labels["type"] == "BackupSchema" {
			want++
		}
	}

	for name, st := range map[string]blob.Storage{"folder": folder, "s3": exportedStorage(t, ctx, dir, "s3")} {
		t.Run(name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "repository.config")
			if err := repo.Connect(ctx, cfg, st, passphrase(t, dir), &repo.ConnectOptions{ClientOptions: repo.ClientOptions{Username: user, Hostname: host}}); err != nil {
				t.Fatal(err)
			}

			r, err := repo.Open(ctx, cfg, passphrase(t, dir), &repo.Options{})
			if err != nil {
				t.Fatalf("the fork cannot open the repository after Corso Desktop's maintenance: %v", err)
			}
			defer r.Close(ctx)

			models, err := r.FindManifests(ctx, map[string]string{manifest.TypeLabelKey: "BackupSchema"})
			if err != nil || len(models) != want {
				t.Fatalf("%d backup models after maintenance (%v), %d were written", len(models), err, want)
			}

			dr := r.(repo.DirectRepository)

			p, err := maintenance.GetParams(ctx, dr)
			if err != nil || p.Owner != string(owner) || p.QuickCycle.Enabled || p.FullCycle.Enabled {
				t.Fatalf("maintenance params %+v (%v), want owner %s and kopia's cycles off as Corso sets them", p, err, owner)
			}

			err = repo.DirectWriteSession(ctx, dr, repo.WriteSessionOptions{Purpose: "Corso maintenance"}, func(ctx context.Context, dw repo.DirectRepositoryWriter) error {
				return snapshotmaintenance.Run(ctx, dw, maintenance.ModeQuick, false, maintenance.SafetyFull)
			})
			if err != nil {
				t.Fatalf("the fork's own maintenance as %s: %v", owner, err)
			}
		})
	}
}

func cutAt(s string) (string, string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '@' {
			return s[:i], s[i+1:], true
		}
	}

	return s, "", false
}

// TestForkDefaultIdentity writes who the Corso CLI runs maintenance as on
// this machine when neither --user/--host nor corso_user/corso_host say:
// kopia's defaults in the fork. Corso Desktop's default must be the same.
func TestForkDefaultIdentity(t *testing.T) {
	dir := exchangeDir(t)
	ctx := context.Background()

	id := repo.GetDefaultUserName(ctx) + "@" + repo.GetDefaultHostName(ctx)
	if err := os.WriteFile(filepath.Join(dir, "fork-identity"), []byte(id), 0o600); err != nil {
		t.Fatal(err)
	}
}
