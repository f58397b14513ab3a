package engineproto_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// cliItems is what `corso backup details` lists from a DetailsModel
// (details.DetailsModel.Items at v0.19.0): every entry but folders and
// OneDrive .meta files, by ShortRef, in order.
func cliItems(t *testing.T, service string, n int, base time.Time) []string {
	t.Helper()

	var buf bytes.Buffer
	if _, err := repotest.WriteDetails(&buf, repotest.DetailsSpec{Service: service, Resource: "r-1", To: n, Base: base}); err != nil {
		t.Fatal(err)
	}

	var model struct {
		Entries []map[string]json.RawMessage `json:"entries"`
	}
	if err := json.Unmarshal(buf.Bytes(), &model); err != nil {
		t.Fatal(err)
	}

	var refs []string

	for _, e := range model.Entries {
		if _, folder := e["folder"]; folder {
			continue
		}

		var od struct {
			IsMeta bool `json:"isMeta"`
		}
		if raw, ok := e["oneDrive"]; ok && json.Unmarshal(raw, &od) == nil && od.IsMeta {
			continue
		}

		var ref string
		if err := json.Unmarshal(e["shortRef"], &ref); err != nil {
			t.Fatal(err)
		}

		refs = append(refs, ref)
	}

	return refs
}

// TestDetailsListWhatTheCLIShows, over both engines, on MinIO and a
// folder: a backup of every service Corso v0.19.0 backs up, its details
// written as Corso writes them, reads back as the CLI lists them: the same
// items by ShortRef, in order, with names that hold slashes, quotes and
// unicode intact, and nothing written to the store.
func TestDetailsListWhatTheCLIShows(t *testing.T) {
	ctx := context.Background()
	sec := repotest.RootSecrets()
	base := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

	for ename, e := range repotest.Engines(t) {
		for _, st := range damageStores(t) {
			t.Run(ename+" "+st.name, func(t *testing.T) {
				s := st.settings(t, "details-"+ename)
				local := repotest.LocalIn(t.TempDir())

				if _, err := e.Initialize(ctx, s, sec, local); err != nil {
					t.Fatal(err)
				}

				ids := map[string]string{}

				for i, service := range repotest.CorsoServices {
					ids[service] = "0b5e" + strings.Repeat(string(rune('a'+i)), 4) + "-1f8f-4a5b-9d7e-6c1c2c5f3a10"

					b := repotest.DetailsBackup{ID: ids[service], ResourceName: "Adele", Created: base, Details: repotest.DetailsSpec{Service: service, Resource: "r-1", To: 120, Base: base}}
					if _, err := repotest.WriteBackupWithDetails(kopiaengine.WithS3Secrets(ctx, sec.S3), local.ConfigFile, sec.Passphrase, b); err != nil {
						t.Fatal(err)
					}
				}

				before := st.listing(t, s)

				for _, service := range repotest.CorsoServices {
					d, err := e.Details(ctx, local, sec, repo.DetailsRequest{BackupID: ids[service]})
					if err != nil {
						t.Fatalf("%s: %v", service, err)
					}

					want := cliItems(t, service, 120, base)
					got := make([]string, d.Len())

					for i := range got {
						it := d.Item(i)
						got[i] = it.Ref

						if it.Kind == repo.KindUnknown || it.Name == "" || int(it.Folder) >= len(d.Folders) {
							t.Fatalf("%s item %d: %+v", service, i, it)
						}
					}

					if d.Service != service || !slices.Equal(got, want) {
						t.Fatalf("%s: %d items listed, the CLI lists %d\n got %v\nwant %v", service, len(got), len(want), got, want)
					}

					checkNames(t, service, d)
				}

				if after := st.listing(t, s); !slices.Equal(before, after) {
					t.Fatalf("reading details wrote to the store:\nbefore %s\nafter  %s", strings.Join(before, " "), strings.Join(after, " "))
				}

				_, err := e.Details(ctx, local, sec, repo.DetailsRequest{BackupID: "no-such-backup"})
				if err == nil || !strings.Contains(err.Error(), "has no Corso backup no-such-backup") {
					t.Fatalf("an unknown backup: %v", err)
				}

				cctx, cancel := context.WithCancel(ctx)
				cancel()

				if _, err := e.Details(cctx, local, sec, repo.DetailsRequest{BackupID: ids["exchange"]}); !errors.Is(err, context.Canceled) && repo.CodeOf(err) != repo.CodeCanceled {
					t.Fatalf("a cancelled read: %v", err)
				}
			})
		}
	}
}

