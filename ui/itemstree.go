package ui

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
)

// folderTree is a backup's folders as a tree: each node's children and
// how many items are at or below it. A node's ID is its path's elements
// joined by folderKey; the root's is "".
type folderTree struct {
	children map[string][]string
	path     map[string][]string
	count    map[string]int
}

func folderKey(f []string) string { return strings.Join(f, "\x1f") }

// newFolderTree is the tree of folders, folderItems[i] items in folders[i].
func newFolderTree(folders [][]string, folderItems []int32) *folderTree {
	t := &folderTree{children: map[string][]string{}, path: map[string][]string{"": nil}, count: map[string]int{}}

	for fi, f := range folders {
		n := 0
		if fi < len(folderItems) {
			n = int(folderItems[fi])
		}

		parent := ""
		t.count[""] += n

		for k := 1; k <= len(f); k++ {
			id := folderKey(f[:k])
			if _, ok := t.path[id]; !ok {
				t.path[id] = f[:k:k]
				t.children[parent] = append(t.children[parent], id)
			}

			t.count[id] += n
			parent = id
		}
	}

	for _, kids := range t.children {
		slices.SortFunc(kids, func(a, b string) int {
			return strings.Compare(t.path[a][len(t.path[a])-1], t.path[b][len(t.path[b])-1])
		})
	}

	return t
}

// newTreeWidget is the tree of folders: a node's check picks every item
// at or below it, selecting a node shows only those items.
func (v *itemsView) newTreeWidget() *widget.Tree {
	// v.tree is read at each call: it is rebuilt as items arrive.
	tree := widget.NewTree(
		func(id widget.TreeNodeID) []widget.TreeNodeID { return v.tree.children[id] },
		func(id widget.TreeNodeID) bool { return len(v.tree.children[id]) > 0 },
		func(bool) fyne.CanvasObject {
			label := widget.NewLabel("")
			label.Truncation = fyne.TextTruncateEllipsis

			return container.NewBorder(nil, nil, widget.NewCheck("", nil), nil, label)
		},
		func(id widget.TreeNodeID, _ bool, o fyne.CanvasObject) {
			t := v.tree
			c := o.(*fyne.Container)
			p := t.path[id]
			c.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%s (%d)", p[len(p)-1], t.count[id]))

			check := c.Objects[1].(*widget.Check)
			check.OnChanged = nil
			check.SetChecked(v.folderPicked(p))
			check.OnChanged = func(on bool) {
				v.pick(repo.PickRequest{What: repo.PickFolder, Folder: p, On: on})
			}
		},
	)

	tree.OnSelected = func(id widget.TreeNodeID) {
		v.q.scope = v.tree.path[id]
		v.apply()
	}
	tree.OnUnselected = func(widget.TreeNodeID) {
		v.q.scope = nil
		v.apply()
	}

	v.openTops(tree)

	return tree
}

// openTops opens the tree's top branches (a mailbox's Mail, Contacts and
// Calendars; a drive).
func (v *itemsView) openTops(tree *widget.Tree) {
	for _, top := range v.tree.children[""] {
		tree.OpenBranch(top)
	}
}
