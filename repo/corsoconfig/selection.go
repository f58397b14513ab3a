package corsoconfig

import (
	"fmt"
	"strings"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoselect"
	"github.com/corsodesktop/corso-desktop/repo/shellcmd"
)

// Selection is what a person picked inside one backup
// (corsoselect.Selection).
type Selection = corsoselect.Selection

// The most a copied command may be, per shell: cmd.exe reads at most
// 8,191 characters a line; Windows starts no program with a command line
// over 32,767; a POSIX paste has no such limit, but one argument may not
// pass 128 KiB on Linux, so values are split over repeated flags anyway.
var commandLimit = map[shellcmd.Shell]int{shellcmd.Cmd: 8191, shellcmd.PowerShell: 32767, shellcmd.POSIX: 1 << 20}

// Exportable says whether `corso export` takes backups of service
// (v0.19.0 exports Exchange, OneDrive, SharePoint and Groups).
func Exportable(service string) bool { return Restorable(service) }

// SelectionCommand is `corso restore <service>` (or `corso export
// <service> <destination>`) for exactly the selected items of one backup,
// with the flags Corso v0.19.0's CLI takes for them, rendered for sh in
// form f. It refuses, in a sentence, what the CLI cannot select exactly
// and a command longer than sh takes.
func SelectionCommand(s repo.Settings, o CommandOptions, sel Selection, sh shellcmd.Shell, f shellcmd.Form) (string, error) {
	picked := Picked{Verb: sel.Verb, Service: sel.Details.Service, BackupID: sel.Details.BackupID, Destination: sel.Destination, Items: len(sel.Items)}
	if err := picked.refusal(); err != nil {
		return "", err
	}

	flags, err := corsoselect.Flags(sel)
	if err != nil {
		return "", err
	}

	picked.Flags = flags

	return PickedCommand(s, o, picked, sh, f)
}

// Picked is a selection as the command needs it: its flags, made by
// SelectionFlags where the backup's items are, and how many items they
// select.
type Picked struct {
	Verb, Service, BackupID, Destination string
	Flags                                []string
	Items                                int
}

func (p Picked) refusal() error {
	switch {
	case !Restorable(p.Service):
		return fmt.Errorf("the Corso CLI has no %s for %s backups (v0.19.0 restores and exports Exchange, OneDrive, SharePoint and Groups)", p.Verb, p.Service)
	case p.Items == 0:
		return fmt.Errorf("select the items or folders to %s first", p.Verb)
	case p.Verb == "export" && strings.TrimSpace(p.Destination) == "":
		return fmt.Errorf("choose the folder the export writes to first")
	}

	return nil
}

// PickedCommand is SelectionCommand for a selection already made into
// its flags.
func PickedCommand(s repo.Settings, o CommandOptions, p Picked, sh shellcmd.Shell, f shellcmd.Form) (string, error) {
	if err := p.refusal(); err != nil {
		return "", err
	}

	c := ConnectCommand(s, o)
	c.Comments = append(c.Comments, "It reads the repository from the CLI's config file: export it, or run the connect command, first.")

	args := []string{"corso", "restore", p.Service}
	if p.Verb == "export" {
		args = []string{"corso", "export", p.Service, p.Destination}
	}

	c.Args = append(append(appendConfigFile(args, o), "--backup", p.BackupID), p.Flags...)

	text := c.RenderForm(sh, f)
	if limit := commandLimit[sh]; len(text) > limit {
		return "", fmt.Errorf("a command for these %d items is %d characters long, more than %s takes (%d); select fewer items, or whole Exchange folders, and %s them in turns", p.Items, len(text), sh.Name(), limit, p.Verb)
	}

	return text, nil
}

// SelectionFlags are the CLI's selectors for sel (corsoselect.Flags).
func SelectionFlags(sel Selection) ([]string, error) { return corsoselect.Flags(sel) }
