package repo

import (
	"context"
	"sort"
	"time"
)

// BackupDetails is what one Corso backup holds, item by item, as
// `corso backup details <service> --backup ID` lists them: every entry of
// the backup's details that is neither a folder nor a OneDrive .meta file.
// Folders are stored once and items point at theirs, and items are kept
// in columns (detailcolumns.go), so a backup of a million items takes
// about 90 MB instead of twice that.
type BackupDetails struct {
	BackupID string `json:"backupID"`
	// Service is exchange, onedrive, sharepoint, groups or chats.
	Service string `json:"service"`
	// Folders are the places items are in, each as its elements from the
	// top of the tree the view shows (a kind of data, a drive or a
	// site's library, then folders by their display names).
	Folders [][]string `json:"folders"`
	items   itemColumns
}

// DetailItem is one item of a backup, the fields the CLI's table shows.
type DetailItem struct {
	// Ref is Corso's ShortRef: the ID the CLI prints and its restore and
	// export flags (--email, --file, …) take.
	Ref string `json:"r"`
	// Folder indexes BackupDetails.Folders.
	Folder int32    `json:"f"`
	Kind   ItemKind `json:"k"`
	// Name is the file, list or page name, the mail or event subject, the
	// contact's name, the chat's name or the message's preview.
	Name string `json:"n,omitempty"`
	// By is the sender, organizer, owner or creator.
	By   string `json:"b,omitempty"`
	Size int64  `json:"s,omitempty"`
	// Modified is when the item last changed, as Corso recorded it;
	// Received is a mail's receipt or an event's start.
	Modified time.Time `json:"m"`
	Received time.Time `json:"t,omitzero"`
}

// ItemKind is the kind of an item, one per Corso item type.
type ItemKind uint8

// The kinds of item Corso v0.19.0 records (pkg/backup/details ItemType).
const (
	KindUnknown ItemKind = iota
	KindMail
	KindContact
	KindEvent
	KindFile
	KindListItem
	KindPage
	KindChannelMessage
	KindConversationPost
	KindChat
)

// ItemKinds lists every known kind in the order a filter offers them.
var ItemKinds = []ItemKind{KindMail, KindContact, KindEvent, KindFile, KindListItem, KindPage, KindChannelMessage, KindConversationPost, KindChat}

// Name is the kind's name for people.
func (k ItemKind) Name() string {
	switch k {
	case KindMail:
		return "Mail"
	case KindContact:
		return "Contact"
	case KindEvent:
		return "Event"
	case KindFile:
		return "File"
	case KindListItem:
		return "List"
	case KindPage:
		return "Page"
	case KindChannelMessage:
		return "Channel message"
	case KindConversationPost:
		return "Conversation post"
	case KindChat:
		return "Chat"
	}

	return "Other"
}

// DetailsRequest names the backup whose details to read.
type DetailsRequest struct {
	BackupID string `json:"backupID"`
}

// DetailsChange is how an item differs between two backups of one
// resource.
type DetailsChange int

// The ways an item can differ.
const (
	Added DetailsChange = iota + 1
	Changed
	Removed
)

// Name is the change's name for people.
func (c DetailsChange) Name() string {
	switch c {
	case Added:
		return "added"
	case Changed:
		return "changed"
	}

	return "removed"
}

// ItemChange is one item that differs: the newer backup's item for Added
// and Changed, the older's for Removed.
type ItemChange struct {
	Change DetailsChange
	Item   DetailItem
	// Folder is the item's folder in the backup it comes from.
	Folder []string
}

// Compare says what changed from older to newer, items matched by their
// Ref (Corso's ShortRef, which is made from the item's storage path and
// so stays with the item across renames): added, changed (another size
// or modification time), removed; in the order of newer's items, then
// older's removed ones by name.
func Compare(older, newer *BackupDetails) []ItemChange {
	before := make(map[string]int, older.Len())
	for i := range older.Len() {
		before[older.items.ref(i)] = i
	}

	var out []ItemChange

	seen := make([]bool, older.Len())

	for i := range newer.Len() {
		j, ok := before[newer.items.ref(i)]
		if ok {
			seen[j] = true
		}

		switch {
		case !ok:
			out = append(out, ItemChange{Change: Added, Item: newer.Item(i), Folder: newer.FolderOf(i)})
		case older.items.size[j] != newer.items.size[i] || older.items.modified[j] != newer.items.modified[i]:
			out = append(out, ItemChange{Change: Changed, Item: newer.Item(i), Folder: newer.FolderOf(i)})
		}
	}

	var removed []ItemChange

	for j, kept := range seen {
		if !kept {
			removed = append(removed, ItemChange{Change: Removed, Item: older.Item(j), Folder: older.FolderOf(j)})
		}
	}

	sort.SliceStable(removed, func(i, j int) bool { return removed[i].Item.Name < removed[j].Item.Name })

	return append(out, removed...)
}

type itemPartsKey struct{}

// WithItemParts returns a context on which Details hands its folders and
// items to receive as it reads them, in parts and in order, from the
// operation's goroutine; the BackupDetails it returns then holds only
// what was not handed over yet. Appending every part, then the result,
// to an empty BackupDetails gives the whole: a view can show the first
// items of a large backup while the rest are read.
func WithItemParts(ctx context.Context, receive func(part *BackupDetails)) context.Context {
	return context.WithValue(ctx, itemPartsKey{}, receive)
}

// ItemParts is the receiver WithItemParts put on ctx, or nil.
func ItemParts(ctx context.Context) func(part *BackupDetails) {
	f, _ := ctx.Value(itemPartsKey{}).(func(*BackupDetails))
	return f
}
