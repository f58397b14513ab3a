package repotest

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// The details Corso's backup operation writes (pkg/backup/details at
// v0.19.0, see ../shared/corso-compat.md): details.DetailsModel as JSON,
// one Entry per item and per folder, with Corso's RepoRef, ShortRef,
// ParentRef and LocationRef rules. WriteDetails writes them for any
// service, with the names that break careless code: unicode, slashes and
// backslashes inside names, quotes, '$', '!', and very long paths.

// DetailsFolders are the folders items go in, by Corso's data category;
// each is its display elements (unescaped).
var DetailsFolders = map[string][][]string{
	"email":             {{"Inbox"}, {"Inbox", "Rechnungen & Belege"}, {"Sent Items"}, {"Q1/Q2 \"plans\" $HOME!"}, {"日本語のフォルダ"}, deepFolder()},
	"contacts":          {{"Contacts"}, {"Contacts", "Suppliers"}},
	"events":            {{"Calendar"}, {"Calendar", "Team\\Room"}},
	"files":             {{"root:"}, {"root:", "Documents"}, {"root:", "Documents", "Taxes 2026"}, {"root:", "Фото", "été 2026"}, append([]string{"root:"}, deepFolder()...)},
	"libraries":         {{"root:"}, {"root:", "Shared Documents"}, {"root:", "Shared Documents", "Contracts/Signed"}},
	"lists":             {{}},
	"pages":             {{}},
	"channelMessages":   {{"General"}, {"Projects 🚀"}},
	"conversationPosts": {{"Quarterly review"}},
	"chats":             {{}},
}

// DetailsCategories are the categories WriteDetails spreads a service's
// items over, as Corso v0.19.0 backs them up.
var DetailsCategories = map[string][]string{
	"exchange":   {"email", "contacts", "events"},
	"onedrive":   {"files"},
	"sharepoint": {"libraries", "lists", "pages"},
	"groups":     {"channelMessages", "conversationPosts", "libraries"},
	"chats":      {"chats"},
}

func deepFolder() []string {
	out := make([]string, 0, 12)
	for i := 0; i < 12; i++ {
		out = append(out, fmt.Sprintf("level %02d %s", i, strings.Repeat("long name ", 4)))
	}

	return out
}

// DetailsStats is what WriteDetails wrote: Items are the entries the CLI
// lists (not folders, not .meta files).
type DetailsStats struct {
	Entries, Items, Folders, Meta int
	Bytes                         int64
}

// DetailsSpec says which items WriteDetails writes: items From to To-1
// of Service for Resource. Item i's modification time is Base minus i
// minutes, an hour later for every ChangedEvery-th item (0: none); its
// size 1,000 + 37·i bytes. The same item number in two backups is the
// same item (the same ShortRef), so two specs make a pair to compare.
type DetailsSpec struct {
	Service, Resource string
	From, To          int
	Base              time.Time
	ChangedEvery      int
}

// WriteDetails writes the JSON of a DetailsModel with spec's items,
// spread over DetailsCategories and DetailsFolders, plus an entry per
// folder and, for OneDrive, a .meta file every tenth item, as Corso
// records them.
func WriteDetails(w io.Writer, spec DetailsSpec) (DetailsStats, error) {
	service, resource, base := spec.Service, spec.Resource, spec.Base
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)

	var st DetailsStats

	if _, err := bw.WriteString(`{"entries":[`); err != nil {
		return st, err
	}

	first := true
	emit := func(e detailsEntry) error {
		if !first {
			if err := bw.WriteByte(','); err != nil {
				return err
			}
		}

		first = false
		st.Entries++

		return enc.Encode(e)
	}

	cats := DetailsCategories[service]
	seen := map[string]bool{}

	for i := spec.From; i < spec.To; i++ {
		cat := cats[i%len(cats)]
		folders := DetailsFolders[cat]
		folder := folders[(i/len(cats))%len(folders)]

		key := cat + "\x00" + strings.Join(folder, "\x00")
		if !seen[key] {
			seen[key] = true
			st.Folders++

			if err := emit(folderEntry(service, resource, cat, folder, base)); err != nil {
				return st, err
			}
		}

		mod := base
		if spec.ChangedEvery > 0 && i%spec.ChangedEvery == 0 {
			mod = base.Add(time.Hour)
		}

		e := itemEntry(service, resource, cat, folder, i, mod)
		st.Items++
		st.Bytes += 1000 + 37*int64(i)

		if err := emit(e); err != nil {
			return st, err
		}

		if service == "onedrive" && i%10 == 0 {
			st.Meta++

			if err := emit(metaEntry(e, resource, folder)); err != nil {
				return st, err
			}
		}
	}

	if _, err := bw.WriteString("]}"); err != nil {
		return st, err
	}

	return st, bw.Flush()
}

