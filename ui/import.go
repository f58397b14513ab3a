// Importing a repository from a Corso CLI config file: the files the CLI
// uses are offered in one click (dot-files included, which the file
// picker hides), any other can be picked or typed, and the add flow says
// which file it was filled from.

package ui

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
)

// importLabel is the import button's one label.
const importLabel = "Import from Corso CLI…"

// corsoConfigCandidates are the config files the CLI is likely to use
// here: its default, the other .toml files beside it whose name says
// corso, and the files this app exported.
func (a *App) corsoConfigCandidates() []string {
	var found []string

	add := func(p string) {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && !slices.Contains(found, p) {
			found = append(found, p)
		}
	}

	add(a.opts.CorsoConfigPath)

	if names, err := os.ReadDir(filepath.Dir(a.opts.CorsoConfigPath)); err == nil {
		for _, n := range names {
			if name := strings.ToLower(n.Name()); strings.HasSuffix(name, ".toml") && strings.Contains(name, "corso") {
				add(filepath.Join(filepath.Dir(a.opts.CorsoConfigPath), n.Name()))
			}
		}
	}

	for _, e := range a.entries {
		if e.CorsoConfigFile != "" {
			add(e.CorsoConfigFile)
		}
	}

	return found
}

// importCorsoConfig asks which config file to import (finding the
// candidates off the UI goroutine: a home folder may be on a network).
func (a *App) importCorsoConfig() {
	go func() {
		found := a.corsoConfigCandidates()
		a.post(func() { a.showImport(found) })
	}()
}

// showImport offers each found file in one click, and a field (with a
// picker) for any other.
func (a *App) showImport(found []string) {
	var d dialog.Dialog

	pick := func(path string) {
		d.Hide()
		a.importCorsoConfigFrom(path)
	}

	list := container.NewVBox()

	for _, p := range found {
		label := p
		if p == a.opts.CorsoConfigPath {
			label += " (the CLI's default)"
		}

		list.Add(widget.NewButtonWithIcon(label, theme.DocumentIcon(), func() { pick(p) }))
	}

	if len(found) == 0 {
		list.Add(wrapped("No Corso CLI config file was found in " + filepath.Dir(a.opts.CorsoConfigPath) + "."))
	}

	path := a.newEntry("path to a .toml file", false)
	path.OnSubmitted = func(s string) {
		if strings.TrimSpace(s) != "" {
			pick(strings.TrimSpace(s))
		}
	}

	browse := widget.NewButtonWithIcon("Browse…", theme.FolderOpenIcon(), func() {
		fd := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err == nil && r != nil {
				path.SetText(r.URI().Path())
				r.Close()
			}
		}, a.win)
		fd.SetFilter(storage.NewExtensionFileFilter([]string{".toml"}))
		fd.SetLocation(pickerStart(filepath.Dir(a.opts.CorsoConfigPath)))
		fd.Show()
	})

	importBtn := widget.NewButtonWithIcon("Import", theme.DownloadIcon(), func() { path.OnSubmitted(path.Text) })
	importBtn.Importance = widget.HighImportance

	body := container.NewVBox(
		wrapped("The Corso CLI's config files found here:"), list,
		widget.NewSeparator(),
		wrapped("Another file (the file picker hides names starting with a dot; type them, or turn on Show Hidden Files in its menu):"),
		container.NewBorder(nil, nil, nil, container.NewHBox(browse, importBtn), path))

	d = dialog.NewCustom("Import from the Corso CLI", "Cancel", body, a.win)
	d.Resize(fyne.NewSize(640, body.MinSize().Height+100))
	a.showDialog(d)
}

// importCorsoConfigFrom reads a CLI config (off the UI goroutine: the path
// is the user's and may be anything) and starts the add flow at the check
// step with its repository filled in.
func (a *App) importCorsoConfigFrom(path string) {
	var cfg *corsoconfig.Config

	a.run("Import from Corso CLI", "Reading "+path+"…", func(context.Context) error {
		var err error
		cfg, err = corsoconfig.Import(path)

		return err
	}, func(err error) {
		if err != nil {
			a.showError("Import from Corso CLI", err)
			return
		}

		f := &addFlow{a: a, kind: cfg.Settings.Kind(), imported: cfg}
		a.flow = f
		f.ensureFields()
		f.fill(cfg.Settings, cfg.Secrets.S3)
		f.showForm()
	})
}
