package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
)

// anyChange is the compare view's filter that shows every change.
const anyChange = "Every change"

// compareWith has the session read other's details and keep what changed
// between the older and the newer of the two (a task), then shows it.
func (v *itemsView) compareWith(other repo.Backup) {
	a := v.a
	s := v.session

	var counts *repo.ChangeCounts

	a.run("Comparing two backups", string(repo.StepDeriving), func(ctx context.Context) error {
		if s == nil {
			return repo.NewError(repo.CodeInvalidField, nil, "The items of this backup are not read yet.")
		}

		var err error
		counts, err = s.Compare(ctx, repo.CompareRequest{BackupID: other.ID, Older: other.Created.Before(v.b.Created)})

		return err
	}, func(err error) {
		v.compare.ClearSelected()

		if err != nil {
			a.showError("Reading the items of "+other.ID, err)
			return
		}

		v.showComparison(other, *counts)
	})
}

// showComparison lists what was added, changed and removed between this
// backup and other, a page at a time from the session.
func (v *itemsView) showComparison(other repo.Backup, counts repo.ChangeCounts) {
	a := v.a
	older, newer := other, v.b

	if other.Created.After(v.b.Created) {
		older, newer = v.b, other
	}

	totals := map[repo.DetailsChange]int{0: counts.Added + counts.Changed + counts.Removed, repo.Added: counts.Added, repo.Changed: counts.Changed, repo.Removed: counts.Removed}
	changes := newPager(a, func(ctx context.Context, change, from, n int) ([]repo.ItemChange, error) {
		return v.session.Changes(ctx, repo.DetailsChange(change), from, n)
	})
	changes.reset(0, totals[0])

	list := widget.NewList(func() int { return changes.total }, func() fyne.CanvasObject {
		what := widget.NewLabel("")
		what.Truncation = fyne.TextTruncateEllipsis
		where := widget.NewLabel("")
		where.Truncation = fyne.TextTruncateEllipsis
		where.SizeName = theme.SizeNameCaptionText

		return container.NewVBox(what, where)
	}, func(id widget.ListItemID, o fyne.CanvasObject) {
		box := o.(*fyne.Container)

		c, ok := changes.row(id)
		if !ok {
			box.Objects[0].(*widget.Label).SetText("…")
			box.Objects[1].(*widget.Label).SetText("")

			return
		}

		box.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%s: %s · %s", capitalized(c.Change.Name()), c.Item.Kind.Name(), orNone(c.Item.Name, "(no name)")))
		box.Objects[1].(*widget.Label).SetText(strings.TrimSpace(strings.Join(c.Folder, " / ") + "  " + itemSize(c.Item)))
	})
	changes.list = list

	filter := widget.NewRadioGroup([]string{anyChange, capitalized(repo.Added.Name()), capitalized(repo.Changed.Name()), capitalized(repo.Removed.Name())}, func(s string) {
		var kind repo.DetailsChange

		for _, k := range []repo.DetailsChange{repo.Added, repo.Changed, repo.Removed} {
			if capitalized(k.Name()) == s {
				kind = k
			}
		}

		if changes.key == int(kind) {
			return // the filter set as the view opens: shown already
		}

		changes.reset(int(kind), totals[kind])
		list.ScrollToTop()
		list.Refresh()
	})
	filter.Horizontal = true
	filter.Required = true
	filter.SetSelected(anyChange)

	back := widget.NewButtonWithIcon("Back to the items", theme.NavigateBackIcon(), func() {
		a.setView(v.view)
		a.items = v
	})

	title := widget.NewLabelWithStyle("What changed in "+orNone(v.b.ResourceName, v.b.ResourceID)+"'s "+serviceName(v.b.Service)+" backups", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	summary := wrapped(fmt.Sprintf("From the backup of %s to that of %s: %d added, %d changed (another size or modification time), %d removed. Items are matched by the ID Corso gives them: a renamed item is matched to itself, one moved to another folder shows as removed and added.",
		older.Created.Local().Format("2 January 2006, 15:04"), newer.Created.Local().Format("2 January 2006, 15:04"),
		counts.Added, counts.Changed, counts.Removed))

	if totals[0] == 0 {
		summary.SetText(summary.Text + " Nothing differs.")
	}

	top := container.NewVBox(container.NewBorder(nil, nil, title, back), summary, container.NewHBox(filter))
	a.items = nil
	v.compareView = container.NewPadded(container.NewBorder(top, nil, nil, nil, list))
	a.setView(v.compareView)
}

// capitalized is s with its first letter upper-case (ASCII).
func capitalized(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}

	return string(s[0]-'a'+'A') + s[1:]
}

// compareSelect offers the other backups of the same resource and
// service, newest first, to compare this one with.
func (v *itemsView) compareSelect() fyne.CanvasObject {
	var (
		labels []string
		others []repo.Backup
	)

	for _, o := range v.contents.Backups {
		if o.ID != v.b.ID && o.Service == v.b.Service && o.ResourceID == v.b.ResourceID && o.StreamStoreID != "" {
			others = append(others, o)
			labels = append(labels, "Compare with "+o.Created.Local().Format("2 Jan 2006 15:04"))
		}
	}

	v.compare = widget.NewSelect(labels, func(s string) {
		if !v.load.done {
			return
		}

		if i := slices.Index(labels, s); i >= 0 {
			v.compareWith(others[i])
		}
	})
	v.compare.PlaceHolder = "Compare with another backup…"

	if len(others) == 0 {
		v.compare.PlaceHolder = "No other backup of this resource to compare with"
		v.compare.Disable()
	}

	return v.compare
}
