// The Corso backups in a repository: filtered, sorted, and one at a time
// with the CLI commands that act on it.

package ui

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// The choices of the backups view's pickers.
const (
	anyService    = "All services"
	anyStatus     = "Any status"
	sortNewest    = "Newest first"
	sortOldest    = "Oldest first"
	sortResource  = "By resource"
	sortService   = "By service"
	sortStatus    = "By status"
	sortLongest   = "Longest first"
	sortMostItems = "Most items first"
)

// serviceNames are Corso's services as a person names them.
var serviceNames = map[string]string{
	"exchange": "Exchange", "onedrive": "OneDrive", "sharepoint": "SharePoint", "groups": "Groups", "chats": "Chats",
}

func serviceName(s string) string {
	if n, ok := serviceNames[s]; ok {
		return n
	}

	return s
}

// backupFilter is what the view shows: text matched against the resource,
// service and status; a service and a status, or any; and an order.
type backupFilter struct {
	text, service, status, order string
}

// filterBackups returns the backups f lets through, in f's order.
func filterBackups(all []repo.Backup, f backupFilter) []repo.Backup {
	text := strings.ToLower(strings.TrimSpace(f.text))

	var out []repo.Backup

	for _, b := range all {
		switch {
		case f.service != "" && f.service != anyService && serviceName(b.Service) != f.service:
			continue
		case f.status != "" && f.status != anyStatus && b.Status != f.status:
			continue
		case text != "" && !strings.Contains(strings.ToLower(strings.Join([]string{b.ResourceName, b.ResourceID, serviceName(b.Service), b.Status, b.ID}, " ")), text):
			continue
		}

		out = append(out, b)
	}

	less := map[string]func(a, b repo.Backup) bool{
		sortOldest:    func(a, b repo.Backup) bool { return a.Created.Before(b.Created) },
		sortResource:  func(a, b repo.Backup) bool { return strings.ToLower(a.ResourceName) < strings.ToLower(b.ResourceName) },
		sortService:   func(a, b repo.Backup) bool { return serviceName(a.Service) < serviceName(b.Service) },
		sortStatus:    func(a, b repo.Backup) bool { return a.Status < b.Status },
		sortLongest:   func(a, b repo.Backup) bool { return a.Duration() > b.Duration() },
		sortMostItems: func(a, b repo.Backup) bool { return a.ItemsWritten > b.ItemsWritten },
	}[f.order]

	if less == nil {
		less = func(a, b repo.Backup) bool { return a.Created.After(b.Created) }
	}

	// Ties keep the newest first.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	sort.SliceStable(out, func(i, j int) bool { return less(out[i], out[j]) })

	return out
}

// backupsView is the list of one repository's backups.
type backupsView struct {
	a     *App
	e     library.Entry
	all   []repo.Backup
	shown []repo.Backup
	// contents is what the view lists, for the items view to come back to.
	contents *repo.Contents
	filter   backupFilter
	list     *widget.List
	detail   *fyne.Container
	text     *keyEntry
	service  *widget.Select
	status   *widget.Select
	order    *widget.Select
	// shell is the shell the copied commands are for (the OS's usual one
	// first).
	shell   *widget.Select
	form    *widget.RadioGroup
	count   *widget.Label
	storage *widget.Label
	// listing: the storage was still being listed when the view opened.
	listing bool
}

