// Package corsoselect holds the Corso CLI's selector rules: which flags
// of `corso restore` and `corso export` select exactly the items picked
// inside a backup, and what they cannot select. Pure: it runs wherever
// the backup's items are (the engine's details session), and
// corsoconfig renders the command around its flags.
package corsoselect

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"

	"github.com/corsodesktop/corso-desktop/repo"
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

// refsPerFlag keeps each comma-joined value far under 128 KiB.
const refsPerFlag = 500

// maxFlags bounds the flags' length: no shell takes a longer command (a
// POSIX paste has no limit of its own, but one argument may not pass
// 128 KiB on Linux and 1 MiB is far past any real selection).
const maxFlags = 1 << 20

// Restorable says whether `corso restore` takes backups of service (the
// CLI restores no Teams chats at v0.19.0).
func Restorable(service string) bool {
	switch service {
	case "exchange", "onedrive", "sharepoint", "groups":
		return true
	}

	return false
}

// Flags are the CLI's selectors for sel (none for the whole
// backup), or a sentence saying why the CLI cannot select exactly that.
func Flags(sel Selection) ([]string, error) {
	if !Restorable(sel.Details.Service) {
		return nil, fmt.Errorf("the Corso CLI has no %s for %s backups (v0.19.0 restores and exports Exchange, OneDrive, SharePoint and Groups)", sel.Verb, sel.Details.Service)
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
	if size > maxFlags {
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
