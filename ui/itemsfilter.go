// Finding, sorting and picking items inside one backup: plain code over
// repo.BackupDetails, without Fyne, so a million items are searched off
// the UI goroutine and tested directly.

package ui

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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

// itemQuery is what the items view shows: the items under scope (a
// folder of the tree; nil for all) that match text, kind, when and size,
// in order.
type itemQuery struct {
	text  string
	kind  repo.ItemKind // KindUnknown: every kind
	when  string
	size  string
	scope []string
	order string
	now   time.Time
}

// itemIndex is one backup's details and what searching them needs once.
type itemIndex struct {
	d *repo.BackupDetails
	// folderText is each folder's path, lower-cased, for matching text.
	folderText []string
}

func newItemIndex(d *repo.BackupDetails) *itemIndex {
	ix := &itemIndex{d: d, folderText: make([]string, len(d.Folders))}
	for i, f := range d.Folders {
		ix.folderText[i] = strings.ToLower(strings.Join(f, "/"))
	}

	return ix
}

// snapshot is the index as it is now, to search on another goroutine
// while items still arrive (repo.BackupDetails.Snapshot).
func (ix *itemIndex) snapshot() *itemIndex {
	return &itemIndex{d: ix.d.Snapshot(), folderText: ix.folderText[:len(ix.folderText):len(ix.folderText)]}
}

// grow takes in the folders added to the details from index from on.
func (ix *itemIndex) grow(from int) {
	for _, f := range ix.d.Folders[from:] {
		ix.folderText = append(ix.folderText, strings.ToLower(strings.Join(f, "/")))
	}
}

// under marks the folders at or below prefix (nil: all).
func (ix *itemIndex) under(prefix []string) []bool {
	in := make([]bool, len(ix.d.Folders))
	for i, f := range ix.d.Folders {
		in[i] = len(f) >= len(prefix) && slices.Equal(f[:len(prefix)], prefix)
	}

	return in
}

// match returns the items q shows, in q's order; nil when ctx ends first
// (a newer query replaced it).
func (ix *itemIndex) match(ctx context.Context, q itemQuery) []int32 {
	d := ix.d
	inScope := ix.under(q.scope)
	needle := strings.ToLower(strings.TrimSpace(q.text))
	folderHit := make([]bool, len(d.Folders))

	for i, f := range ix.folderText {
		folderHit[i] = needle != "" && strings.Contains(f, needle)
	}

	after, before := timeRange(q.when, q.now)
	minSize, maxSize := sizeRange(q.size)

	var out []int32

	for i := range d.Len() {
		if i%65536 == 0 && ctx.Err() != nil {
			return nil
		}

		f := d.FolderIndex(i)
		if !inScope[f] || q.kind != repo.KindUnknown && d.Kind(i) != q.kind {
			continue
		}

		if s := d.Size(i); s < minSize || maxSize > 0 && s >= maxSize {
			continue
		}

		if !after.IsZero() || !before.IsZero() {
			m := d.Modified(i)
			if m.Before(after) || !before.IsZero() && !m.Before(before) {
				continue
			}
		}

		if needle != "" && !folderHit[f] && !containsFold(d.NameBytes(i), needle) && !containsFold(d.ByBytes(i), needle) {
			continue
		}

		out = append(out, int32(i))
	}

	ix.sort(out, q.order)

	return out
}

func (ix *itemIndex) sort(items []int32, order string) {
	d := ix.d

	switch order {
	case itemsByName:
		slices.SortStableFunc(items, func(a, b int32) int { return bytes.Compare(d.NameBytes(int(a)), d.NameBytes(int(b))) })
	case itemsNewest:
		slices.SortStableFunc(items, func(a, b int32) int { return d.Modified(int(b)).Compare(d.Modified(int(a))) })
	case itemsOldest:
		slices.SortStableFunc(items, func(a, b int32) int { return d.Modified(int(a)).Compare(d.Modified(int(b))) })
	case itemsLargest:
		slices.SortStableFunc(items, func(a, b int32) int { return cmpInt64(d.Size(int(b)), d.Size(int(a))) })
	}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}

	return 0
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

