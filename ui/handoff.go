package ui

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/library"
	"github.com/corsodesktop/corso-desktop/repo/shellcmd"
)

// cliCommand is the copied command's dialog content: the shell to render
// for, whether typed keys carry a session token, and the text.
type cliCommand struct {
	e       library.Entry
	goos    string
	shell   *widget.Select
	token   *widget.Check
	text    *widget.Label
	copyBtn *widget.Button
}

func (c *cliCommand) options() corsoconfig.CommandOptions {
	return corsoconfig.CommandOptions{ConfigFile: c.e.CorsoConfigFile, SessionToken: c.token.Checked && c.token.Visible(), GOOS: c.goos}
}

func (c *cliCommand) selected() shellcmd.Shell {
	for _, sh := range shellcmd.Shells {
		if sh.Name() == c.shell.Selected {
			return sh
		}
	}

	return shellcmd.Default(c.goos)
}

func (c *cliCommand) render() string {
	return corsoconfig.ConnectCommand(c.e.Settings(), c.options()).Render(c.selected())
}

func (c *cliCommand) refresh() {
	c.text.SetText(strings.TrimSuffix(c.render(), "\n"))
	c.copyBtn.SetText("Copy")
}

// showCLICommand shows the `corso repo connect` command for e in the
// shell of the user's choice (the OS's usual one first), ready to copy.
func (a *App) showCLICommand(e library.Entry) *cliCommand {
	c := &cliCommand{e: e, goos: runtime.GOOS}

	names := make([]string, len(shellcmd.Shells))
	for i, sh := range shellcmd.Shells {
		names[i] = sh.Name()
	}

	c.text = widget.NewLabel("")
	c.text.TextStyle = fyne.TextStyle{Monospace: true}
	c.text.Wrapping = fyne.TextWrapBreak
	c.text.Selectable = true
	c.token = widget.NewCheck("The S3 keys include a session token", func(bool) { c.refresh() })
	c.copyBtn = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		a.fa.Clipboard().SetContent(c.render())
		c.copyBtn.SetText("Copied")
	})
	c.shell = widget.NewSelect(names, func(string) { c.refresh() })
	c.shell.SetSelected(shellcmd.Default(c.goos).Name())

	top := container.NewVBox(container.NewBorder(nil, nil, widget.NewLabel("Shell"), nil, c.shell), c.token)
	if cred, ok := e.Credentials(); !ok || cred.Source != repo.CredentialsKeys {
		c.token.Hide()
	}

	note := "No secret is in it: replace each REPLACE_WITH_… value with yours before running it."
	if e.CorsoConfigFile == "" {
		note += " This repository's .corso.toml was not exported from here, so the CLI reads " + corsoconfig.DefaultPath() +
			" when it exists; if that file describes another repository the CLI refuses, so export this one first."
	}

	body := container.NewBorder(top, container.NewVBox(wrapped(note), container.NewHBox(c.copyBtn)), nil, nil,
		container.NewVScroll(c.text))
	c.refresh()

	d := dialog.NewCustom("Corso CLI command for "+e.Name, "Close", body, a.win)
	d.Resize(fyne.NewSize(720, 520))
	a.showDialog(d)

	return c
}

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
			a.exportCorsoConfig(e, where(), false)
		}
	}, a.win)
	d.Resize(fyne.NewSize(620, d.MinSize().Height))
	a.showDialog(d)
}

// exportCorsoConfig writes the file (off the UI goroutine: it reads what
// is there and saves the repo_id with the entry) and says what it did.
func (a *App) exportCorsoConfig(e library.Entry, path string, replace bool) {
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
			d := dialog.NewConfirm("Replace the Corso CLI config?", err.Error(), func(ok bool) {
				if ok {
					a.exportCorsoConfig(e, path, true)
				}
			}, a.win)
			a.showDialog(d)

			return
		}

		if res == nil {
			a.showError("Export", err)
			return
		}

		a.reload()

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

		a.showInfo("Exported", msg)
	})
}

// importCorsoConfig imports the CLI's config from its default place, or,
// when there is none, from a .corso.toml the user picks.
func (a *App) importCorsoConfig() {
	if a.corsoConfigExists() {
		a.importCorsoConfigFrom(a.opts.CorsoConfigPath)
		return
	}

	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err == nil && r != nil {
			path := r.URI().Path()
			r.Close()
			a.importCorsoConfigFrom(path)
		}
	}, a.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".toml"}))
	d.SetLocation(pickerStart(filepath.Dir(a.opts.CorsoConfigPath)))
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
