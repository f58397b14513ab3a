// Exporting a saved repository's .corso.toml for the Corso CLI.

package ui

import (
	"context"
	"errors"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// showExport asks where to write the .corso.toml for e: the Corso CLI's
// own default (or wherever it was exported before) unless the user picks
// another folder or name.
func (a *App) showExport(e library.Entry) {
	start := e.CorsoConfigFile
	if start == "" {
		start = a.opts.CorsoConfigPath
	}

	folder := a.newEntry("", false)
	folder.SetText(filepath.Dir(start))
	name := a.newEntry(corsoconfig.Name, false)
	name.SetText(filepath.Base(start))

	choose := widget.NewButtonWithIcon("Choose…", theme.FolderOpenIcon(), func() {
		fd := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
			if err == nil && u != nil {
				folder.SetText(u.Path())
			}
		}, a.win)

		fd.SetLocation(pickerStart(folder.Text))
		fd.Show()
	})

	where := func() string { return filepath.Join(strings.TrimSpace(folder.Text), strings.TrimSpace(name.Text)) }
	note := wrapped("")
	update := func(string) {
		if where() == a.opts.CorsoConfigPath {
			note.SetText("This is where the Corso CLI looks by default.")
		} else {
			note.SetText("The Corso CLI looks in " + a.opts.CorsoConfigPath + " by default; for this file the copied command adds --config-file.")
		}
	}

	folder.OnChanged, name.OnChanged = update, update
	update("")

	items := []*widget.FormItem{
		widget.NewFormItem("Folder", container.NewBorder(nil, nil, nil, choose, folder)),
		widget.NewFormItem("File name", name),
		widget.NewFormItem("", note),
	}

	d := dialog.NewForm("Export .corso.toml for "+e.Name, "Export", "Cancel", items, func(ok bool) {
		if ok {
			a.exportCorsoConfig(e, where(), false, nil)
		}
	}, a.win)
	d.Resize(fyne.NewSize(620, d.MinSize().Height))
	a.showDialog(d)
}

// exportCorsoConfig writes the file (off the UI goroutine: it reads what
// is there and saves the repo_id with the entry), says what it did, and
// then calls after, if any.
func (a *App) exportCorsoConfig(e library.Entry, path string, replace bool, after func()) {
	var res *corsoconfig.Exported

	a.run("Exporting .corso.toml", "Writing "+path+"…", func(ctx context.Context) error {
		var err error

		res, err = corsoconfig.Export(path, e.Settings(), corsoconfig.ExportOptions{Replace: replace, RepoID: e.CorsoRepoID})
		if err != nil {
			return err
		}

		e.CorsoRepoID, e.CorsoConfigFile = res.RepoID, res.Path

		return a.lib.Save(ctx, e)
	}, func(err error) {
		if repo.CodeOf(err) == repo.CodeConfigExists {
			// The sentence names what the file holds now.
			a.lastConfirm = err.Error()
			d := dialog.NewConfirm("Replace the Corso CLI config?", err.Error(), func(ok bool) {
				if ok {
					a.exportCorsoConfig(e, path, true, after)
				}
			}, a.win)
			a.showDialog(d)

			return
		}

		if res == nil {
			a.showError("Export", err)
			return
		}

		// What the details and any open command say comes from the entry
		// as saved now.
		delete(a.cliFiles, e.ID)
		a.reload()
		a.showDetails()

		if saved, ok := a.entry(e.ID); ok {
			a.refreshCLIFile(saved)
		}

		msg := "Wrote " + res.Path + ". The Corso CLI can now use this repository; the passphrase is not in the file."
		if res.Backup != "" {
			msg += " The previous file is kept as " + res.Backup + "."
		}

		if len(res.DroppedSecrets) > 0 {
			msg += " It held secrets (" + strings.Join(res.DroppedSecrets, ", ") + ") that were not copied; the backup still has them, so delete it once you no longer need it."
		}

		if err != nil {
			var d detailed
			msg += " Corso Desktop could not remember where it was written: " + err.Error()

			if errors.As(err, &d) && d.Details() != "" {
				msg += " (" + d.Details() + ")"
			}
		}

		if after != nil {
			after()
		}

		a.showInfo("Exported", msg)
	})
}
