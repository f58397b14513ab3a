package engineproto_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// untilRead polls s until its reading ends, as the items view does.
func untilRead(t *testing.T, s repo.DetailsSession) *repo.DetailsStatus {
	t.Helper()

	var folders [][]string

	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		st, err := s.Status(context.Background(), len(folders))
		if err != nil {
			t.Fatal(err)
		}

		folders = append(folders, st.Folders...)

		if st.Done && len(folders) == st.FolderCount {
			st.Folders = folders
			return st
		}

		if len(folders) == st.FolderCount {
			time.Sleep(20 * time.Millisecond)
		}
	}

	t.Fatal("the session did not finish reading")

	return nil
}

// TestDetailsSessionAnswersAsTheDetailsRead, over both engines (the
// helper keeping the items in its process), on a folder repository
// holding two backups of one mailbox: the session's status, searches,
// rows, picks, flags and comparison agree with the details Details reads,
// and Close ends the session.
func TestDetailsSessionAnswersAsTheDetailsRead(t *testing.T) {
	ctx := context.Background()
	sec := repotest.RootSecrets()
	base := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	older := repotest.DetailsBackup{ID: "0b5e0001-aaaa-4a5b-9d7e-6c1c2c5f3a10", ResourceName: "Adele", Created: base,
		Details: repotest.DetailsSpec{Service: "exchange", Resource: "r-1", To: 3000, Base: base}}
	newer := repotest.DetailsBackup{ID: "0b5e0002-aaaa-4a5b-9d7e-6c1c2c5f3a10", ResourceName: "Adele", Created: base.Add(time.Hour),
		Details: repotest.DetailsSpec{Service: "exchange", Resource: "r-1", From: 10, To: 3020, Base: base, ChangedEvery: 40}}

	for ename, e := range repotest.Engines(t) {
		t.Run(ename, func(t *testing.T) {
			local := repotest.LocalIn(repotest.TempDir(t))
			s := repo.Filesystem{Path: repotest.TempDir(t) + "/repo"}

			if _, err := e.Initialize(ctx, s, sec, local); err != nil {
				t.Fatal(err)
			}

			for _, b := range []repotest.DetailsBackup{older, newer} {
				if _, err := repotest.WriteBackupWithDetails(kopiaengine.WithS3Secrets(ctx, sec.S3), local.ConfigFile, sec.Passphrase, b); err != nil {
					t.Fatal(err)
				}
			}

			d, err := e.Details(ctx, local, sec, repo.DetailsRequest{BackupID: newer.ID})
			if err != nil {
				t.Fatal(err)
			}

			ses, err := e.OpenDetails(ctx, local, sec, repo.DetailsRequest{BackupID: newer.ID})
			if err != nil {
				t.Fatal(err)
			}
			defer ses.Close() //nolint:errcheck

			st := untilRead(t, ses)
			if st.Err != nil || st.Items != d.Len() || !slices.EqualFunc(st.Folders, d.Folders, slices.Equal) {
				t.Fatalf("status: %d items, %d folders, %v; details: %d, %d", st.Items, len(st.Folders), st.Err, d.Len(), len(d.Folders))
			}

			// Every item, in order, a page at a time as the view asks.
			all, err := ses.Search(ctx, repo.ItemsQuery{})
			if err != nil || all.Items != d.Len() {
				t.Fatalf("search all: %+v, %v", all, err)
			}

			for from := 0; from < d.Len(); from += repo.MaxShown {
				rows, err := ses.Shown(ctx, all.Search, from, repo.MaxShown)
				if err != nil {
					t.Fatal(err)
				}

				for k, r := range rows {
					if r.Index != int32(from+k) || r.Item != d.Item(from+k) {
						t.Fatalf("row %d: %+v, want %+v", from+k, r, d.Item(from+k))
					}
				}
			}

			// Items 50, 100, … carry "Invoice" in their names.
			inv, err := ses.Search(ctx, repo.ItemsQuery{Text: "invoice", Order: repo.OrderLargest})
			if err != nil {
				t.Fatal(err)
			}

			rows, err := ses.Shown(ctx, inv.Search, 0, repo.MaxShown)
			if err != nil || len(rows) != inv.Items || inv.Items == 0 {
				t.Fatalf("invoice: %d rows of %d: %v", len(rows), inv.Items, err)
			}

			for k, r := range rows {
				if !strings.Contains(strings.ToLower(r.Item.Name), "invoice") || k > 0 && r.Item.Size > rows[k-1].Item.Size {
					t.Fatalf("invoice row %d: %+v", k, r.Item)
				}
			}

			if _, err := ses.Shown(ctx, all.Search, 0, 10); err == nil {
				t.Fatal("the rows of a search a newer one replaced were shown")
			}

			// Picks: a whole folder, one item besides; the flags are those
			// corsoconfig makes of the same selection over the details.
			if _, err := ses.Pick(ctx, repo.PickRequest{What: repo.PickFolder, Folder: []string{"Mail", "Inbox"}, On: true}); err != nil {
				t.Fatal(err)
			}

			picked, err := ses.Pick(ctx, repo.PickRequest{What: repo.PickItem, Index: 1, On: true})
			if err != nil {
				t.Fatal(err)
			}

			var items []int
			for i := range d.Len() {
				if hasPrefix(d.FolderOf(i), []string{"Mail", "Inbox"}) || i == 1 {
					items = append(items, i)
				}
			}

			if picked.Items != len(items) || len(picked.Folders) != 1 {
				t.Fatalf("picked %+v, want %d items and Mail/Inbox whole", picked, len(items))
			}

			flags, err := ses.SelectionFlags(ctx, "restore")
			if err != nil {
				t.Fatal(err)
			}

			want, err := corsoconfig.SelectionFlags(corsoconfig.Selection{Verb: "restore", Details: d, Items: items, Folders: picked.Folders})
			if err != nil || !slices.Equal(flags.Flags, want) || flags.Items != len(items) || !slices.Contains(flags.Flags, "--email-folder") {
				t.Fatalf("flags %q (%d items), want %q: %v", flags.Flags, flags.Items, want, err)
			}

			// 20 added, (3000-10)/40 changed less the new, 10 removed.
			counts, err := ses.Compare(ctx, repo.CompareRequest{BackupID: older.ID, Older: true})
			if err != nil {
				t.Fatal(err)
			}

			od, err := e.Details(ctx, local, sec, repo.DetailsRequest{BackupID: older.ID})
			if err != nil {
				t.Fatal(err)
			}

			changes := repo.Compare(od, d)
			if n := counts.Added + counts.Changed + counts.Removed; n != len(changes) || counts.Added != 20 || counts.Removed != 10 || counts.Changed == 0 {
				t.Fatalf("counts %+v, %d changes", counts, len(changes))
			}

			removed, err := ses.Changes(ctx, repo.Removed, 0, repo.MaxShown)
			if err != nil || len(removed) != 10 || removed[0].Change != repo.Removed {
				t.Fatalf("removed: %d, %v", len(removed), err)
			}

			every, err := ses.Changes(ctx, 0, 5, 3)
			if err != nil || len(every) != 3 || every[0].Item.Ref != changes[5].Item.Ref {
				t.Fatalf("changes 5-7: %+v, %v", every, err)
			}

			if err := ses.Close(); err != nil {
				t.Fatal(err)
			}

			if _, err := ses.Search(ctx, repo.ItemsQuery{}); ename == "helper" && err == nil {
				t.Fatal("a closed session still answered from its helper")
			}
		})
	}
}