// detailsEntry is Corso's details.Entry as JSON (the ItemInfo embedded).
type detailsEntry struct {
	RepoRef     string         `json:"repoRef"`
	ShortRef    string         `json:"shortRef"`
	ParentRef   string         `json:"parentRef,omitempty"`
	LocationRef string         `json:"locationRef,omitempty"`
	ItemRef     string         `json:"itemRef,omitempty"`
	Folder      map[string]any `json:"folder,omitempty"`
	Exchange    map[string]any `json:"exchange,omitempty"`
	SharePoint  map[string]any `json:"sharePoint,omitempty"`
	OneDrive    map[string]any `json:"oneDrive,omitempty"`
	Groups      map[string]any `json:"groups,omitempty"`
	TeamsChats  map[string]any `json:"teamsChats,omitempty"`
}

// storagePath is the RepoRef's elements: tenant, service, resource,
// category, then IDs (the display names, hashed, as Corso stores M365
// IDs, not names).
func storagePath(service, resource, cat string, folder []string) []string {
	p := []string{"tenant-0b5e", service, resource, cat}
	for _, f := range folder {
		p = append(p, fmt.Sprintf("id-%x", sha256.Sum256([]byte(f)))[:16])
	}

	return p
}

func folderEntry(service, resource, cat string, folder []string, base time.Time) detailsEntry {
	p := storagePath(service, resource, cat, folder)
	name := "(top)"

	if len(folder) > 0 {
		name = folder[len(folder)-1]
	}

	return detailsEntry{
		RepoRef: JoinCorsoPath(p), ShortRef: ShortRef(p), ParentRef: ShortRef(p[:len(p)-1]),
		LocationRef: JoinCorsoPath(folder),
		Folder:      map[string]any{"itemType": 306, "displayName": name, "modified": base, "size": 0},
	}
}

