package repo

import (
	"encoding/json"
	"time"
)

// itemColumns holds a backup's items column by column: their strings in
// one arena, their numbers in slices. An item costs its strings and 41
// bytes, where a []DetailItem costs 112 bytes and a header per string.
type itemColumns struct {
	arena []byte
	// strs holds, per item, where its ref, name and by start in arena;
	// each ends where the next string starts (the next item's ref, or
	// the end of the arena).
	strs     []uint32
	size     []int64
	modified []int64 // Unix nanoseconds; 0 for none
	received []int64
	folder   []int32
	kind     []ItemKind
}

// Len is how many items d lists.
func (d *BackupDetails) Len() int { return len(d.items.kind) }

// Add appends an item.
func (d *BackupDetails) Add(it DetailItem) {
	c := &d.items
	for _, s := range []string{it.Ref, it.Name, it.By} {
		c.strs = append(c.strs, uint32(len(c.arena)))
		c.arena = append(c.arena, s...)
	}

	c.size = append(c.size, it.Size)
	c.modified = append(c.modified, nanos(it.Modified))
	c.received = append(c.received, nanos(it.Received))
	c.folder = append(c.folder, it.Folder)
	c.kind = append(c.kind, it.Kind)
}

// Item is item i.
func (d *BackupDetails) Item(i int) DetailItem {
	c := &d.items

	return DetailItem{
		Ref: c.ref(i), Name: string(c.str(i, 1)), By: string(c.str(i, 2)),
		Folder: c.folder[i], Kind: c.kind[i], Size: c.size[i],
		Modified: fromNanos(c.modified[i]), Received: fromNanos(c.received[i]),
	}
}

// FolderOf is the folder item i is in.
func (d *BackupDetails) FolderOf(i int) []string { return d.Folders[d.items.folder[i]] }

// Kind, Size, Modified and Name read one field of item i without
// building the item.
func (d *BackupDetails) Kind(i int) ItemKind { return d.items.kind[i] }

func (d *BackupDetails) Size(i int) int64 { return d.items.size[i] }

func (d *BackupDetails) Modified(i int) time.Time { return fromNanos(d.items.modified[i]) }

// NameBytes and ByBytes are item i's name and sender/owner, not copied:
// for searching a million items without a million strings.
func (d *BackupDetails) NameBytes(i int) []byte { return d.items.str(i, 1) }

func (d *BackupDetails) ByBytes(i int) []byte { return d.items.str(i, 2) }

// FolderIndex is the index in Folders of item i's folder.
func (d *BackupDetails) FolderIndex(i int) int32 { return d.items.folder[i] }

func (c *itemColumns) ref(i int) string { return string(c.str(i, 0)) }

// str is string k (0 ref, 1 name, 2 by) of item i.
func (c *itemColumns) str(i, k int) []byte {
	at := 3*i + k
	end := uint32(len(c.arena))

	if at+1 < len(c.strs) {
		end = c.strs[at+1]
	}

	return c.arena[c.strs[at]:end:end]
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}

	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}

	return time.Unix(0, n).UTC()
}

// detailsWire is BackupDetails as JSON: its items as a list.
type detailsWire struct {
	BackupID string       `json:"backupID"`
	Service  string       `json:"service"`
	Folders  [][]string   `json:"folders"`
	Items    []DetailItem `json:"items"`
}

func (d *BackupDetails) MarshalJSON() ([]byte, error) {
	w := detailsWire{BackupID: d.BackupID, Service: d.Service, Folders: d.Folders, Items: make([]DetailItem, d.Len())}
	for i := range w.Items {
		w.Items[i] = d.Item(i)
	}

	return json.Marshal(w)
}

func (d *BackupDetails) UnmarshalJSON(b []byte) error {
	var w detailsWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}

	*d = BackupDetails{BackupID: w.BackupID, Service: w.Service, Folders: w.Folders}
	for _, it := range w.Items {
		d.Add(it)
	}

	return nil
}

// Slice is items [from, to) of d with all its folders, for sending in
// parts; Append puts such a part back.
func (d *BackupDetails) Slice(from, to int) *BackupDetails {
	part := &BackupDetails{}
	for i := from; i < to; i++ {
		part.Add(d.Item(i))
	}

	return part
}

// Append adds part's folders and items after d's.
func (d *BackupDetails) Append(part *BackupDetails) {
	d.Folders = append(d.Folders, part.Folders...)
	for i := range part.Len() {
		d.Add(part.Item(i))
	}
}

// Detach is a part holding the folders from index firstFolder on and
// every item, and leaves d without items: for handing what was read so
// far to WithItemParts' receiver. Folder indexes stay d's.
func (d *BackupDetails) Detach(firstFolder int) *BackupDetails {
	part := &BackupDetails{Folders: d.Folders[firstFolder:len(d.Folders):len(d.Folders)], items: d.items}
	d.items = itemColumns{}

	return part
}

// Snapshot is d as it is now, for reading on another goroutine while d
// grows on its own: every slice is cut at its length, so what Add and
// Append write later never lands in memory the snapshot reads.
func (d *BackupDetails) Snapshot() *BackupDetails {
	c := d.items

	return &BackupDetails{
		BackupID: d.BackupID, Service: d.Service,
		Folders: d.Folders[:len(d.Folders):len(d.Folders)],
		items: itemColumns{
			arena: c.arena[:len(c.arena):len(c.arena)], strs: c.strs[:len(c.strs):len(c.strs)],
			size: c.size[:len(c.size):len(c.size)], modified: c.modified[:len(c.modified):len(c.modified)],
			received: c.received[:len(c.received):len(c.received)], folder: c.folder[:len(c.folder):len(c.folder)],
			kind: c.kind[:len(c.kind):len(c.kind)],
		},
	}
}
