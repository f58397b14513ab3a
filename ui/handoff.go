// The hand-off to the Corso CLI: the command that connects to a saved
// repository, per shell and form, and what the CLI's config file holds
// for it right now.

package ui

import (
	"path/filepath"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/library"
	"github.com/corsodesktop/corso-desktop/repo/shellcmd"
)

// handoffChoice is the shell and form the user last chose for a copied
// command, kept for the session so that every copy uses them.
type handoffChoice struct {
	shell shellcmd.Shell
	form  shellcmd.Form
}

func defaultHandoff() handoffChoice {
	return handoffChoice{shell: shellcmd.Default(runtime.GOOS), form: shellcmd.FormAsk}
}

// handoffPickers are the shell and form pickers, bound to the app's
// choice; changed calls back after each change.
func (a *App) handoffPickers(changed func()) (*widget.Select, *widget.RadioGroup) {
	shells := make([]string, len(shellcmd.Shells))
	for i, sh := range shellcmd.Shells {
		shells[i] = sh.Name()
	}

	forms := make([]string, len(shellcmd.Forms))
	for i, f := range shellcmd.Forms {
		forms[i] = f.Name()
	}

	shell := widget.NewSelect(shells, nil)
	shell.SetSelected(a.handoff.shell.Name())
	shell.OnChanged = func(name string) {
		for _, sh := range shellcmd.Shells {
			if sh.Name() == name {
				a.handoff.shell = sh
			}
		}

		changed()
	}

	form := widget.NewRadioGroup(forms, nil)
	form.Horizontal = true
	form.Required = true
	form.SetSelected(a.handoff.form.Name())
	form.OnChanged = func(name string) {
		for _, f := range shellcmd.Forms {
			if f.Name() == name {
				a.handoff.form = f
			}
		}

		changed()
	}

	return shell, form
}

// cliConfigFile is where the CLI reads e's repository from: the file
// exported for it, else the CLI's default.
func (a *App) cliConfigFile(e library.Entry) string {
	if e.CorsoConfigFile != "" {
		return e.CorsoConfigFile
	}

	return a.opts.CorsoConfigPath
}

// commandOptions are what e's command needs besides its location.
func (a *App) commandOptions(e library.Entry, token bool) corsoconfig.CommandOptions {
	return corsoconfig.CommandOptions{ConfigFile: e.CorsoConfigFile, DefaultConfigFile: a.opts.CorsoConfigPath, SessionToken: token, GOOS: runtime.GOOS}
}

// cliCommand is the copied command's dialog content. It holds the entry's
// ID, not the entry: what it shows is the entry as saved now.
type cliCommand struct {
	a       *App
	id      string
	shell   *widget.Select
	form    *widget.RadioGroup
	token   *widget.Check
	text    *widget.Label
	file    *widget.Label
	fix     *fyne.Container
	copyBtn *widget.Button
	dialog  dialog.Dialog
}

func (c *cliCommand) entry() library.Entry {
	e, _ := c.a.entry(c.id)
	return e
}

func (c *cliCommand) selected() shellcmd.Shell { return c.a.handoff.shell }

func (c *cliCommand) render() string {
	e := c.entry()
	return corsoconfig.ConnectCommand(e.Settings(), c.a.commandOptions(e, c.token.Checked && c.token.Visible())).RenderForm(c.a.handoff.shell, c.a.handoff.form)
}

func (c *cliCommand) refresh() {
	c.text.SetText(strings.TrimSuffix(c.render(), "\n"))
	c.copyBtn.SetText("Copy")
}

