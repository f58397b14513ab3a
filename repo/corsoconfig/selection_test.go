package corsoconfig_test

import (
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/shellcmd"
)

// oddList is a list name that needs CSV quoting for the CLI and shell
// quoting for the paste.
const oddList = `Budget, "final" 50% & more! $HOME`

// sampleDetails is a backup's details as the engine reads them (the
// reading itself is tested over both engines in engineproto).
func sampleDetails(service string) *repo.BackupDetails {
	d := &repo.BackupDetails{BackupID: "0b5e0001-aaaa", Service: service}
	add := func(folder []string, kind repo.ItemKind, name string) {
		idx := slices.IndexFunc(d.Folders, func(f []string) bool { return slices.Equal(f, folder) })
		if idx < 0 {
			idx = len(d.Folders)
			d.Folders = append(d.Folders, folder)
		}

		d.Add(repo.DetailItem{Ref: fmt.Sprintf("%012x", 0xabc000+d.Len()), Folder: int32(idx), Kind: kind, Name: name, Modified: time.Unix(0, 0)})
	}

	switch service {
	case "exchange":
		for i := 0; i < 4; i++ {
			add([]string{"Mail", "Inbox"}, repo.KindMail, fmt.Sprint("mail ", i))
			add([]string{"Mail", "Inbox", "Q1/Q2 \"plans\""}, repo.KindMail, fmt.Sprint("sub ", i))
			add([]string{"Mail", "Inbox2"}, repo.KindMail, fmt.Sprint("other ", i))
			add([]string{"Contacts", "Suppliers, EU"}, repo.KindContact, fmt.Sprint("contact ", i))
			add([]string{"Calendars", "Calendar"}, repo.KindEvent, fmt.Sprint("event ", i))
		}
	case "sharepoint":
		add([]string{"Lists"}, repo.KindListItem, oddList)
		add([]string{"Lists"}, repo.KindListItem, "Tasks")
		add([]string{"Lists"}, repo.KindListItem, "Tasks")
		add([]string{"Pages"}, repo.KindPage, "Home.aspx")
		add([]string{"Libraries", "Documents", "Contracts/Signed"}, repo.KindFile, "a.docx")
	case "groups":
		add([]string{"Channels", "General"}, repo.KindChannelMessage, "hello")
		add([]string{"Conversations", "Quarterly"}, repo.KindConversationPost, "post")
		add([]string{"Libraries", "Documents"}, repo.KindFile, "b.docx")
	default:
		for i := 0; i < 3; i++ {
			add([]string{"Documents"}, repo.KindFile, fmt.Sprint("f ", i))
		}
	}

	return d
}

// corsoSelects is which items Corso v0.19.0's CLI selects with flags
// (cli/utils Include*RestoreDataSelectors, pkg/selectors pathValues and
// filters): values are CSV (pflag's StringSlice), repeated flags add up;
// an item flag matches the ShortRef exactly, a list flag the list's name
// exactly; an Exchange folder flag starting with "/" matches the item's
// location as a prefix of whole elements, ignoring case, "/" alone every
// folder; given a folder and items of one kind, the CLI selects those
// items inside those folders; no selector flag selects everything.
func corsoSelects(t *testing.T, d *repo.BackupDetails, args []string) []int {
	t.Helper()

	values := map[string][]string{}

	for i := 0; i+1 < len(args); i++ {
		if !strings.HasPrefix(args[i], "--") || args[i] == "--backup" || args[i] == "--config-file" {
			continue
		}

		fields, err := csv.NewReader(strings.NewReader(args[i+1])).Read()
		if err != nil {
			t.Fatalf("pflag cannot read %s %q: %v", args[i], args[i+1], err)
		}

		values[args[i]] = append(values[args[i]], fields...)
	}

	folderFlag := map[repo.ItemKind]string{repo.KindMail: "--email-folder", repo.KindContact: "--contact-folder", repo.KindEvent: "--event-calendar"}
	itemFlag := map[repo.ItemKind]string{repo.KindMail: "--email", repo.KindContact: "--contact", repo.KindEvent: "--event", repo.KindFile: "--file", repo.KindPage: "--page", repo.KindChannelMessage: "--message", repo.KindListItem: "--list"}

	var picked []int

	for i := range d.Len() {
		it := d.Item(i)
		folders, items := values[folderFlag[it.Kind]], values[itemFlag[it.Kind]]
		if len(values) == 0 {
			picked = append(picked, i)
			continue
		}

		if len(folders)+len(items) == 0 {
			continue
		}

		key := it.Ref
		if it.Kind == repo.KindListItem {
			key = it.Name
		}

		inItems := len(items) == 0 || slices.Contains(items, key)
		inFolders := len(folders) == 0

		for _, f := range folders {
			if f == "/" || strings.HasPrefix(strings.ToLower(location(d.Folders[it.Folder][1:])+"/"), strings.ToLower(f[1:]+"/")) {
				inFolders = true
			}
		}

		if inItems && inFolders {
			picked = append(picked, i)
		}
	}

	return picked
}