func hasPrefix(f, prefix []string) bool {
	return len(f) >= len(prefix) && slices.Equal(f[:len(prefix)], prefix)
}

// TestDetailsSessionStopsAndRefuses, over both engines: a wrong
// passphrase is said by the status, a session stopped while reading keeps
// what it read and refuses flags (a command for part of a backup), and a
// cancelled call returns at once while the session still answers.
func TestDetailsSessionStopsAndRefuses(t *testing.T) {
	ctx := context.Background()
	sec := repotest.RootSecrets()
	base := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	big := repotest.DetailsBackup{ID: "0b5e0003-aaaa-4a5b-9d7e-6c1c2c5f3a10", ResourceName: "Bruno", Created: base,
		Details: repotest.DetailsSpec{Service: "onedrive", Resource: "r-2", To: 200000, Base: base}}

	for ename, e := range repotest.Engines(t) {
		t.Run(ename, func(t *testing.T) {
			local := repotest.LocalIn(repotest.TempDir(t))

			if _, err := e.Initialize(ctx, repo.Filesystem{Path: repotest.TempDir(t) + "/repo"}, sec, local); err != nil {
				t.Fatal(err)
			}

			if _, err := repotest.WriteBackupWithDetails(ctx, local.ConfigFile, sec.Passphrase, big); err != nil {
				t.Fatal(err)
			}

			wrong := sec
			wrong.Passphrase += "x"

			bad, err := e.OpenDetails(ctx, local, wrong, repo.DetailsRequest{BackupID: big.ID})
			if err != nil {
				t.Fatal(err)
			}

			if st := untilRead(t, bad); repo.CodeOf(st.Err) != repo.CodeWrongPassphrase {
				t.Fatalf("a wrong passphrase: %v", st.Err)
			}

			bad.Close() //nolint:errcheck

			ses, err := e.OpenDetails(ctx, local, sec, repo.DetailsRequest{BackupID: big.ID})
			if err != nil {
				t.Fatal(err)
			}
			defer ses.Close() //nolint:errcheck

			for st, _ := ses.Status(ctx, 0); st == nil || st.Items == 0; st, _ = ses.Status(ctx, 0) {
				time.Sleep(10 * time.Millisecond)
			}

			// A call cancelled at once returns at once.
			cctx, cancel := context.WithCancel(ctx)
			cancel()

			if _, err := ses.Search(cctx, repo.ItemsQuery{Order: repo.OrderByName}); !errors.Is(err, context.Canceled) {
				t.Fatalf("a cancelled search: %v", err)
			}

			if err := ses.StopReading(ctx); err != nil {
				t.Fatal(err)
			}

			st := untilRead(t, ses)
			if repo.CodeOf(st.Err) != repo.CodeCanceled || st.Items == 0 || st.Items >= 200000 {
				t.Fatalf("stopped: %d items, %v", st.Items, st.Err)
			}

			found, err := ses.Search(ctx, repo.ItemsQuery{})
			if err != nil || found.Items != st.Items {
				t.Fatalf("after the stop: %+v, %v", found, err)
			}

			if _, err := ses.Pick(ctx, repo.PickRequest{What: repo.PickShown, Search: found.Search, On: true}); err != nil {
				t.Fatal(err)
			}

			if _, err := ses.SelectionFlags(ctx, "restore"); err == nil || !strings.Contains(err.Error(), "Not every item") {
				t.Fatalf("flags for part of a backup: %v", err)
			}
		})
	}
}