// showCLICommand shows the `corso repo connect` command for e in the
// shell and form of the user's choice, ready to copy, and what the CLI's
// config file holds for it.
func (a *App) showCLICommand(e library.Entry) *cliCommand {
	c := &cliCommand{a: a, id: e.ID}

	c.text = widget.NewLabel("")
	c.text.TextStyle = fyne.TextStyle{Monospace: true}
	c.text.Wrapping = fyne.TextWrapBreak
	c.text.Selectable = true
	c.token = widget.NewCheck("The S3 keys include a session token", func(bool) { c.refresh() })
	c.copyBtn = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		a.fa.Clipboard().SetContent(c.render())
		// Said on the button: a notice would be under the dialog.
		c.copyBtn.SetText("Copied for " + a.handoff.shell.Name())
		a.lastNotice = c.copyBtn.Text
	})
	c.shell, c.form = a.handoffPickers(c.refresh)
	c.file = wrapped("Reading what the CLI's config file holds…")
	c.fix = container.NewHBox()

	if cred, ok := e.Credentials(); !ok || cred.Source != repo.CredentialsKeys {
		c.token.Hide()
	}

	top := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel("Shell"), nil, c.shell),
		container.NewBorder(nil, nil, widget.NewLabel("Secrets"), nil, c.form),
		c.token)
	note := wrapped("No secret is in it: the app never hands one out.")
	body := container.NewBorder(top, container.NewVBox(note, c.file, c.fix, container.NewHBox(c.copyBtn)), nil, nil,
		container.NewVScroll(c.text))
	c.refresh()

	d := dialog.NewCustom("Corso CLI command for "+e.Name, "Close", body, a.win)
	d.Resize(fyne.NewSize(760, 560))
	a.showDialog(d)
	a.cliDialog, c.dialog = c, d

	a.inspectCLIFile(e, c.showFile)

	return c
}

// showFile says what the CLI's config file holds, and offers the export
// that makes the command work when it does not hold this repository.
func (c *cliCommand) showFile(fs corsoconfig.FileState) {
	e := c.entry()
	c.file.SetText(fileStateText(e, fs, c.a.opts.CorsoConfigPath))
	c.fix.Objects = nil

	if fs.Holding != corsoconfig.HoldsThis {
		to := fs.Path
		label := "Export .corso.toml…"

		if fs.Holding == corsoconfig.HoldsOther {
			to = corsoconfig.OwnFileFor(c.a.opts.CorsoConfigPath, e.Name)
			label = "Export this one to " + filepath.Base(to)
		}

		c.fix.Add(widget.NewButtonWithIcon(label, theme.DocumentSaveIcon(), func() {
			c.a.exportCorsoConfig(e, to, false, func() {
				if c.a.cliDialog == c {
					c.refresh()
					c.a.inspectCLIFile(c.entry(), c.showFile)
				}
			})
		}))
	}

	c.fix.Refresh()
}

// fileStateText says what the config file the CLI reads holds for e.
func fileStateText(e library.Entry, fs corsoconfig.FileState, defaultPath string) string {
	where := "The CLI reads " + fs.Path
	if fs.Path == defaultPath {
		where += " (its default)"
	}

	switch fs.Holding {
	case corsoconfig.HoldsThis:
		return where + ", which describes this repository."
	case corsoconfig.HoldsOther:
		return where + ", which now describes another repository (" + fs.Other + "): the command would open that one. Export this one to a file of its own."
	case corsoconfig.HoldsUnreadable:
		return where + ", which it cannot use: " + fs.Problem
	}

	if e.CorsoConfigFile != "" {
		return where + ", which was exported from here and is gone now: export it again."
	}

	return where + ", which is not there yet: export this repository's .corso.toml first, or the CLI will not find it."
}

// inspectCLIFile reads what the CLI's config file holds for e off the UI
// goroutine (the file may be on a slow disk) and hands it to show.
func (a *App) inspectCLIFile(e library.Entry, show func(corsoconfig.FileState)) {
	path := a.cliConfigFile(e)

	go func() {
		fs := corsoconfig.Inspect(path, e.Settings())
		a.post(func() {
			a.cliFiles[e.ID] = fs
			show(fs)
		})
	}()
}

// refreshCLIFile reads again what e's CLI config file holds, for the
// details.
func (a *App) refreshCLIFile(e library.Entry) {
	a.inspectCLIFile(e, func(corsoconfig.FileState) {
		if a.selected == e.ID && a.flow == nil && a.backups == nil {
			a.showDetails()
		}
	})
}
