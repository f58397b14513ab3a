// The list of saved repositories: sorted, filtered as you type once there
// are more than a handful, renamed in place; and the app's shortcuts.

package ui

import (
	"context"
	"errors"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// The list's orders.
const (
	orderName       = "Name"
	orderKind       = "Kind"
	orderLastOpened = "Last opened"
)

// filterFrom is how many saved repositories make the list show a filter.
const filterFrom = 6

// arranged is entries as the list shows them: those matching filter (in
// the name or the location), in order.
func arranged(entries []library.Entry, filter, order string) []library.Entry {
	filter = strings.ToLower(strings.TrimSpace(filter))

	var out []library.Entry

	for _, e := range entries {
		if filter == "" || strings.Contains(strings.ToLower(e.Name+" "+e.Settings().Describe()), filter) {
			out = append(out, e)
		}
	}

	byName := func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) }
	sort.SliceStable(out, byName)

	switch order {
	case orderKind:
		sort.SliceStable(out, func(i, j int) bool { return kindName(out[i].Kind) < kindName(out[j].Kind) })
	case orderLastOpened:
		// Never opened last, by name.
		sort.SliceStable(out, func(i, j int) bool { return out[i].LastOpened.After(out[j].LastOpened) })
	}

	return out
}

// arrange recomputes what the list shows.
func (a *App) arrange() {
	a.visible = arranged(a.entries, a.listFilter, a.listOrder)
}

// listControls are the order picker and, with more than a handful of
// repositories, the filter.
func (a *App) listControls() fyne.CanvasObject {
	order := widget.NewSelect([]string{orderName, orderKind, orderLastOpened}, nil)
	order.SetSelected(a.listOrder)
	order.OnChanged = func(s string) { a.listOrder = s; a.arrange(); a.refreshList(); a.keepSelection() }
	a.orderSelect = order

	if len(a.entries) < filterFrom {
		a.filterEntry = nil
		return order
	}

	filter := a.newEntry("Filter by name or location", false)
	filter.SetText(a.listFilter)
	filter.OnChanged = func(s string) { a.listFilter = s; a.arrange(); a.refreshList(); a.keepSelection() }
	a.filterEntry = filter

	return container.NewBorder(nil, nil, nil, order, filter)
}

// keepSelection keeps the list's highlight on the repository the details
// show after the list is re-sorted or filtered (nothing is highlighted
// when the filter hides it; the details still show it).
func (a *App) keepSelection() {
	if a.list == nil {
		return
	}

	for i, e := range a.visible {
		if e.ID == a.selected {
			a.selecting = true
			a.list.Select(i)
			a.selecting = false
			a.listRow = i

			return
		}
	}

	a.list.UnselectAll()
	a.listRow = -1
}

// askRename asks for a new name for e and saves it.
func (a *App) askRename(e library.Entry) {
	name := a.newEntry("a name for this list", false)
	name.SetText(e.Name)
	name.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("Give the repository a name for the list.")
		}

		return nil
	}

	d := dialog.NewForm("Rename "+e.Name, "Rename", "Cancel", []*widget.FormItem{{Text: "Name", Widget: name}}, func(ok bool) {
		if ok {
			a.rename(e, strings.TrimSpace(name.Text))
		}
	}, a.win)
	name.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(460, d.MinSize().Height))
	a.showDialog(d)
	a.win.Canvas().Focus(name)
}

// rename saves e under name (off the UI goroutine: the settings file is
// locked and written atomically).
func (a *App) rename(e library.Entry, name string) {
	e.Name = name

	go func() {
		err := a.lib.Save(context.Background(), e)

		a.post(func() {
			if err != nil {
				a.showError("Renaming", err)
				return
			}

			a.reload()
			a.showMain()
		})
	}()
}

// addInBucket starts the add flow for another repository in e's bucket:
// the endpoint, credentials, TLS options and CA are e's; only the prefix
// is left to choose.
func (a *App) addInBucket(e library.Entry) {
	a.startAdd()
	f := a.flow
	f.kind = e.Kind
	f.ensureFields()

	// The same settings but the prefix, which is the one thing to choose.
	switch v := e.Settings().(type) {
	case repo.S3:
		v.Prefix = ""
		f.fill(v, repo.S3Secrets{})
	case repo.S3Compatible:
		v.Prefix = ""
		f.fill(v, repo.S3Secrets{})
	default:
		return
	}

	if c, ok := e.Credentials(); ok && c.Source == repo.CredentialsKeys {
		// The typed secret key is e's, in the keychain or this session.
		go func() {
			sec, err := a.lib.Secrets(context.Background(), e)
			if err != nil {
				return
			}

			a.post(func() {
				if a.flow == f && f.secretKey.Text == "" {
					f.secretKey.SetText(sec.S3.SecretAccessKey)
					f.token.SetText(sec.S3.SessionToken)
				}
			})
		}()
	}

	f.showForm()
	a.win.Canvas().Focus(f.prefix)
}

// shortcuts are the app's own shortcuts, with the platform's modifier
// (Ctrl on Linux and Windows, Cmd on macOS): quit, add a repository,
// refresh the list.
func (a *App) shortcuts() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){
		fyne.KeyQ: a.fa.Quit,
		fyne.KeyN: func() {
			if a.busy == nil {
				a.startAdd()
			}
		},
		fyne.KeyR: a.refresh,
	}
}

func (a *App) addShortcuts() {
	for key, do := range a.shortcuts() {
		a.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { do() })
	}
}

// refresh reads the saved list again and, for the selected repository,
// what it holds.
func (a *App) refresh() {
	if a.flow != nil || a.busy != nil {
		return
	}

	a.forgetContents(a.selected)
	a.reload()
	a.showMain()

	what := "Reloaded the list"
	if e, ok := a.entry(a.selected); ok && a.infos[e.ID] != nil {
		what += " and what " + e.Name + " holds"
	}

	a.notice(what + ".")
}
