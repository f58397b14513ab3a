package itemindex

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
)

// TestSortedOrdersAnswerAsASort: a search in an order sorted once ahead
// answers exactly as sorting its matches would, ties kept in the details'
// order, for every order and several filters.
func TestSortedOrdersAnswerAsASort(t *testing.T) {
	d := &repo.BackupDetails{Folders: [][]string{{"Mail", "Inbox"}, {"Mail", "Archive"}, {"Contacts"}}}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	for i := range 5000 {
		// Few distinct names, sizes and times: many ties.
		d.Add(repo.DetailItem{Ref: fmt.Sprint(i), Folder: int32(i % 3), Kind: repo.ItemKind(1 + i%2), Name: fmt.Sprintf("Name %d", i%37),
			Size: int64(i % 101), Modified: base.Add(time.Duration(i%53) * time.Hour)})
	}

	plain := newIndex(d)
	sorted := newIndex(d)
	sorted.orders = sorted.sortedOrders(context.Background())

	for _, q := range []repo.ItemsQuery{{}, {Text: "name 1"}, {Kind: repo.KindMail, MinSize: 10, MaxSize: 60}, {Scope: []string{"Mail"}}, {After: base.Add(10 * time.Hour)}} {
		for o := repo.OrderByFolder; o <= repo.OrderLargest; o++ {
			q.Order = o
			want, got := plain.match(context.Background(), q), sorted.match(context.Background(), q)

			if len(want) == 0 || !slices.Equal(want, got) {
				t.Fatalf("%+v: %d sorted ahead differ from %d sorted after", q, len(got), len(want))
			}
		}
	}
}