// showBackups lists c's backups for e, with filters, and the details and
// CLI commands of the one selected.
func (a *App) showBackups(e library.Entry, c *repo.Contents) {
	// Opened with what was handed over before the storage was listed:
	// the whole once it is.
	st := a.contents[e.ID]

	listing := st != nil && st.ahead == c
	if listing && !st.loading && st.result != nil {
		c, listing = st.result, false
	}

	v := &backupsView{a: a, e: e, contents: c, all: c.Backups, filter: backupFilter{service: anyService, status: anyStatus, order: sortNewest}}

	a.backups = v

	statuses := []string{anyStatus}
	services := []string{anyService}

	for _, b := range c.Backups {
		if !slices.Contains(statuses, b.Status) {
			statuses = append(statuses, b.Status)
		}

		if name := serviceName(b.Service); !slices.Contains(services, name) {
			services = append(services, name)
		}
	}

	v.text = a.newEntry("resource, service or status", false)
	v.text.OnChanged = func(s string) { v.filter.text = s; v.apply() }
	v.service = widget.NewSelect(services, func(s string) { v.filter.service = s; v.apply() })
	v.service.SetSelected(anyService)
	v.status = widget.NewSelect(statuses, func(s string) { v.filter.status = s; v.apply() })
	v.status.SetSelected(anyStatus)
	v.order = widget.NewSelect([]string{sortNewest, sortOldest, sortResource, sortService, sortStatus, sortLongest, sortMostItems}, func(s string) { v.filter.order = s; v.apply() })
	v.order.SetSelected(sortNewest)

	v.list = widget.NewList(
		func() int { return len(v.shown) },
		func() fyne.CanvasObject {
			what := widget.NewLabel("")
			what.Truncation = fyne.TextTruncateEllipsis
			when := widget.NewLabel("")
			when.SizeName = theme.SizeNameCaptionText

			return container.NewBorder(nil, nil, nil, when, what)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			b := v.shown[i]
			c := o.(*fyne.Container)
			c.Objects[0].(*widget.Label).SetText(serviceName(b.Service) + " · " + orNone(b.ResourceName, b.ResourceID) + " · " + b.Status)
			c.Objects[1].(*widget.Label).SetText(b.Created.Local().Format("2 Jan 2006 15:04"))
		},
	)
	v.list.OnSelected = func(i widget.ListItemID) { v.showBackup(v.shown[i]) }

	v.shell, v.form = a.handoffPickers(func() {})

	v.detail = container.NewStack(container.NewCenter(widget.NewLabel("Select a backup to see it.")))

	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), func() { a.backups = nil; a.showMain() })
	title := widget.NewLabelWithStyle("Backups in "+e.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.count = widget.NewLabel(summarize(c, time.Now()))
	v.count.Wrapping = fyne.TextWrapWord
	v.storage = widget.NewLabel(storageText(c.Storage, time.Now()))

	if listing {
		v.listing = true // the backups are read, the storage not yet
		v.count.SetText(backupsLine(c, time.Now()) + ".")
		v.storage.SetText("Storage: still being listed…")

		if !st.loading {
			v.listed(nil, st.err) // the listing failed
		}
	}

	v.storage.Wrapping = fyne.TextWrapWord
	v.storage.SizeName = theme.SizeNameCaptionText

	filters := container.NewBorder(nil, nil, nil, container.NewHBox(v.service, v.status, v.order), v.text)
	top := container.NewVBox(container.NewBorder(nil, nil, title, back), v.count, v.storage, filters)

	split := container.NewHSplit(v.list, container.NewPadded(v.detail))
	split.Offset = 0.5

	a.setView(container.NewPadded(container.NewBorder(top, nil, nil, nil, split)))
	v.apply()
}

// listed is the end of the storage's listing the view was opened before:
// its summary, or why there is none.
func (v *backupsView) listed(c *repo.Contents, err error) {
	v.listing = false

	switch {
	case err == nil && c != nil:
		v.contents = c
		v.count.SetText(summarize(c, time.Now()))
		v.storage.SetText(storageText(c.Storage, time.Now()))
	default:
		v.storage.SetText(notListedText(err))
	}
}

// apply shows the backups the filter lets through.
func (v *backupsView) apply() {
	if v.list == nil {
		return
	}

	v.shown = filterBackups(v.all, v.filter)
	v.list.UnselectAll()
	v.list.Refresh()
}

