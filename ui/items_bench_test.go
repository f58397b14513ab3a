package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
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
// a million items, as the view does (off the UI goroutine, on a
// snapshot). Target: each within 200 ms on this 2-core machine.
func BenchmarkItemsSearch(b *testing.B) {
	ix := newItemIndex(millionItems(b))

	for _, c := range []struct {
		name string
		q    itemQuery
	}{
		{"text=few", itemQuery{text: "Invoice"}},
		{"text=many", itemQuery{text: "subject 00"}},
		{"text=unicode", itemQuery{text: "brücke"}},
		{"kind+size+month", itemQuery{kind: repo.KindMail, size: mediumSize, when: lastMonth}},
		{"folder+newest", itemQuery{scope: []string{"Mail", "Inbox"}, order: itemsNewest}},
		{"all-by-name", itemQuery{order: itemsByName}},
	} {
		b.Run(c.name, func(b *testing.B) {
			q := c.q
			q.now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

			var n int

			for i := 0; i < b.N; i++ {
				n = len(ix.snapshot().match(context.Background(), q))
			}

			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/search")
			b.ReportMetric(float64(n), "found")
		})
	}
}
