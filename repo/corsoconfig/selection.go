package corsoconfig

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/shellcmd"
)

// Selection is what a person picked inside one backup, to restore or
// export with the Corso CLI.
type Selection struct {
	// Verb is "restore" or "export".
	Verb    string
	Details *repo.BackupDetails
	// Items index Details.Items: every item picked, those inside whole
	// folders too.
	Items []int
	// Folders are the whole folders picked (Details.Folders' form: from
	// the top of the tree), the topmost only; an Exchange folder becomes
	// one --email-folder (or --contact-folder, --event-calendar) instead
	// of an ID per item.
	Folders [][]string
	// Destination is the folder an export writes to.
	Destination string
}

// The most a copied command may be, per shell: cmd.exe reads at most
// 8,191 characters a line; Windows starts no program with a command line
// over 32,767; a POSIX paste has no such limit, but one argument may not
// pass 128 KiB on Linux, so values are split over repeated flags anyway.
var commandLimit = map[shellcmd.Shell]int{shellcmd.Cmd: 8191, shellcmd.PowerShell: 32767, shellcmd.POSIX: 1 << 20}

// refsPerFlag keeps each comma-joined value far under 128 KiB.
const refsPerFlag = 500

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

	flags, err := SelectionFlags(sel)
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

// SelectionFlags are the CLI's selectors for sel (none for the whole
// backup), or a sentence saying why the CLI cannot select exactly that.
func SelectionFlags(sel Selection) ([]string, error) {
	if !Restorable(sel.Details.Service) {
		return nil, Picked{Verb: sel.Verb, Service: sel.Details.Service}.refusal()
	}

	flags, err := selectionFlags(sel)
	if err != nil {
		return nil, err
	}

	size := 0
	for _, f := range flags {
		size += len(f) + 3
	}

	// No shell takes more; the command would be refused anyway, and this
	// keeps the flags of a million picked items off the engine's pipe.
	if size > commandLimit[shellcmd.POSIX] {
		return nil, fmt.Errorf("a command for these %d items would be over %d characters long, more than any shell takes; select fewer items, or whole Exchange folders, and %s them in turns", len(sel.Items), size, sel.Verb)
	}

	return flags, nil
}

// selectionFlags are the CLI's selectors for sel. Every item is named by
// its ShortRef, which each service's selector matches among an item's
// values (pkg/selectors pathValues); a flag's values are joined by commas
// and the CLI splits them as CSV (pflag's StringSlice).
func selectionFlags(sel Selection) ([]string, error) {
	d := sel.Details
	if len(sel.Items) == d.Len() {
		return nil, nil // the whole backup: no selector at all
	}

	byKind := map[repo.ItemKind][]string{}
	listNames := map[string]int{}

	for i := range d.Len() {
		if d.Kind(i) == repo.KindListItem {
			listNames[string(d.NameBytes(i))]++
		}
	}

	for _, i := range sel.Items {
		it := d.Item(i)

		switch it.Kind {
		case repo.KindConversationPost:
			return nil, fmt.Errorf("corso v0.19.0 cannot restore single conversation posts: given posts without their conversation, it selects every conversation; leave posts out, or %s the whole backup", sel.Verb)
		case repo.KindListItem:
			// Lists are selected by name, exactly (StrictEqualMatch).
			if listNames[it.Name] > 1 {
				return nil, fmt.Errorf("this backup has %d lists named %q and the CLI selects lists by name, so it would %s them all; leave that list out, or %s them together", listNames[it.Name], it.Name, sel.Verb, sel.Verb)
			}

			byKind[it.Kind] = append(byKind[it.Kind], csvField(it.Name))
		default:
			byKind[it.Kind] = append(byKind[it.Kind], it.Ref)
		}
	}

	folderFlag := exchangeFolderFlags(sel, byKind)

	var out []string

	for _, k := range repo.ItemKinds {
		refs := byKind[k]
		if len(refs) == 0 {
			continue
		}

		name := itemFlag(d.Service, k)
		if name == "" {
			return nil, fmt.Errorf("the Corso CLI has no flag to %s %s items of %s backups", sel.Verb, strings.ToLower(k.Name()), d.Service)
		}

		for chunk := range slices.Chunk(refs, refsPerFlag) {
			out = append(out, name, strings.Join(chunk, ","))
		}
	}

	return append(folderFlag, out...), nil
}

// exchangeFolderFlags turns each kind of Exchange item whose picked items
// are exactly whole folders into folder flags ("/" and the folder's path,
// which the CLI matches as a prefix: the folder and those under it) and
// takes that kind out of byKind. A kind with single items besides keeps
// its IDs, as the CLI would select those items only inside the folders.
func exchangeFolderFlags(sel Selection, byKind map[repo.ItemKind][]string) []string {
	if sel.Details.Service != "exchange" || len(sel.Folders) == 0 {
		return nil
	}

	tops := map[string]repo.ItemKind{"Mail": repo.KindMail, "Contacts": repo.KindContact, "Calendars": repo.KindEvent}
	flagOf := map[repo.ItemKind]string{repo.KindMail: "--email-folder", repo.KindContact: "--contact-folder", repo.KindEvent: "--event-calendar"}
	folders := map[repo.ItemKind][]string{}
	covered := map[repo.ItemKind]int{}

	for _, f := range sel.Folders {
		k, ok := tops[f[0]]
		if !ok {
			continue
		}

		folders[k] = append(folders[k], csvField("/"+escapedPath(f[1:])))

		for i := range sel.Details.Len() {
			if sel.Details.Kind(i) == k && hasPrefix(sel.Details.FolderOf(i), f) {
				covered[k]++
			}
		}
	}

	var out []string

	for _, k := range []repo.ItemKind{repo.KindMail, repo.KindContact, repo.KindEvent} {
		if len(folders[k]) == 0 || covered[k] != len(byKind[k]) {
			continue
		}

		delete(byKind, k)
		out = append(out, flagOf[k], strings.Join(folders[k], ","))
	}

	return out
}

// escapedPath is a folder's path as Corso writes it: each '/' and '\'
// inside a name escaped by '\', the names joined by '/'.
func escapedPath(elements []string) string {
	esc := make([]string, len(elements))
	for i, e := range elements {
		esc[i] = strings.NewReplacer(`\`, `\\`, `/`, `\/`).Replace(e)
	}

	return strings.Join(esc, "/")
}

func hasPrefix(p, prefix []string) bool {
	return len(p) >= len(prefix) && slices.Equal(p[:len(prefix)], prefix)
}

// csvField is s as one field of a CSV record, quoted when it must be, so
// that pflag's StringSlice gives the CLI s back.
func csvField(s string) string {
	var b bytes.Buffer

	w := csv.NewWriter(&b)
	w.Write([]string{s}) //nolint:errcheck // a bytes.Buffer does not fail
	w.Flush()

	return strings.TrimSuffix(b.String(), "\n")
}

// itemFlag is the CLI's flag that selects items of kind k by ID, for
// service; "" when it has none.
func itemFlag(service string, k repo.ItemKind) string {
	switch {
	case service == "exchange" && k == repo.KindMail:
		return "--email"
	case service == "exchange" && k == repo.KindContact:
		return "--contact"
	case service == "exchange" && k == repo.KindEvent:
		return "--event"
	case k == repo.KindFile && service != "exchange":
		return "--file"
	case k == repo.KindListItem && (service == "sharepoint" || service == "groups"):
		return "--list"
	case k == repo.KindPage && (service == "sharepoint" || service == "groups"):
		return "--page"
	case k == repo.KindChannelMessage && service == "groups":
		return "--message"
	}

	return ""
}
