package ui

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/library"
	"github.com/corsodesktop/corso-desktop/repo/shellcmd"
)

// TestImportConnectExportKeepsTheCLIsRepoID imports the CLI's config for an
// existing folder repository, connects, and exports: the file keeps its
// repo_id (it is the same repository), and the entry remembers both the
// ID and the file for the next export and the copied command.
func TestImportConnectExportKeepsTheCLIsRepoID(t *testing.T) {
	h := newHarness(t)
	folder := filepath.Join(h.root, "cli repo")

	if _, err := inProcess.Initialize(context.Background(), repo.Filesystem{Path: folder}, repo.Secrets{Passphrase: passphrase},
		repo.Local{ConfigFile: filepath.Join(h.root, "cli", "c.config")}); err != nil {
		t.Fatal(err)
	}

	const repoID = "0b3c3cc5-1f8f-4a5b-9d7e-6c1c2c5f3a10"

	conf := h.a.opts.CorsoConfigPath
	body := "provider = 'Filesystem'\npath = '" + folder + "'\nrepo_id = '" + repoID + "'\naccount_provider = 'M365'\nazure_tenantid = 't'\n" +
		"corso_user = 'backup-admin'\ncorso_host = 'backup-server'\n"

	if err := os.MkdirAll(filepath.Dir(conf), 0o700); err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	h.importOffered(conf)

	f := h.a.flow
	if f == nil || f.path.Text != folder {
		t.Fatalf("import did not fill the form: %v", h.a.lastError)
	}

	if !strings.Contains(f.formIntro(), "Filled in from "+conf) {
		t.Fatalf("the form does not say which file it came from: %q", f.formIntro())
	}

	h.tap(f.checkButton)
	h.idle()
	h.tap(f.primary)
	h.typeInto(f.pass, passphrase)
	h.tap(f.submitButton)
	h.idle()

	e, ok := h.a.entry(h.a.selected)
	if !ok || e.CorsoRepoID != repoID || e.CorsoConfigFile != conf {
		t.Fatalf("the entry does not remember the CLI's file: %+v (error %v)", e, h.a.lastError)
	}

	// Maintenance runs as the identity the file gives the CLI.
	if f := h.openMaintenance(e); f.identity() != "backup-admin@backup-server" {
		t.Fatalf("maintenance offered as %q, the file says backup-admin@backup-server", f.identity())
	}

	h.loop.onUI(func() { h.a.dialog.Hide() })

	// Export to the same file: a replace, confirmed, keeping the ID.
	h.export(e, conf)

	if d, ok := h.a.dialog.(*dialog.ConfirmDialog); ok {
		h.loop.onUI(func() { d.Confirm() })
		h.idle()
	} else {
		t.Fatalf("no confirmation before replacing %s", conf)
	}

	data, _ := os.ReadFile(conf)
	if !strings.Contains(string(data), repoID) || !strings.Contains(string(data), "azure_tenantid = 't'") {
		t.Fatalf("the export lost the repo_id or the tenant:\n%s", data)
	}

	// Export somewhere else: same ID, the entry now points there.
	other := filepath.Join(h.root, "elsewhere", "contoso.toml")
	e, _ = h.a.entry(e.ID)
	h.export(e, other)

	e, _ = h.a.entry(e.ID)
	if data, _ := os.ReadFile(other); !strings.Contains(string(data), repoID) || e.CorsoConfigFile != other {
		t.Fatalf("second export: %+v\n%s", e, data)
	}

	c := h.cliCommand(e)
	if !strings.Contains(c.render(), "--config-file") || !strings.Contains(c.render(), other) {
		t.Fatalf("the copied command does not use the exported file:\n%s", c.render())
	}
}

