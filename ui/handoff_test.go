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

	"github.com/corsodesktop/corso-desktop/repo"
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

	h.loop.onUI(h.a.importCorsoConfig)
	h.idle()

	f := h.a.flow
	if f == nil || f.path.Text != folder {
		t.Fatalf("import did not fill the form: %v", h.a.lastError)
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

	c := h.cliCommand(e)
	if c.selected() != shellcmd.Default(runtime.GOOS) {
		t.Fatalf("default shell %s on %s", c.selected(), runtime.GOOS)
	}

	if strings.Contains(c.text.Text, "AWS_SESSION_TOKEN") || !c.token.Visible() {
		t.Fatal("a session token before it was asked for, or no way to ask")
	}

	h.loop.onUI(func() { c.token.SetChecked(true) })
	h.loop.onUI(func() { c.shell.SetSelected(shellcmd.PowerShell.Name()) })

	if !strings.Contains(c.text.Text, "$Env:AWS_SESSION_TOKEN = ") || !strings.Contains(c.text.Text, "$Env:AWS_ACCESS_KEY_ID = KEYID") {
		t.Fatalf("PowerShell text:\n%s", c.text.Text)
	}

	h.tap(c.copyBtn)

	if got := h.a.fa.Clipboard().Content(); got != c.render() || !strings.Contains(got, "--endpoint s3.example.net") {
		t.Fatalf("clipboard %q", got)
	}

	// A folder repository has no S3 keys to ask about.
	fsEntry := library.NewEntry("Folder", repo.Filesystem{Path: filepath.Join(h.root, "r")})
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
		if text := h.cliCommand(library.NewEntry("Spaces", repo.Filesystem{Path: p})).text.Text; !strings.Contains(text, "--path '"+p+"'") {
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

// TestImportWithoutTheDefaultConfigAsksForTheFile: the first-run screen
// promises to import the CLI's settings; with no .corso.toml in its
// default place, the button says it will ask for one and opens a file
// picker, and the file picked elsewhere fills the form.
func TestImportWithoutTheDefaultConfigAsksForTheFile(t *testing.T) {
	h := newHarness(t)

	if h.a.importBtn.Hidden || h.a.importBtn.Text != "Import a .corso.toml…" {
		t.Fatalf("import button %q, hidden %v", h.a.importBtn.Text, h.a.importBtn.Hidden)
	}

	h.tap(h.a.importBtn)

	if _, ok := h.a.dialog.(*dialog.FileDialog); !ok {
		t.Fatalf("no file picker: %T", h.a.dialog)
	}

	h.loop.onUI(func() { h.a.dialog.Hide() })

	elsewhere := filepath.Join(h.root, "from another computer", "corso.toml")
	folder := filepath.Join(h.root, "repo")

	if err := os.MkdirAll(filepath.Dir(elsewhere), 0o700); err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(elsewhere, []byte("provider = 'Filesystem'\npath = '"+folder+"'\naccount_provider = 'M365'\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	h.loop.onUI(func() { h.a.importCorsoConfigFrom(elsewhere) })
	h.idle()

	if h.a.flow == nil || h.a.flow.path.Text != folder {
		t.Fatalf("the picked file did not fill the form: %v", h.a.lastError)
	}
}
