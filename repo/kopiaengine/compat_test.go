package kopiaengine_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestCorsoForkCompatibility hands repositories across on disk between
// this module's kopia and the fork Corso pins (module compat/ at the top): the fork
// must open what we create with Corso's exact format and policy, and we
// must connect to what the fork creates the way the Corso CLI does.
func TestCorsoForkCompatibility(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a second kopia; skipped with -short")
	}

	goBin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the go tool is needed to build the compat module")
		}

		t.Skip("no go tool on PATH")
	}

	ctx := context.Background()
	exchange := t.TempDir()

	if err := os.WriteFile(filepath.Join(exchange, "passphrase"), []byte(repotest.Passphrase), 0o600); err != nil {
		t.Fatal(err)
	}

	fsRepo := repo.Filesystem{Path: filepath.Join(exchange, "from-desktop")}

	fsInfo, err := eng.Initialize(ctx, fsRepo, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}

	// A repository whose passphrase this side changes, for the fork to
	// open with the new one.
	newSec := repo.Secrets{Passphrase: "changed " + repotest.Passphrase}
	if err := os.WriteFile(filepath.Join(exchange, "new-passphrase"), []byte(newSec.Passphrase), 0o600); err != nil {
		t.Fatal(err)
	}

	changedLocal := repotest.LocalIn(t.TempDir())
	if _, err := eng.Initialize(ctx, repo.Filesystem{Path: filepath.Join(exchange, "passphrase-changed-by-desktop")}, repo.Secrets{Passphrase: repotest.Passphrase}, changedLocal); err != nil {
		t.Fatal(err)
	}

	if _, err := eng.ChangePassphrase(ctx, changedLocal, repo.Secrets{Passphrase: repotest.Passphrase}, repo.PassphraseChange{New: newSec.Passphrase}); err != nil {
		t.Fatal(err)
	}

	// The hand-off: .corso.toml files exported here, which the fork side
	// reads (not this side's settings) to find and open each repository,
	// with the S3 keys in the environment as the Corso CLI takes them.
	m := repotest.Shared(t, repotest.Options{})
	s3Repo := m.Settings(m.Bucket(t), "handed off")

	s3Info, err := eng.Initialize(ctx, s3Repo, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}

	// An immutable one, in a bucket with object lock.
	lockedRepo := m.Settings(m.LockedBucket(t), "immutable")
	lockedRepo.ObjectLock = &repo.ObjectLock{Mode: repo.RetentionGovernance, Period: 72 * time.Hour, Extend: true}

	lockedInfo, err := eng.Initialize(ctx, lockedRepo, repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(filepath.Join(exchange, "locked.retention"), []byte("GOVERNANCE 72h0m0s"), 0o600); err != nil {
		t.Fatal(err)
	}

	for name, c := range map[string]struct {
		s  repo.Settings
		id string
	}{"filesystem": {fsRepo, fsInfo.UniqueID}, "s3": {s3Repo, s3Info.UniqueID}, "locked": {lockedRepo, lockedInfo.UniqueID}} {
		if _, err := corsoconfig.Export(filepath.Join(exchange, name+".corso.toml"), c.s, corsoconfig.ExportOptions{}); err != nil {
			t.Fatal(err)
		}

		if err := os.WriteFile(filepath.Join(exchange, name+".unique-id"), []byte(c.id), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	cmd := exec.Command(goBin, "test", "-count=1", "-v", "./...")
	cmd.Dir = filepath.Join("..", "..", "compat")
	cmd.Env = append(os.Environ(), "COMPAT_DIR="+exchange,
		"AWS_ACCESS_KEY_ID="+repotest.RootUser, "AWS_SECRET_ACCESS_KEY="+repotest.RootPassword)

	out, err := cmd.CombinedOutput()
	t.Logf("compat module (Corso's kopia fork):\n%s", out)

	if err != nil {
		t.Fatalf("the compat module failed: %v", err)
	}

	info, err := eng.Connect(ctx, repo.Filesystem{Path: filepath.Join(exchange, "from-fork")}, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatalf("cannot connect to the fork's repository: %v", err)
	}

	repotest.RequireCorsoFormat(t, info)

	// The fork changed this one's passphrase as the CLI's
	// update-passphrase does: it opens with the new one only, in both
	// engines.
	forkChanged := repo.Filesystem{Path: filepath.Join(exchange, "passphrase-changed-by-fork")}
	for name, e := range repotest.Engines(t) {
		if _, err := e.Connect(ctx, forkChanged, newSec, repotest.LocalIn(t.TempDir())); err != nil {
			t.Fatalf("%s: the fork's passphrase change: %v", name, err)
		}

		_, err := e.Connect(ctx, forkChanged, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
		repotest.RequireCode(t, err, repo.CodeWrongPassphrase)
	}

	requireCorsoBackups(t, exchange)
	requireCorsoDetails(t, exchange)

	// Who maintenance runs as by default: the CLI's identity on this machine.
	forkIdentity, err := os.ReadFile(filepath.Join(exchange, "fork-identity"))
	if err != nil {
		t.Fatal(err)
	}

	identityLocal := repotest.LocalIn(t.TempDir())
	if _, err := eng.Connect(ctx, fsRepo, repo.Secrets{Passphrase: repotest.Passphrase}, identityLocal); err != nil {
		t.Fatal(err)
	}

	c, err := eng.Contents(ctx, identityLocal, repo.Secrets{Passphrase: repotest.Passphrase})
	if err != nil {
		t.Fatal(err)
	}

	if c.Maintenance.Identity != string(forkIdentity) {
		t.Fatalf("default identity %q, the Corso CLI's is %q", c.Maintenance.Identity, forkIdentity)
	}

	// Corso Desktop's maintenance, both modes, on the fork's repository
	// with Corso backups, as an identity of its own; then the fork opens
	// it again and runs its own maintenance as that owner.
	withBackups := repo.Filesystem{Path: filepath.Join(exchange, "with-backups")}
	maintLocal := repotest.LocalIn(t.TempDir())

	if _, err := eng.Connect(ctx, withBackups, repo.Secrets{Passphrase: repotest.Passphrase}, maintLocal); err != nil {
		t.Fatal(err)
	}

	// and on MinIO, where the fork wrote the same backups.
	s3Local := repotest.LocalIn(t.TempDir())
	if _, err := eng.Connect(ctx, s3Repo, repotest.RootSecrets(), s3Local); err != nil {
		t.Fatal(err)
	}

	for local, sec := range map[repo.Local]repo.Secrets{maintLocal: {Passphrase: repotest.Passphrase}, s3Local: repotest.RootSecrets()} {
		before, err := eng.Contents(ctx, local, sec)
		if err != nil || len(before.Backups) == 0 {
			t.Fatalf("the fork's backups before maintenance: %v", err)
		}

		for _, mode := range []repo.MaintenanceMode{repo.MaintenanceMetadata, repo.MaintenanceComplete} {
			res, err := eng.Maintain(ctx, local, sec, repo.MaintenanceRequest{Mode: mode, User: "corso-admin", Host: "backup-host"})
			if err != nil || res.Owner != "corso-admin@backup-host" || len(res.Tasks) == 0 {
				t.Fatalf("%s maintenance of the fork's repository: %+v %v", mode, res, err)
			}
		}

		after, err := eng.Contents(ctx, local, sec)
		if err != nil || len(after.Backups) != len(before.Backups) || after.AssistBackups != before.AssistBackups {
			t.Fatalf("maintenance changed the fork's backups: %d, were %d (%v)", len(after.Backups), len(before.Backups), err)
		}
	}

	if err := os.WriteFile(filepath.Join(exchange, "maintenance-owner"), []byte("corso-admin@backup-host"), 0o600); err != nil {
		t.Fatal(err)
	}

	round2 := exec.Command(goBin, "test", "-count=1", "-v", "-run", "TestForkAfterDesktopMaintenance", "./...")
	round2.Dir = cmd.Dir
	round2.Env = append(cmd.Env, "COMPAT_ROUND=2")

	out, err = round2.CombinedOutput()
	t.Logf("compat module, second round:\n%s", out)

	if err != nil {
		t.Fatalf("the compat module's second round failed: %v", err)
	}

	if !strings.Contains(string(out), "--- PASS: TestForkAfterDesktopMaintenance/s3") || !strings.Contains(string(out), "--- PASS: TestForkAfterDesktopMaintenance/folder") {
		t.Fatal("the second round did not run TestForkAfterDesktopMaintenance")
	}
}

// requireCorsoBackups lists the backups the fork wrote as Corso does
// (compat/backups_test.go) over both engines, and holds every field to
// what was written: assist backups counted, not listed; a model of another
// store version and other models left out; newest first; and the listing
// writes nothing.
func requireCorsoBackups(t *testing.T, exchange string) {
	t.Helper()

	raw, err := os.ReadFile(filepath.Join(exchange, "backups-expected.json"))
	if err != nil {
		t.Fatal(err)
	}

	var written []struct {
		Labels map[string]string `json:"labels"`
		Body   struct {
			ID                    string    `json:"ID"`
			CreationTime          time.Time `json:"creationTime"`
			SnapshotID            string    `json:"snapshotID"`
			StreamStoreID         string    `json:"streamStoreID"`
			Status                string    `json:"status"`
			ProtectedResourceID   string    `json:"protectedResourceID"`
			ProtectedResourceName string    `json:"protectedResourceName"`
			Version               int       `json:"version"`
			ErrorCount            int       `json:"errorCount"`
			Failure               string    `json:"failure"`
			BytesRead             int64     `json:"bytesRead"`
			BytesUploaded         int64     `json:"nonMetaBytesUploaded"`
			ItemsRead             int       `json:"itemsRead"`
			ItemsWritten          int       `json:"nonMetaItemsWritten"`
			TotalSkippedItems     int       `json:"totalSkippedItems"`
			StartedAt             time.Time `json:"startedAt"`
			CompletedAt           time.Time `json:"completedAt"`
		} `json:"body"`
	}

	if err := json.Unmarshal(raw, &written); err != nil {
		t.Fatal(err)
	}

	var (
		want   []repo.Backup
		assist int
	)

	for _, m := range written {
		l := m.Labels
		if l["type"] != "BackupSchema" || l["storeVersion"] != "1" {
			continue
		}

		if l["backup-type"] == "assist-backup" {
			assist++
			continue
		}

		kind := l["backup-type"]
		if kind == "" {
			kind = "merge-backup"
		}

		b := m.Body
		want = append(want, repo.Backup{
			ID: b.ID, Type: kind, Service: l["service"], ResourceID: b.ProtectedResourceID, ResourceName: b.ProtectedResourceName,
			Created: b.CreationTime, Status: b.Status, Version: b.Version, SnapshotID: b.SnapshotID, StreamStoreID: b.StreamStoreID,
			ItemsRead: b.ItemsRead, ItemsWritten: b.ItemsWritten, ItemsSkipped: b.TotalSkippedItems,
			BytesRead: b.BytesRead, BytesUploaded: b.BytesUploaded, Started: b.StartedAt, Completed: b.CompletedAt,
			ErrorCount: b.ErrorCount, Failure: b.Failure,
		})
	}

	sort.SliceStable(want, func(i, j int) bool { return want[i].Created.After(want[j].Created) })

	if len(want) != 7 || assist != 1 {
		t.Fatalf("the fixture changed: %d listed, %d assist", len(want), assist)
	}

	folder := repo.Filesystem{Path: filepath.Join(exchange, "with-backups")}
	sec := repo.Secrets{Passphrase: repotest.Passphrase}

	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			local := repotest.LocalIn(t.TempDir())

			if _, err := e.Connect(ctx, folder, sec, local); err != nil {
				t.Fatal(err)
			}

			before := repotest.TreeDigest(t, folder.Path)

			var steps []repo.Step

			c, err := e.Contents(repo.WithProgress(ctx, func(s repo.Step) { steps = append(steps, s) }), local, sec)
			if err != nil {
				t.Fatal(err)
			}

			if after := repotest.TreeDigest(t, folder.Path); !slices.Equal(before, after) {
				t.Fatalf("listing the contents changed the repository:\n%v\n%v", before, after)
			}

			if !slices.Contains(steps, repo.StepBackups) {
				t.Errorf("progress %v", steps)
			}

			if c.AssistBackups != assist || len(c.Backups) != len(want) {
				t.Fatalf("%d backups, %d assist; want %d, %d", len(c.Backups), c.AssistBackups, len(want), assist)
			}

			for i := range want {
				got, w := c.Backups[i], want[i]
				if !got.Created.Equal(w.Created) || !got.Started.Equal(w.Started) || !got.Completed.Equal(w.Completed) {
					t.Errorf("backup %d times: %v %v %v, want %v %v %v", i, got.Created, got.Started, got.Completed, w.Created, w.Started, w.Completed)
				}

				got.Created, got.Started, got.Completed = w.Created, w.Started, w.Completed
				if got != w {
					t.Errorf("backup %d:\n got %+v\nwant %+v", i, got, w)
				}
			}

			u := c.Storage
			kinds := map[string]repo.BlobUse{}
			blobs, bytes := 0, int64(0)

			for _, k := range u.Kinds {
				kinds[k.Kind] = k
				blobs += k.Blobs
				bytes += k.Bytes
			}

			if blobs != u.Blobs || bytes != u.Bytes || u.LastWrite.IsZero() {
				t.Errorf("storage totals %d blobs %d bytes (kinds sum %d, %d), last write %v", u.Blobs, u.Bytes, blobs, bytes, u.LastWrite)
			}

			if kinds[repo.BlobDataPacks].Bytes < 3<<20 || kinds[repo.BlobMetadataPacks].Blobs == 0 || kinds[repo.BlobIndexes].Blobs == 0 ||
				kinds[repo.BlobFormat].Blobs < 2 || kinds[repo.BlobOther].Blobs != 0 {
				t.Errorf("storage by kind: %+v", u.Kinds)
			}
		})
	}
}