// export fills the export dialog with path and submits it.
func (h *harness) export(e library.Entry, path string) {
	h.t.Helper()

	h.loop.onUI(func() { h.a.showExport(e) })

	d, ok := h.a.dialog.(*dialog.FormDialog)
	if !ok {
		h.t.Fatal("no export dialog")
	}

	entries := keyEntries(h.a.win.Canvas().Overlays().Top())
	if len(entries) != 2 {
		h.t.Fatalf("export dialog has %d text fields", len(entries))
	}

	h.typeInto(entries[0], filepath.Dir(path))
	h.typeInto(entries[1], filepath.Base(path))
	h.loop.onUI(d.Submit)
	h.idle()
}

func (h *harness) cliCommand(e library.Entry) *cliCommand {
	var c *cliCommand

	h.loop.onUI(func() { c = h.a.showCLICommand(e) })

	return c
}

func TestCopiedCommandDialog(t *testing.T) {
	h := newHarness(t)
	e := library.NewEntry("B2", repo.S3Compatible{S3: repo.S3{Bucket: "bkt", Credentials: repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: "KEYID"}},
		Endpoint: "s3.example.net"})
	h.saved(e)

	c := h.cliCommand(e)
	if c.selected() != shellcmd.Default(runtime.GOOS) || c.form.Selected != shellcmd.FormAsk.Name() {
		t.Fatalf("default shell %s on %s, form %q", c.selected(), runtime.GOOS, c.form.Selected)
	}

	if strings.Contains(c.text.Text, "AWS_SESSION_TOKEN") || !c.token.Visible() {
		t.Fatal("a session token before it was asked for, or no way to ask")
	}

	h.loop.onUI(func() { c.token.SetChecked(true) })
	h.loop.onUI(func() { c.shell.SetSelected(shellcmd.PowerShell.Name()) })

	if !strings.Contains(c.text.Text, "$Env:AWS_SESSION_TOKEN = [System.Net.NetworkCredential]::new('', (Read-Host -AsSecureString") ||
		!strings.Contains(c.text.Text, "$Env:AWS_ACCESS_KEY_ID = 'KEYID'") || !strings.Contains(c.text.Text, "asks for each value") {
		t.Fatalf("PowerShell, asking:\n%s", c.text.Text)
	}

	h.loop.onUI(func() { c.form.SetSelected(shellcmd.FormReplace.Name()) })

	if !strings.Contains(c.text.Text, "$Env:AWS_SESSION_TOKEN = 'REPLACE_WITH_THE_SESSION_TOKEN'") || !strings.Contains(c.text.Text, "Replace each") {
		t.Fatalf("PowerShell, placeholders:\n%s", c.text.Text)
	}

	h.tap(c.copyBtn)

	if got := h.a.fa.Clipboard().Content(); got != c.render() || !strings.Contains(got, "--endpoint s3.example.net") {
		t.Fatalf("clipboard %q", got)
	}

	// Copied is said in passing, not in a dialog that must be closed.
	if h.a.dialog == nil || h.a.dialog != h.a.cliDialog.dialog || !strings.Contains(c.copyBtn.Text, "Copied") {
		t.Fatalf("after copying: notice %q, dialog %T", h.a.lastNotice, h.a.dialog)
	}

	// The choice holds for the next copy.
	if next := h.cliCommand(e); next.selected() != shellcmd.PowerShell || next.form.Selected != shellcmd.FormReplace.Name() {
		t.Fatalf("the next command dialog forgot the choice: %s %q", next.selected(), next.form.Selected)
	}

	h.loop.onUI(func() { h.a.handoff = defaultHandoff() })

	// A folder repository has no S3 keys to ask about.
	fsEntry := library.NewEntry("Folder", repo.Filesystem{Path: filepath.Join(h.root, "r")})
	h.saved(e, fsEntry)

	if h.cliCommand(fsEntry).token.Visible() {
		t.Fatal("a session-token choice for a folder repository")
	}

	// A path with spaces, in this OS's default shell: POSIX shells and
	// PowerShell (Windows' default) both take it whole in single quotes.
	paths := []string{filepath.Join(h.root, "path with spaces", "repo")}
	if runtime.GOOS == "windows" {
		paths = append(paths, `Z:\path with spaces\repo`)
	}

	for _, p := range paths {
		spaces := library.NewEntry("Spaces", repo.Filesystem{Path: p})
		h.saved(e, fsEntry, spaces)

		if text := h.cliCommand(spaces).text.Text; !strings.Contains(text, "--path '"+p+"'") {
			t.Errorf("%s in %s:\n%s", p, shellcmd.Default(runtime.GOOS).Name(), text)
		}
	}
}