func itemEntry(service, resource, cat string, folder []string, i int, base time.Time) detailsEntry {
	id := fmt.Sprintf("AAMkAG%08d", i)
	if cat == "files" || cat == "libraries" {
		id += ".data" // drive items' storage names; ItemRef drops it
	}

	p := append(storagePath(service, resource, cat, folder), id)
	mod := base.Add(-time.Duration(i) * time.Minute)
	size := 1000 + 37*int64(i)
	name := ItemName(cat, i)

	e := detailsEntry{
		RepoRef: JoinCorsoPath(p), ShortRef: ShortRef(p), ParentRef: ShortRef(p[:len(p)-1]),
		LocationRef: JoinCorsoPath(folder), ItemRef: strings.TrimSuffix(id, ".data"),
	}

	drive := map[string]any{"itemName": name, "driveName": "Documents", "driveID": "b!drive", "owner": "adele@contoso.com", "parentPath": JoinCorsoPath(folder), "size": size, "modified": mod, "created": mod}

	switch cat {
	case "email":
		e.Exchange = map[string]any{"itemType": 3, "sender": "bruno@contoso.com", "subject": name, "recipient": []string{resource}, "parentPath": JoinCorsoPath(folder), "received": mod, "modified": mod, "size": size}
	case "contacts":
		e.Exchange = map[string]any{"itemType": 1, "contactName": name, "parentPath": JoinCorsoPath(folder), "modified": mod, "size": size}
	case "events":
		e.Exchange = map[string]any{"itemType": 2, "organizer": "carla@contoso.com", "subject": name, "eventStart": mod.Add(48 * time.Hour), "eventEnd": mod.Add(49 * time.Hour), "parentPath": JoinCorsoPath(folder), "modified": mod, "size": size}
	case "files":
		drive["itemType"] = 205
		e.OneDrive = drive
	case "libraries":
		drive["itemType"] = 101
		drive["siteID"] = "site-1"

		if service == "groups" {
			e.Groups = drive
		} else {
			e.SharePoint = drive
		}
	case "lists":
		e.SharePoint = map[string]any{"itemType": 102, "itemName": name, "list": map[string]any{"name": name, "itemCount": 3 + i%40, "template": "genericList"}, "size": size, "modified": mod, "created": mod}
	case "pages":
		e.SharePoint = map[string]any{"itemType": 103, "itemName": name, "size": size, "modified": mod, "created": mod}
	case "channelMessages":
		e.Groups = map[string]any{"itemType": 401, "modified": mod, "message": map[string]any{"createdAt": mod, "creator": "dmitri@contoso.com", "preview": "preview of " + name, "subject": name, "size": size, "replyCount": i % 5}}
	case "conversationPosts":
		e.Groups = map[string]any{"itemType": 402, "modified": mod, "post": map[string]any{"createdAt": mod, "creator": "adele@contoso.com", "preview": "preview of " + name, "topic": name, "size": size}}
	case "chats":
		e.TeamsChats = map[string]any{"itemType": 501, "modified": mod, "chat": map[string]any{"name": name, "messageCount": int(size), "createdAt": mod, "lastMessageAt": mod, "members": []string{resource, "bruno@contoso.com"}}}
	}

	return e
}

// metaEntry is the .meta file OneDrive backups used to record next to an
// item (Corso's details leave them out of what they list).
func metaEntry(item detailsEntry, resource string, folder []string) detailsEntry {
	m := item
	m.RepoRef += ".meta"
	m.ShortRef = ShortRef([]string{item.RepoRef, ".meta"})
	m.OneDrive = map[string]any{"itemType": 205, "isMeta": true, "itemName": item.OneDrive["itemName"].(string) + ".meta", "parentPath": JoinCorsoPath(folder), "owner": resource}

	return m
}

// ItemName is item i's name in category cat: a few carry the characters
// that break careless quoting and display.
func ItemName(cat string, i int) string {
	odd := []string{
		"Invoice \"March\" $5 & 10% off!",
		"Über die Brücke — 日本語 ✓",
		"a/b\\c 'quoted' `tick`",
		strings.Repeat("A very long name ", 12) + "end",
	}
	if i%50 < len(odd) {
		return fmt.Sprintf("%s %d", odd[i%50], i)
	}

	switch cat {
	case "files", "libraries":
		return fmt.Sprintf("report-%06d.docx", i)
	case "contacts":
		return fmt.Sprintf("Contact %06d", i)
	}

	return fmt.Sprintf("Subject %06d", i)
}

// JoinCorsoPath is Corso's path.Builder String: each element with '\'
// and '/' escaped by '\', joined by '/'.
func JoinCorsoPath(elements []string) string {
	esc := make([]string, len(elements))
	for i, e := range elements {
		esc[i] = strings.NewReplacer(`\`, `\\`, `/`, `\/`).Replace(e)
	}

	return strings.Join(esc, "/")
}

// ShortRef is Corso's path.Builder ShortRef: the first 12 hex digits of
// the SHA-256 of the elements, unescaped, run together.
func ShortRef(elements []string) string {
	sum := sha256.Sum256([]byte(strings.Join(elements, "")))
	return fmt.Sprintf("%x", sum[:6])
}
