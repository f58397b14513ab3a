// The items view's filters and order, and the search they make: the
// session (repo/itemindex) runs it where the items are.

package ui

import (
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
)

// The choices of the items view's filters and order.
const (
	anyKind    = "All kinds"
	anyTime    = "Any time"
	lastWeek   = "Changed in the last 7 days"
	lastMonth  = "Changed in the last 30 days"
	lastYear   = "Changed in the last 12 months"
	olderYear  = "Not changed for 12 months"
	anySize    = "Any size"
	smallSize  = "Under 100 kB"
	mediumSize = "100 kB to 10 MB"
	largeSize  = "Over 10 MB"

	itemsByFolder = "By folder"
	itemsByName   = "By name"
	itemsNewest   = "Newest first"
	itemsOldest   = "Oldest first"
	itemsLargest  = "Largest first"
)

var (
	whenChoices = []string{anyTime, lastWeek, lastMonth, lastYear, olderYear}
	sizeChoices = []string{anySize, smallSize, mediumSize, largeSize}
	itemOrders  = []string{itemsByFolder, itemsByName, itemsNewest, itemsOldest, itemsLargest}
)

// itemQuery is what the items view shows, as its filters hold it: the
// items under scope (a folder of the tree; nil for all) that match text,
// kind, when and size, in order.
type itemQuery struct {
	text  string
	kind  repo.ItemKind // KindUnknown: every kind
	when  string
	size  string
	scope []string
	order string
}

// request is q as the session's search takes it, its times counted from
// now.
func (q itemQuery) request(now time.Time) repo.ItemsQuery {
	after, before := timeRange(q.when, now)
	minSize, maxSize := sizeRange(q.size)
	orders := map[string]repo.ItemOrder{itemsByName: repo.OrderByName, itemsNewest: repo.OrderNewest, itemsOldest: repo.OrderOldest, itemsLargest: repo.OrderLargest}

	return repo.ItemsQuery{Text: q.text, Kind: q.kind, After: after, Before: before, MinSize: minSize, MaxSize: maxSize, Scope: q.scope, Order: orders[q.order]}
}

// timeRange is the modification times a when choice lets through:
// [after, before), a zero end open.
func timeRange(when string, now time.Time) (after, before time.Time) {
	switch when {
	case lastWeek:
		return now.AddDate(0, 0, -7), time.Time{}
	case lastMonth:
		return now.AddDate(0, 0, -30), time.Time{}
	case lastYear:
		return now.AddDate(-1, 0, 0), time.Time{}
	case olderYear:
		return time.Time{}, now.AddDate(-1, 0, 0)
	}

	return time.Time{}, time.Time{}
}

// sizeRange is [min, max) of a size choice; max 0 is no limit.
func sizeRange(size string) (minSize, maxSize int64) {
	switch size {
	case smallSize:
		return 0, 100_000
	case mediumSize:
		return 100_000, 10_000_000
	case largeSize:
		return 10_000_000, 0
	}

	return 0, 0
}