// checkNames: the folders and names that break careless code arrive whole.
func checkNames(t *testing.T, service string, d *repo.BackupDetails) {
	t.Helper()

	// The top of the tree, and one odd folder name under it.
	want := map[string][2]string{
		"exchange":   {"Mail", "Q1/Q2 \"plans\" $HOME!"},
		"onedrive":   {"Documents", "été 2026"},
		"sharepoint": {"Libraries", "Contracts/Signed"},
		"groups":     {"Channels", "Projects 🚀"},
		"chats":      {"Chats", ""},
	}[service]

	found := false

	for _, f := range d.Folders {
		if f[0] == want[0] && (want[1] == "" || slices.Contains(f, want[1])) {
			found = true
		}
	}

	if !found {
		t.Fatalf("%s: no folder %q among %q", service, want, d.Folders)
	}

	for i := range d.Len() {
		if it := d.Item(i); strings.HasPrefix(it.Name, "a/b\\c 'quoted' `tick`") {
			return
		}
	}

	t.Fatalf("%s: the unusual names did not arrive whole", service)
}

// TestDetailsArriveInParts, over both engines: with a receiver on the
// context, a large backup's items arrive in parts while they are read
// (the first after a few thousand), and the parts and the result put
// together are exactly what a read without a receiver returns.
func TestDetailsArriveInParts(t *testing.T) {
	ctx := context.Background()
	sec := repo.Secrets{Passphrase: repotest.Passphrase}
	base := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

	for name, e := range repotest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			local := repotest.LocalIn(t.TempDir())
			if _, err := e.Initialize(ctx, repo.Filesystem{Path: filepath.Join(t.TempDir(), "repo")}, sec, local); err != nil {
				t.Fatal(err)
			}

			b := repotest.DetailsBackup{ID: "0b5e0001-parts", ResourceName: "Adele", Created: base, Details: repotest.DetailsSpec{Service: "onedrive", Resource: "r-1", To: 45000, Base: base}}
			if _, err := repotest.WriteBackupWithDetails(ctx, local.ConfigFile, sec.Passphrase, b); err != nil {
				t.Fatal(err)
			}

			whole, err := e.Details(ctx, local, sec, repo.DetailsRequest{BackupID: b.ID})
			if err != nil {
				t.Fatal(err)
			}

			got := &repo.BackupDetails{}
			parts := 0
			first := 0

			rest, err := e.Details(repo.WithItemParts(ctx, func(p *repo.BackupDetails) {
				if parts == 0 {
					first = p.Len()
				}

				parts++
				got.Append(p)
			}), local, sec, repo.DetailsRequest{BackupID: b.ID})
			if err != nil {
				t.Fatal(err)
			}

			got.Append(rest)
			got.BackupID, got.Service = rest.BackupID, rest.Service

			if parts < 3 || first == 0 || first > 2500 {
				t.Fatalf("%d parts, the first of %d items", parts, first)
			}

			if got.Len() != whole.Len() || !reflect.DeepEqual(got.Folders, whole.Folders) {
				t.Fatalf("%d items in %d folders, whole %d in %d", got.Len(), len(got.Folders), whole.Len(), len(whole.Folders))
			}

			for i := range whole.Len() {
				if !reflect.DeepEqual(got.Item(i), whole.Item(i)) {
					t.Fatalf("item %d: %+v, whole %+v", i, got.Item(i), whole.Item(i))
				}
			}
		})
	}
}
