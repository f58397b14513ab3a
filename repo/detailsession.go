package repo

import (
	"context"
	"time"
)

// DetailsSession is one backup's items held where they were read (the
// engine's helper process, for the shipped app) and looked at through
// questions: how far the reading is, what a search finds, the rows of a
// page of it, what is picked, the CLI's flags for the picks, what changed
// since another backup. A window asks for what it shows and keeps no
// item, so a backup of a million items costs it nothing.
//
// The items are read in the background from OpenDetails on; every
// question is answered from what is read so far. Close ends the reading
// and drops the items; a session is safe for concurrent use.
type DetailsSession interface {
	// Status is how far the reading is, with the folders from index
	// fromFolder on (at most MaxStatusFolders of them; ask again from
	// where they end).
	Status(ctx context.Context, fromFolder int) (*DetailsStatus, error)
	// Search finds the items q asks for among those read so far and keeps
	// them, in q's order, as the session's shown items.
	Search(ctx context.Context, q ItemsQuery) (*ItemsFound, error)
	// Shown is up to n of search's shown items from position from on.
	Shown(ctx context.Context, search int, from, n int) ([]ShownItem, error)
	// Pick picks or unpicks items and says what is picked now.
	Pick(ctx context.Context, p PickRequest) (*Picked, error)
	// SelectionFlags are the Corso CLI's selectors for what is picked, to
	// restore or export (verb) exactly that; once every item is read.
	SelectionFlags(ctx context.Context, verb string) (*SelectedFlags, error)
	// Compare reads another backup of the same resource and keeps what
	// changed between the two.
	Compare(ctx context.Context, req CompareRequest) (*ChangeCounts, error)
	// Changes is up to n of what Compare found, of kind change (0: every
	// kind), from position from on.
	Changes(ctx context.Context, change DetailsChange, from, n int) ([]ItemChange, error)
	// StopReading stops the reading and keeps what was read: the status
	// then says it ended, cancelled.
	StopReading(ctx context.Context) error
	// Close stops the reading and forgets the items.
	Close() error
}

// MaxStatusFolders bounds the folders one Status carries.
const MaxStatusFolders = 5000

// MaxShown bounds the rows one Shown or Changes returns.
const MaxShown = 1000

// DetailsStatus is how far a session's reading is.
type DetailsStatus struct {
	// Step is what the reading does now.
	Step Step `json:"step,omitempty"`
	// Items and FolderCount are how many are read so far.
	Items       int `json:"items"`
	FolderCount int `json:"folderCount"`
	// Folders are the folders from the index asked for on.
	Folders [][]string `json:"folders,omitempty"`
	// FolderItems is how many items each folder holds, every folder.
	FolderItems []int32 `json:"folderItems,omitempty"`
	// Kinds are the kinds of item among those read.
	Kinds []ItemKind `json:"kinds,omitempty"`
	// Done says the reading ended: every item is in, or Err says why not.
	Done bool  `json:"done,omitempty"`
	Err  error `json:"-"`
}

// ItemOrder is the order a search lists its items in.
type ItemOrder uint8

// The orders a search can list its items in.
const (
	OrderByFolder ItemOrder = iota // as the backup's details list them
	OrderByName
	OrderNewest
	OrderOldest
	OrderLargest
)

// ItemsQuery is what a search shows: the items under Scope (a folder;
// nil for all) that match Text, Kind, the modification times [After,
// Before) and the sizes [MinSize, MaxSize), a zero end open, in Order.
type ItemsQuery struct {
	Text    string    `json:"text,omitempty"`
	Kind    ItemKind  `json:"kind,omitempty"`
	After   time.Time `json:"after,omitzero"`
	Before  time.Time `json:"before,omitzero"`
	MinSize int64     `json:"minSize,omitempty"`
	MaxSize int64     `json:"maxSize,omitempty"`
	Scope   []string  `json:"scope,omitempty"`
	Order   ItemOrder `json:"order,omitempty"`
}

// ItemsFound is what a search found, named by Search for Shown.
type ItemsFound struct {
	Search int   `json:"search"`
	Items  int   `json:"items"`
	Bytes  int64 `json:"bytes"`
}

// ShownItem is one row of a search: the item, its index among the
// backup's items, and whether it is picked.
type ShownItem struct {
	Index  int32      `json:"i"`
	Item   DetailItem `json:"item"`
	Picked bool       `json:"p,omitempty"`
}

// PickWhat is what a PickRequest picks.
type PickWhat uint8

// What can be picked at once.
const (
	PickItem   PickWhat = iota + 1 // the item Index
	PickFolder                     // every item at or below Folder
	PickShown                      // every item of search Search
	PickNone                       // nothing: unpicks everything
	PickAsIs                       // changes nothing: says what is picked
)

// PickRequest picks (On) or unpicks items.
type PickRequest struct {
	What   PickWhat `json:"what"`
	Index  int32    `json:"index,omitempty"`
	Folder []string `json:"folder,omitempty"`
	Search int      `json:"search,omitempty"`
	On     bool     `json:"on,omitempty"`
}

// Picked is what is picked: how many items, their bytes, and the folders
// picked whole (the topmost only).
type Picked struct {
	Items   int        `json:"items"`
	Bytes   int64      `json:"bytes"`
	Folders [][]string `json:"folders,omitempty"`
}

// SelectedFlags are the CLI's selector flags and values for the picks
// (none: the whole backup), and how many items they select.
type SelectedFlags struct {
	Flags []string `json:"flags,omitempty"`
	Items int      `json:"items"`
	Bytes int64    `json:"bytes"`
}

// CompareRequest names the other backup; Older says it is the older of
// the two.
type CompareRequest struct {
	BackupID string `json:"backupID"`
	Older    bool   `json:"older,omitempty"`
}

// ChangeCounts counts what Compare found.
type ChangeCounts struct {
	Added   int `json:"added"`
	Changed int `json:"changed"`
	Removed int `json:"removed"`
}
