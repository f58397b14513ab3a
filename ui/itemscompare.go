package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
)

// anyChange is the compare view's filter that shows every change.
const anyChange = "Every change"

// compareWith reads other's details (a task) and shows what changed
// between the older and the newer of the two.
func (v *itemsView) compareWith(other repo.Backup) {
	a := v.a

	var (
		od      *repo.BackupDetails
		changes []repo.ItemChange
	)

	a.run("Comparing two backups", string(repo.StepDeriving), func(ctx context.Context) error {
		secrets, err := a.lib.Secrets(ctx, v.e)
		if err != nil {
			return err
		}

		if od, err = a.eng.Details(ctx, a.lib.Local(v.e.ID), secrets, repo.DetailsRequest{BackupID: other.ID}); err != nil {
			return err
		}

		older, newer := od, v.ix.d
		if other.Created.After(v.b.Created) {
			older, newer = newer, older
		}

		changes = repo.Compare(older, newer)

		return nil
	}, func(err error) {
		v.compare.ClearSelected()

		if err != nil {
			a.showError("Reading the items of "+other.ID, err)
			return
		}

		v.showComparison(other, changes)
	})
}

// showComparison lists what was added, changed and removed between this
// backup and other.
func (v *itemsView) showComparison(other repo.Backup, changes []repo.ItemChange) {
	a := v.a
	older, newer := other, v.b

	if other.Created.After(v.b.Created) {
		older, newer = v.b, other
	}

	counts := map[repo.DetailsChange]int{}
	for _, c := range changes {
		counts[c.Change]++
	}

	shown := changes

	list := widget.NewList(func() int { return len(shown) }, func() fyne.CanvasObject {
		what := widget.NewLabel("")
		what.Truncation = fyne.TextTruncateEllipsis
		where := widget.NewLabel("")
		where.Truncation = fyne.TextTruncateEllipsis
		where.SizeName = theme.SizeNameCaptionText

		return container.NewVBox(what, where)
	}, func(id widget.ListItemID, o fyne.CanvasObject) {
		c := shown[id]
		box := o.(*fyne.Container)
		box.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%s: %s · %s", capitalized(c.Change.Name()), c.Item.Kind.Name(), orNone(c.Item.Name, "(no name)")))
		box.Objects[1].(*widget.Label).SetText(strings.TrimSpace(strings.Join(c.Folder, " / ") + "  " + itemSize(c.Item)))
	})

	filter := widget.NewRadioGroup([]string{anyChange, capitalized(repo.Added.Name()), capitalized(repo.Changed.Name()), capitalized(repo.Removed.Name())}, func(s string) {
		shown = changes
		if s != anyChange {
			shown = nil

			for _, c := range changes {
				if capitalized(c.Change.Name()) == s {
					shown = append(shown, c)
				}
			}
		}

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
		counts[repo.Added], counts[repo.Changed], counts[repo.Removed]))

	if len(changes) == 0 {
		summary.SetText(summary.Text + " Nothing differs.")
	}

	top := container.NewVBox(container.NewBorder(nil, nil, title, back), summary, container.NewHBox(filter))
	a.items = nil
	a.setView(container.NewPadded(container.NewBorder(top, nil, nil, nil, list)))
}

// capitalized is s with its first letter upper-case (ASCII).
func capitalized(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}

	return string(s[0]-'a'+'A') + s[1:]
}