// requireCorsoDetails: the details the fork wrote as a Corso backup writes
// them read back, over both engines, as the CLI lists them: the same
// items, in order, with their names.
func requireCorsoDetails(t *testing.T, exchange string) {
	t.Helper()

	raw, err := os.ReadFile(filepath.Join(exchange, "details-expected.json"))
	if err != nil {
		t.Fatal(err)
	}

	var written []struct {
		BackupID string `json:"backupID"`
		Service  string `json:"service"`
		Items    []struct {
			Ref  string `json:"ref"`
			Name string `json:"name"`
		} `json:"items"`
	}

	if err := json.Unmarshal(raw, &written); err != nil || len(written) != len(repotest.CorsoServices) {
		t.Fatalf("%d backups with details written (%v)", len(written), err)
	}

	ctx := context.Background()
	sec := repo.Secrets{Passphrase: repotest.Passphrase}

	for name, e := range repotest.Engines(t) {
		local := repotest.LocalIn(t.TempDir())
		if _, err := e.Connect(ctx, repo.Filesystem{Path: filepath.Join(exchange, "with-details")}, sec, local); err != nil {
			t.Fatal(err)
		}

		for _, w := range written {
			d, err := e.Details(ctx, local, sec, repo.DetailsRequest{BackupID: w.BackupID})
			if err != nil {
				t.Fatalf("%s: %s: %v", name, w.Service, err)
			}

			if d.Service != w.Service || d.Len() != len(w.Items) {
				t.Fatalf("%s: %s: %d items, the CLI lists %d", name, w.Service, d.Len(), len(w.Items))
			}

			for i, want := range w.Items {
				if it := d.Item(i); it.Ref != want.Ref || it.Name != want.Name {
					t.Errorf("%s: %s item %d: %q %q, the CLI lists %q %q", name, w.Service, i, it.Ref, it.Name, want.Ref, want.Name)
				}
			}
		}
	}
}