// containsFold says whether hay holds needle (lower-case) ignoring case,
// without allocating for an ASCII needle: the bytes of other characters
// in hay cannot match an ASCII byte, so ASCII folding is exact there.
func containsFold(hay []byte, needle string) bool {
	if needle == "" {
		return true
	}

	for i := 0; i < len(needle); i++ {
		if needle[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(string(hay)), needle)
		}
	}

	first := needle[0]

	for i := 0; i+len(needle) <= len(hay); i++ {
		if lowerASCII(hay[i]) != first {
			continue
		}

		j := 1
		for j < len(needle) && lowerASCII(hay[i+j]) == needle[j] {
			j++
		}

		if j == len(needle) {
			return true
		}
	}

	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}

	return c
}

// picks is what a person picked inside a backup: items, and the whole
// folders they picked in the tree (which an Exchange command names
// instead of each item).
type picks struct {
	ix      *itemIndex
	item    []bool
	count   int
	bytes   int64
	folders map[string][]string
}

func newPicks(ix *itemIndex) *picks {
	return &picks{ix: ix, item: make([]bool, ix.d.Len()), folders: map[string][]string{}}
}

// grow makes room for the items added to the details since.
func (p *picks) grow() {
	if n := p.ix.d.Len() - len(p.item); n > 0 {
		p.item = append(p.item, make([]bool, n)...)
	}
}

func folderKey(f []string) string { return strings.Join(f, "\x1f") }

func (p *picks) set(i int, on bool) {
	if p.item[i] == on {
		return
	}

	p.item[i] = on

	n, b := 1, p.ix.d.Size(i)
	if !on {
		n, b = -1, -b
	}

	p.count += n
	p.bytes += b
}

// pickItem picks or unpicks one item; unpicked, the folders holding it
// are no longer whole.
func (p *picks) pickItem(i int, on bool) {
	p.set(i, on)

	if !on {
		p.dropFoldersHolding(p.ix.d.FolderOf(i))
	}
}

// pickFolder picks or unpicks every item at or below f.
func (p *picks) pickFolder(f []string, on bool) {
	in := p.ix.under(f)
	for i := range p.ix.d.Len() {
		if in[p.ix.d.FolderIndex(i)] {
			p.set(i, on)
		}
	}

	for k, g := range p.folders {
		if len(g) >= len(f) && slices.Equal(g[:len(f)], f) {
			delete(p.folders, k) // below f: covered by f, or unpicked
		}
	}

	if on {
		p.folders[folderKey(f)] = slices.Clone(f)
	} else {
		p.dropFoldersHolding(f)
	}
}

// dropFoldersHolding forgets the whole folders at or above f.
func (p *picks) dropFoldersHolding(f []string) {
	for k, g := range p.folders {
		if len(f) >= len(g) && slices.Equal(f[:len(g)], g) {
			delete(p.folders, k)
		}
	}
}

// folderPicked says whether f is picked whole (itself or a folder above).
func (p *picks) folderPicked(f []string) bool {
	for _, g := range p.folders {
		if len(f) >= len(g) && slices.Equal(f[:len(g)], g) {
			return true
		}
	}

	return false
}

// pickShown picks or unpicks the items shown.
func (p *picks) pickShown(shown []int32, on bool) {
	for _, i := range shown {
		p.pickItem(int(i), on)
	}
}

// clear unpicks everything.
func (p *picks) clear() {
	clear(p.item)
	clear(p.folders)
	p.count, p.bytes = 0, 0
}

// selection is the picks as the CLI command wants them.
func (p *picks) selection() (items []int, folders [][]string) {
	for i, on := range p.item {
		if on {
			items = append(items, i)
		}
	}

	for _, f := range p.folders {
		folders = append(folders, f)
	}

	slices.SortFunc(folders, func(a, b []string) int { return slices.Compare(a, b) })

	return items, folders
}
