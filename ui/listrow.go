// A row of the list of saved repositories: its name, its location (the
// most specific part first) and what is true of it now.

package ui

import (
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

func newListRow() fyne.CanvasObject {
	name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis
	where := widget.NewLabel("")
	where.Truncation = fyne.TextTruncateEllipsis
	where.SizeName = theme.SizeNameCaptionText
	state := widget.NewLabel("")
	state.SizeName = theme.SizeNameCaptionText
	care := widget.NewLabel("")
	care.SizeName = theme.SizeNameCaptionText

	return container.NewBorder(nil, nil, widget.NewIcon(theme.FolderIcon()), container.NewVBox(state, care), container.NewVBox(name, where))
}

func (a *App) updateListRow(e library.Entry, o fyne.CanvasObject) {
	c := o.(*fyne.Container)
	texts := c.Objects[0].(*fyne.Container)
	texts.Objects[0].(*widget.Label).SetText(e.Name)
	where := listLocation(e.Settings())
	if e.State == library.StateProblem && e.StateDetail != "" {
		// The cause, in the list too; the details keep the location.
		where = e.StateDetail
	}

	if a.locked(e) {
		where += " · object lock"
	}

	texts.Objects[1].(*widget.Label).SetText(where)
	c.Objects[1].(*widget.Icon).SetResource(kindIcon(e.Kind))
	right := c.Objects[2].(*fyne.Container)
	right.Objects[0].(*widget.Label).SetText(a.stateText(e))

	care := right.Objects[1].(*widget.Label)
	text, attention := a.careAttention(e)
	care.Importance = widget.LowImportance

	if attention {
		care.Importance = widget.WarningImportance
	}

	care.SetText(text)
}

// locked says whether e's blobs are locked: as its repository says once
// open, else as it was created.
func (a *App) locked(e library.Entry) bool {
	if info := a.infos[e.ID]; info != nil {
		return info.Retention.Enabled()
	}

	switch {
	case e.S3 != nil:
		return e.S3.ObjectLock != nil
	case e.S3Compatible != nil:
		return e.S3Compatible.ObjectLock != nil
	}

	return false
}

// listLocation names a location for the list, most specific part first,
// so that a row cut short still tells two repositories in one bucket (or
// two folders with one parent) apart: the prefix before the bucket, the
// folder's name before its parent.
func listLocation(s repo.Settings) string {
	switch v := s.(type) {
	case repo.Filesystem:
		return filepath.Base(v.Path) + " in " + filepath.Dir(v.Path)
	case repo.S3:
		return s3ListLocation(v, "Amazon S3")
	case repo.S3Compatible:
		return s3ListLocation(v.S3, v.Endpoint)
	}

	return s.Describe()
}

func s3ListLocation(s repo.S3, where string) string {
	if s.Prefix == "" {
		return "bucket " + s.Bucket + " · " + where
	}

	return s.Prefix + " in bucket " + s.Bucket + " · " + where
}

// stateText is what is true of e now: open, being opened, waiting for a
// passphrase (none stored, or the stored one refused), or not connected
// on this computer.
func (a *App) stateText(e library.Entry) string {
	switch {
	case a.opening[e.ID]:
		return "Opening…"
	case e.State == library.StateProblem:
		return "Problem"
	case a.infos[e.ID] != nil:
		return "Open"
	case !a.lib.Connected(e.ID):
		return "Not connected"
	case a.refused[e.ID]:
		return "Passphrase refused"
	}

	if loc, ok := a.located[e.ID]; ok && loc.Passphrase == library.Nowhere {
		return "Needs its passphrase"
	}

	return "Not opened yet"
}