// keyEntries finds the text fields under o, in layout order.
func keyEntries(o fyne.CanvasObject) []*keyEntry {
	var found []*keyEntry

	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *keyEntry:
			found = append(found, v)
			return
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}

			return
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}

	walk(o)

	return found
}

// openImport taps Import and waits for its dialog (the files it offers
// are looked for off the UI goroutine).
func (h *harness) openImport() {
	h.t.Helper()

	h.loop.onUI(func() { h.a.dialog = nil })
	h.tap(h.a.importBtn)
	h.loop.until(h.t, "the import dialog", func() bool { _, ok := h.a.dialog.(*dialog.CustomDialog); return ok })
}

// importOffered opens the import dialog and picks path among the files it
// offers.
func (h *harness) importOffered(path string) {
	h.t.Helper()

	h.openImport()

	var offered *widget.Button

	h.loop.onUI(func() {
		for _, o := range test.LaidOutObjects(h.a.win.Canvas().Overlays().Top()) {
			if b, ok := o.(*widget.Button); ok && strings.HasPrefix(b.Text, path) {
				offered = b
			}
		}
	})

	if offered == nil {
		h.t.Fatalf("%s is not offered", path)
	}

	h.tap(offered)
	h.idle()
}

// TestImportOffersTheFilesAndAnyOther: the import button keeps one label;
// the CLI's default .corso.toml (a dot-file, which the file picker hides)
// is offered in one click; without it the dialog says none was found and
// takes any path, typed or picked (a picker filtered to .toml); the form
// says which file it was filled from.
func TestImportOffersTheFilesAndAnyOther(t *testing.T) {
	h := newHarness(t)

	if h.a.importBtn.Text != importLabel {
		t.Fatalf("import button %q", h.a.importBtn.Text)
	}

	h.openImport()

	browse := h.overlayButton("Browse…")
	if browse == nil || !strings.Contains(strings.Join(labelTexts(h.a.win.Canvas().Overlays().Top()), " "), "No Corso CLI config file was found") {
		t.Fatal("without a config file the dialog does not say so, or offers no picker")
	}

	h.tap(browse)

	if top := h.a.win.Canvas().Overlays().Top(); top == nil {
		t.Fatal("Browse… opened nothing")
	}

	h.loop.onUI(func() { h.a.win.Canvas().Overlays().Top().Hide(); h.a.dialog.Hide() })

	elsewhere := filepath.Join(h.root, "from another computer", "corso.toml")
	folder := filepath.Join(h.root, "repo")

	if err := os.MkdirAll(filepath.Dir(elsewhere), 0o700); err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(elsewhere, []byte("provider = 'Filesystem'\npath = '"+folder+"'\naccount_provider = 'M365'\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	h.openImport()

	path := keyEntries(h.a.win.Canvas().Overlays().Top())
	if len(path) != 1 {
		t.Fatalf("the import dialog has %d text fields", len(path))
	}

	h.typeInto(path[0], elsewhere)
	h.tap(h.overlayButton("Import"))
	h.idle()

	if h.a.flow == nil || h.a.flow.path.Text != folder || !strings.Contains(h.a.flow.formIntro(), elsewhere) {
		t.Fatalf("the typed file did not fill the form: %v", h.a.lastError)
	}

	// The CLI's default, a dot-file, is offered in one click.
	h.loop.onUI(func() { h.a.flow = nil; h.a.showMain() })

	if err := os.MkdirAll(filepath.Dir(h.a.opts.CorsoConfigPath), 0o700); err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(h.a.opts.CorsoConfigPath, []byte("provider = 'Filesystem'\npath = '"+folder+"-default'\naccount_provider = 'M365'\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	h.importOffered(h.a.opts.CorsoConfigPath)

	if h.a.flow == nil || h.a.flow.path.Text != folder+"-default" {
		t.Fatalf("the default file did not fill the form: %v", h.a.lastError)
	}
}

// labelTexts are the texts of the labels under o.
func labelTexts(o fyne.CanvasObject) []string {
	var texts []string

	for _, c := range test.LaidOutObjects(o) {
		if l, ok := c.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	}

	return texts
}

// TestHandOffNeverGoesStale: right after an export the command says the
// file holds this repository and names no --config-file for the CLI's
// default place; once another repository is exported over that file, the
// first one's command and details say the file now describes the other
// (the replace confirmation names it too) and offer a file of its own,
// which the command then uses.
func TestHandOffNeverGoesStale(t *testing.T) {
	h := newHarness(t)
	a := library.NewEntry("Tenant A", repo.Filesystem{Path: filepath.Join(h.root, "repo-a")})
	b := library.NewEntry("Tenant B", repo.Filesystem{Path: filepath.Join(h.root, "repo-b")})
	h.saved(a, b)

	def := h.a.opts.CorsoConfigPath
	if err := os.MkdirAll(filepath.Dir(def), 0o700); err != nil {
		t.Fatal(err)
	}

	h.loop.onUI(func() { h.a.selectEntry(a.ID) })
	h.export(a, def)

	c := h.cliCommand(a)
	h.loop.until(t, "the config file to be read", func() bool { return strings.Contains(c.file.Text, "describes this repository") })

	if strings.Contains(c.render(), "--config-file") {
		t.Fatalf("--config-file for the CLI's default place:\n%s", c.render())
	}

	h.loop.onUI(func() { h.a.dialog.Hide() })

	// B over the same file: the confirmation says what it holds now.
	b, _ = h.a.entry(b.ID)
	h.export(b, def)

	d, ok := h.a.dialog.(*dialog.ConfirmDialog)
	if !ok {
		t.Fatalf("no confirmation before replacing %s", def)
	}

	if got := h.a.lastConfirm; !strings.Contains(got, "describes another repository") || !strings.Contains(got, "repo-a") {
		t.Fatalf("the confirmation does not name what the file holds: %q", got)
	}

	h.loop.onUI(func() { d.Confirm() })
	h.idle()

	// A's command and details now say so, and offer a file of its own.
	c = h.cliCommand(a)
	h.loop.until(t, "the config file to be read", func() bool { return strings.Contains(c.file.Text, "now describes another repository") })

	if !strings.Contains(c.file.Text, "repo-b") {
		t.Fatalf("the command does not name the other repository: %q", c.file.Text)
	}

	h.loop.onUI(func() { h.a.selectEntry(a.ID) })
	h.loop.until(t, "the details to say so", func() bool {
		return strings.Contains(strings.Join(labelTexts(h.a.details), " "), "now describes another repository")
	})

	c = h.cliCommand(a)
	h.loop.until(t, "the offer", func() bool { return len(c.fix.Objects) == 1 })

	own := corsoconfig.OwnFileFor(def, "Tenant A")
	if offer := c.fix.Objects[0].(*widget.Button); !strings.Contains(offer.Text, filepath.Base(own)) {
		t.Fatalf("the offer %q does not name %s", offer.Text, filepath.Base(own))
	} else {
		h.tap(offer)
		h.idle()
	}

	h.loop.until(t, "the command to use the new file", func() bool { return strings.Contains(c.render(), "--config-file") })

	if !strings.Contains(c.render(), own) {
		t.Fatalf("the command does not use %s:\n%s", own, c.render())
	}

	if data, err := os.ReadFile(own); err != nil || !strings.Contains(string(data), "repo-a") {
		t.Fatalf("%s: %v\n%s", own, err, data)
	}

}
