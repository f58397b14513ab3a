package itemindex

import (
	"slices"
	"strings"

	"github.com/corsodesktop/corso-desktop/repo"
)

// picks is what a person picked inside a backup: items, and the whole
// folders they picked in the tree (which an Exchange command names
// instead of each item).
type picks struct {
	ix      *index
	item    []bool
	count   int
	bytes   int64
	folders map[string][]string
}

func newPicks(ix *index) *picks {
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
		if hasPrefix(g, f) {
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
		if hasPrefix(f, g) {
			delete(p.folders, k)
		}
	}
}

// clear unpicks everything.
func (p *picks) clear() {
	clear(p.item)
	clear(p.folders)
	p.count, p.bytes = 0, 0
}

// state is what is picked, for the window.
func (p *picks) state() *repo.Picked {
	return &repo.Picked{Items: p.count, Bytes: p.bytes, Folders: p.wholeFolders()}
}

func (p *picks) wholeFolders() [][]string {
	var folders [][]string
	for _, f := range p.folders {
		folders = append(folders, f)
	}

	slices.SortFunc(folders, func(a, b []string) int { return slices.Compare(a, b) })

	return folders
}

// selection is the picks as the CLI command wants them.
func (p *picks) selection() (items []int, folders [][]string) {
	for i, on := range p.item {
		if on {
			items = append(items, i)
		}
	}

	return items, p.wholeFolders()
}
