package itemindex_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/itemindex"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// millionItems is a backup of a million Exchange items, named and placed
// as repotest.WriteDetails names and places them.
func millionItems(b *testing.B) *repo.BackupDetails {
	b.Helper()

	d := &repo.BackupDetails{BackupID: "b", Service: "exchange"}
	folderOf := map[string]int32{}
	cats := repotest.DetailsCategories["exchange"]
	tops := map[string]string{"email": "Mail", "contacts": "Contacts", "events": "Calendars"}
	kinds := map[string]repo.ItemKind{"email": repo.KindMail, "contacts": repo.KindContact, "events": repo.KindEvent}
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

	for i := 0; i < 1_000_000; i++ {
		cat := cats[i%len(cats)]
		folders := repotest.DetailsFolders[cat]
		place := append([]string{tops[cat]}, folders[(i/len(cats))%len(folders)]...)
		key := fmt.Sprint(place)

		f, ok := folderOf[key]
		if !ok {
			f = int32(len(d.Folders))
			folderOf[key] = f
			d.Folders = append(d.Folders, place)
		}

		d.Add(repo.DetailItem{Ref: fmt.Sprintf("%012x", i), Folder: f, Kind: kinds[cat], Name: repotest.ItemName(cat, i), By: "bruno@contoso.com",
			Size: 1000 + 37*int64(i), Modified: base.Add(-time.Duration(i) * time.Minute)})
	}

	return d
}

// BenchmarkItemsSearch answers the items view's searches over a backup of
// a million items, as the session does (on a snapshot, so the reading
// goes on), every item read 2 s earlier. Target: each within 200 ms on
// this 2-core machine.
func BenchmarkItemsSearch(b *testing.B) {
	d := millionItems(b)
	s := itemindex.Open(func(context.Context, repo.DetailsRequest) (*repo.BackupDetails, error) { return d, nil }, repo.DetailsRequest{BackupID: "b"})
	defer s.Close() //nolint:errcheck

	for st, _ := s.Status(context.Background(), 0); !st.Done; st, _ = s.Status(context.Background(), 0) {
		time.Sleep(10 * time.Millisecond)
	}

	// As a person would: the session sorts every item once in each order
	// after the reading, and an order is picked a moment later.
	time.Sleep(2 * time.Second)

	for _, c := range []struct {
		name string
		q    repo.ItemsQuery
	}{
		{"text=few", repo.ItemsQuery{Text: "Invoice"}},
		{"text=many", repo.ItemsQuery{Text: "subject 00"}},
		{"text=unicode", repo.ItemsQuery{Text: "brücke"}},
		{"kind+size+month", repo.ItemsQuery{Kind: repo.KindMail, MinSize: 100_000, MaxSize: 10_000_000, After: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}},
		{"folder+newest", repo.ItemsQuery{Scope: []string{"Mail", "Inbox"}, Order: repo.OrderNewest}},
		{"all-by-name", repo.ItemsQuery{Order: repo.OrderByName}},
	} {
		b.Run(c.name, func(b *testing.B) {
			q := c.q

			var n int

			for i := 0; i < b.N; i++ {
				found, err := s.Search(context.Background(), q)
				if err != nil {
					b.Fatal(err)
				}

				n = found.Items
			}

			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/search")
			b.ReportMetric(float64(n), "found")
		})
	}
}
