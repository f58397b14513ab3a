// Package itemindex holds one backup's items where they were read and
// answers a window's questions about them: the search, the picks, the
// CLI's flags for the picks, a comparison with another backup
// (repo.DetailsSession). Plain code over repo.BackupDetails, without
// kopia or Fyne, run by whichever engine read the items.
package itemindex

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/corsodesktop/corso-desktop/repo"
)

// index is one backup's details and what searching them needs once.
type index struct {
	d *repo.BackupDetails
	// folderText is each folder's path, lower-cased, for matching text.
	folderText []string
	// orders are every item in each order but the details' own, sorted
	// once every item is read (sortedOrders), so that a search in that
	// order only filters; replaced whole, never changed in place.
	orders map[repo.ItemOrder][]int32
}

func newIndex(d *repo.BackupDetails) *index {
	ix := &index{d: d}
	ix.grow(0)

	return ix
}

// snapshot is the index as it is now, to search on another goroutine
// while items still arrive (repo.BackupDetails.Snapshot).
func (ix *index) snapshot() *index {
	return &index{d: ix.d.Snapshot(), folderText: ix.folderText[:len(ix.folderText):len(ix.folderText)], orders: ix.orders}
}

// grow takes in the folders added to the details from index from on.
func (ix *index) grow(from int) {
	for _, f := range ix.d.Folders[from:] {
		ix.folderText = append(ix.folderText, strings.ToLower(strings.Join(f, "/")))
	}
}

// under marks the folders at or below prefix (nil: all).
func (ix *index) under(prefix []string) []bool {
	in := make([]bool, len(ix.d.Folders))
	for i, f := range ix.d.Folders {
		in[i] = hasPrefix(f, prefix)
	}

	return in
}

func hasPrefix(f, prefix []string) bool {
	return len(f) >= len(prefix) && slices.Equal(f[:len(prefix)], prefix)
}

// match returns the items q shows, in q's order; nil when ctx ends first.
func (ix *index) match(ctx context.Context, q repo.ItemsQuery) []int32 {
	keep := ix.filter(q)

	var out []int32

	// Sorted already: filtering in that order is the answer.
	if order := ix.orders[q.Order]; len(order) == ix.d.Len() && q.Order != repo.OrderByFolder {
		for k, i := range order {
			if k%65536 == 0 && ctx.Err() != nil {
				return nil
			}

			if keep(int(i)) {
				out = append(out, i)
			}
		}

		return out
	}

	for i := range ix.d.Len() {
		if i%65536 == 0 && ctx.Err() != nil {
			return nil
		}

		if keep(i) {
			out = append(out, int32(i))
		}
	}

	ix.sort(out, q.Order)

	return out
}

// filter says whether an item is one q shows, whatever the order.
func (ix *index) filter(q repo.ItemsQuery) func(i int) bool {
	d := ix.d
	inScope := ix.under(q.Scope)
	needle := strings.ToLower(strings.TrimSpace(q.Text))
	folderHit := make([]bool, len(d.Folders))

	for i, f := range ix.folderText {
		folderHit[i] = needle != "" && strings.Contains(f, needle)
	}

	return func(i int) bool {
		f := d.FolderIndex(i)
		if !inScope[f] || q.Kind != repo.KindUnknown && d.Kind(i) != q.Kind {
			return false
		}

		if s := d.Size(i); s < q.MinSize || q.MaxSize > 0 && s >= q.MaxSize {
			return false
		}

		if !q.After.IsZero() || !q.Before.IsZero() {
			m := d.Modified(i)
			if m.Before(q.After) || !q.Before.IsZero() && !m.Before(q.Before) {
				return false
			}
		}

		return needle == "" || folderHit[f] || containsFold(d.NameBytes(i), needle) || containsFold(d.ByBytes(i), needle)
	}
}

// sortedOrders sorts every item in each order a search can ask for but
// the details' own, stopping when ctx ends.
func (ix *index) sortedOrders(ctx context.Context) map[repo.ItemOrder][]int32 {
	out := map[repo.ItemOrder][]int32{}

	for _, o := range []repo.ItemOrder{repo.OrderByName, repo.OrderNewest, repo.OrderOldest, repo.OrderLargest} {
		if ctx.Err() != nil {
			return nil
		}

		all := make([]int32, ix.d.Len())
		for i := range all {
			all[i] = int32(i)
		}

		ix.sort(all, o)
		out[o] = all
	}

	return out
}

func (ix *index) sort(items []int32, order repo.ItemOrder) {
	d := ix.d

	switch order {
	case repo.OrderByName:
		slices.SortStableFunc(items, func(a, b int32) int { return bytes.Compare(d.NameBytes(int(a)), d.NameBytes(int(b))) })
	case repo.OrderNewest:
		slices.SortStableFunc(items, func(a, b int32) int { return d.Modified(int(b)).Compare(d.Modified(int(a))) })
	case repo.OrderOldest:
		slices.SortStableFunc(items, func(a, b int32) int { return d.Modified(int(a)).Compare(d.Modified(int(b))) })
	case repo.OrderLargest:
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