// showBackup shows one backup and the CLI commands that act on it.
func (v *backupsView) showBackup(b repo.Backup) {
	rows := []fyne.CanvasObject{}
	add := func(label, value string) { rows = append(rows, field(label, value)...) }

	add("Backup ID", b.ID)
	add("Service", serviceName(b.Service))
	add("Resource", orNone(b.ResourceName, "(no name)")+" ("+b.ResourceID+")")
	add("Status", b.Status)
	add("Taken", b.Created.Local().Format("2 January 2006, 15:04"))

	if d := b.Duration(); d > 0 {
		add("Duration", d.Round(time.Second).String())
	}

	add("Items", fmt.Sprintf("%d read, %d written, %d skipped", b.ItemsRead, b.ItemsWritten, b.ItemsSkipped))
	add("Data", byteSize(b.BytesRead)+" read, "+byteSize(b.BytesUploaded)+" uploaded")

	errs := plural(b.ErrorCount, "error")
	if b.Failure != "" {
		errs += "; failed: " + b.Failure
	}

	add("Errors", errs)

	if b.Type != "merge-backup" {
		add("Kind", b.Type)
	}

	copyCmd := func(verb string) func() {
		return func() {
			sh := v.a.handoff.shell
			c := corsoconfig.BackupCommand(v.e.Settings(), v.a.commandOptions(v.e, false), verb, b.Service, b.ID)
			v.a.fa.Clipboard().SetContent(c.RenderForm(sh, v.a.handoff.form))
			v.a.notice("Copied the " + verb + " command for " + sh.Name() + ".")
		}
	}

	buttons := container.NewHBox(v.shell, widget.NewButtonWithIcon("Copy details command", theme.ContentCopyIcon(), copyCmd("details")))

	var look fyne.CanvasObject = layout.NewSpacer()

	if b.StreamStoreID != "" {
		items := widget.NewButtonWithIcon("Items…", theme.FolderOpenIcon(), func() { v.a.openBackupItems(v.e, b, v.contents) })
		items.Importance = widget.HighImportance
		look = container.NewHBox(items)
	}
	body := container.NewVBox(container.New(layout.NewFormLayout(), rows...), look, v.form, buttons)

	switch {
	case !corsoconfig.Restorable(b.Service):
		body.Add(wrapped("The Corso CLI restores no " + serviceName(b.Service) + " backup (v0.19.0 has no restore for it)."))
	case b.Status != "Completed":
		body.Add(wrapped(v.notRestorable(b)))
	default:
		buttons.Add(widget.NewButtonWithIcon("Copy restore command", theme.ContentCopyIcon(), copyCmd("restore")))
	}

	v.detail.Objects = []fyne.CanvasObject{container.NewVScroll(body)}
	v.detail.Refresh()
}

// notRestorable says why a backup that did not complete offers no restore
// command, and which backup of the same resource and service would do.
func (v *backupsView) notRestorable(b repo.Backup) string {
	text := "This backup's status is " + b.Status + ": Corso restores from a backup that completed, so no restore command is offered for it."

	for _, o := range v.all { // newest first
		if o.Service == b.Service && o.ResourceID == b.ResourceID && o.Status == "Completed" && o.Type == "merge-backup" {
			return text + " The last completed " + serviceName(o.Service) + " backup of " + orNone(o.ResourceName, o.ResourceID) + " is " + o.ID + ", taken " + o.Created.Local().Format("2 January 2006, 15:04") + "."
		}
	}

	return text + " No completed " + serviceName(b.Service) + " backup of " + orNone(b.ResourceName, b.ResourceID) + " is in this repository."
}

// storageText is the storage a repository takes, by kind of blob, and when
// it was last written.
func storageText(u repo.StorageUse, now time.Time) string {
	parts := make([]string, 0, len(u.Kinds))
	for _, k := range u.Kinds {
		parts = append(parts, fmt.Sprintf("%s %s (%d)", k.Kind, byteSize(k.Bytes), k.Blobs))
	}

	s := "Storage: " + storageSize(u)
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}

	if !u.LastWrite.IsZero() {
		s += "; last written " + ago(u.LastWrite, now)
	}

	return s + "."
}