func location(elements []string) string {
	esc := make([]string, len(elements))
	for i, e := range elements {
		esc[i] = strings.NewReplacer(`\`, `\\`, `/`, `\/`).Replace(e)
	}

	return strings.Join(esc, "/")
}

// TestSelectionCommandSelectsExactly pastes each copied restore and
// export command into sh, dash and bash with a stand-in corso and holds
// what the CLI would select with the arguments it receives, by its own
// rules, to what was picked.
func TestSelectionCommandSelectsExactly(t *testing.T) {
	s := repo.Filesystem{Path: "/srv/corso repo"}
	o := corsoconfig.CommandOptions{ConfigFile: "/home/a/corso configs/t.toml", GOOS: "linux"}

	under := func(d *repo.BackupDetails, prefix ...string) []int {
		var out []int

		for i := range d.Len() {
			f := d.FolderOf(i)
			if len(f) >= len(prefix) && slices.Equal(f[:len(prefix)], prefix) {
				out = append(out, i)
			}
		}

		return out
	}

	ex := sampleDetails("exchange")
	sp := sampleDetails("sharepoint")
	gr := sampleDetails("groups")
	od := sampleDetails("onedrive")

	cases := []struct {
		name    string
		sel     corsoconfig.Selection
		flagsIn []string
	}{
		{"single mails", corsoconfig.Selection{Verb: "restore", Details: ex, Items: []int{0, 6, 11}}, []string{"--email"}},
		{"a whole folder", corsoconfig.Selection{Verb: "restore", Details: ex, Items: under(ex, "Mail", "Inbox"), Folders: [][]string{{"Mail", "Inbox"}}}, []string{"--email-folder"}},
		{"a folder with a slash in its name", corsoconfig.Selection{Verb: "export", Details: ex, Items: under(ex, "Mail", "Inbox", "Q1/Q2 \"plans\""), Folders: [][]string{{"Mail", "Inbox", "Q1/Q2 \"plans\""}}, Destination: "/tmp/Corso export/été $HOME!"}, []string{"--email-folder"}},
		{"all mail and one contact", corsoconfig.Selection{Verb: "restore", Details: ex, Items: append(under(ex, "Mail"), 3), Folders: [][]string{{"Mail"}}}, []string{"--email-folder", "--contact"}},
		{"a folder and a single mail", corsoconfig.Selection{Verb: "restore", Details: ex, Items: append(under(ex, "Mail", "Inbox2"), 0), Folders: [][]string{{"Mail", "Inbox2"}}}, []string{"--email"}},
		{"a contact folder with a comma", corsoconfig.Selection{Verb: "restore", Details: ex, Items: under(ex, "Contacts"), Folders: [][]string{{"Contacts", "Suppliers, EU"}}}, []string{"--contact-folder"}},
		{"a list by its odd name and a page", corsoconfig.Selection{Verb: "restore", Details: sp, Items: []int{0, 3}}, []string{"--list", "--page"}},
		{"a library file", corsoconfig.Selection{Verb: "export", Details: sp, Items: []int{4}, Destination: "out"}, []string{"--file"}},
		{"a channel message and a file", corsoconfig.Selection{Verb: "restore", Details: gr, Items: []int{0, 2}}, []string{"--message", "--file"}},
		{"two files", corsoconfig.Selection{Verb: "restore", Details: od, Items: []int{0, 2}}, []string{"--file"}},
		{"the whole backup", corsoconfig.Selection{Verb: "restore", Details: od, Items: []int{0, 1, 2}}, nil},
	}

	for _, c := range cases {
		text, err := corsoconfig.SelectionCommand(s, o, c.sel, shellcmd.POSIX, shellcmd.FormReplace)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}

		for _, shell := range []string{"sh", "dash", "bash"} {
			r := runCopied(t, shell, text)

			head := []string{c.sel.Verb, c.sel.Details.Service}
			if c.sel.Verb == "export" {
				head = append(head, c.sel.Destination)
			}

			if !slices.Equal(r.args[:len(head)], head) {
				t.Fatalf("%s in %s: corso got %q", c.name, shell, r.args)
			}

			if id, _ := r.flag("--backup"); id != c.sel.Details.BackupID {
				t.Fatalf("%s: --backup %q", c.name, id)
			}

			for _, f := range c.flagsIn {
				if _, ok := r.flag(f); !ok {
					t.Errorf("%s: no %s in %q", c.name, f, r.args)
				}
			}

			want := slices.Sorted(slices.Values(c.sel.Items))
			if got := corsoSelects(t, c.sel.Details, r.args); !slices.Equal(got, want) {
				t.Errorf("%s in %s: the CLI would select %v, picked %v\n%q", c.name, shell, got, want, r.args)
			}
		}
	}
}

// TestSelectionCommandRefusesWhatTheCLICannotSelect: a sentence, no
// command, where the CLI would select more (posts, lists of one name) or
// cannot at all (chats), or the command is longer than the shell takes.
func TestSelectionCommandRefusesWhatTheCLICannotSelect(t *testing.T) {
	s := repo.Filesystem{Path: "/srv/corso"}
	o := corsoconfig.CommandOptions{GOOS: "windows"}

	many := sampleDetails("onedrive")
	for i := 0; i < 700; i++ {
		many.Add(repo.DetailItem{Ref: fmt.Sprintf("%012x", i), Kind: repo.KindFile, Name: "f"})
	}

	picked := make([]int, 650)
	for i := range picked {
		picked[i] = i
	}

	cases := []struct {
		name string
		sel  corsoconfig.Selection
		sh   shellcmd.Shell
		want string
	}{
		{"a conversation post", corsoconfig.Selection{Verb: "restore", Details: sampleDetails("groups"), Items: []int{1}}, shellcmd.POSIX, "single conversation posts"},
		{"a list whose name another shares", corsoconfig.Selection{Verb: "restore", Details: sampleDetails("sharepoint"), Items: []int{1}}, shellcmd.POSIX, `2 lists named "Tasks"`},
		{"chats", corsoconfig.Selection{Verb: "restore", Details: chats(), Items: []int{0}}, shellcmd.POSIX, "no restore for chats"},
		{"nothing picked", corsoconfig.Selection{Verb: "restore", Details: sampleDetails("onedrive")}, shellcmd.POSIX, "select the items"},
		{"an export without a folder", corsoconfig.Selection{Verb: "export", Details: sampleDetails("onedrive"), Items: []int{0}}, shellcmd.POSIX, "choose the folder"},
		{"650 files for cmd.exe", corsoconfig.Selection{Verb: "restore", Details: many, Items: picked}, shellcmd.Cmd, "more than Command Prompt (cmd.exe) takes (8191)"},
	}

	for _, c := range cases {
		text, err := corsoconfig.SelectionCommand(s, o, c.sel, c.sh, shellcmd.FormReplace)
		if err == nil || !strings.Contains(err.Error(), c.want) || text != "" {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}

	// The same 650 files fit PowerShell's and a POSIX shell's limit.
	for _, sh := range []shellcmd.Shell{shellcmd.PowerShell, shellcmd.POSIX} {
		if _, err := corsoconfig.SelectionCommand(s, o, corsoconfig.Selection{Verb: "restore", Details: many, Items: picked}, sh, shellcmd.FormAsk); err != nil {
			t.Errorf("%s: %v", sh.Name(), err)
		}
	}
}

func chats() *repo.BackupDetails {
	d := &repo.BackupDetails{Service: "chats", Folders: [][]string{{"Chats"}}}
	d.Add(repo.DetailItem{Ref: "0123456789ab", Kind: repo.KindChat, Name: "Lunch"})

	return d
}
