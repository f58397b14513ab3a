package repo

import (
	"context"
	"time"
)

// Contents is what a repository holds, read without writing anything: its
// storage by kind of blob, and the Corso backups recorded in it.
type Contents struct {
	Storage StorageUse
	// Backups are the backups `corso backup list` shows (merge backups,
	// and previews), newest first.
	Backups []Backup
	// AssistBackups is how many assist backups (kept by Corso to resume an
	// interrupted backup, hidden by the CLI) are not in Backups.
	AssistBackups int
	// Maintenance is who owns maintenance, when it last ran, and whether
	// it extends object locks.
	Maintenance Maintenance
}

// StorageUse is the space a repository takes, by kind of blob.
type StorageUse struct {
	Bytes int64
	Blobs int
	// Kinds in a fixed order (BlobKinds), those with no blob left out.
	Kinds []BlobUse
	// LastWrite is the newest blob's time; zero with no blob.
	LastWrite time.Time
	// Created is when kopia.repository was last written (when the
	// repository was made, or its passphrase last changed); zero if absent.
	Created time.Time
}

// BlobUse is the space taken by one kind of blob.
type BlobUse struct {
	Kind  string
	Blobs int
	Bytes int64
}

// The kinds of blob a storage summary counts, in the order it lists them.
const (
	BlobDataPacks     = "data packs"
	BlobMetadataPacks = "metadata packs"
	BlobIndexes       = "indexes"
	BlobEpochMarkers  = "epoch markers"
	BlobFormat        = "format"
	BlobSessions      = "sessions"
	BlobLogs          = "logs"
	BlobOther         = "other"
)

// BlobKinds is every kind, in the order a summary lists them.
var BlobKinds = []string{BlobDataPacks, BlobMetadataPacks, BlobIndexes, BlobEpochMarkers, BlobFormat, BlobSessions, BlobLogs, BlobOther}

// Backup is one Corso backup, as its model in the repository records it
// (pkg/backup.Backup at Corso v0.19.0).
type Backup struct {
	ID   string
	Type string // merge-backup, preview-backup (assist-backup is counted, not listed)
	// Service is exchange, onedrive, sharepoint, groups or chats.
	Service      string
	ResourceID   string
	ResourceName string
	Created      time.Time
	// Status is Corso's: "Completed", "Failed", "No Data"…
	Status        string
	Version       int
	SnapshotID    string
	StreamStoreID string
	ItemsRead     int
	// ItemsWritten and BytesUploaded are what `corso backup list` shows:
	// the model's nonMetaItemsWritten and nonMetaBytesUploaded.
	ItemsWritten  int
	ItemsSkipped  int
	BytesRead     int64
	BytesUploaded int64
	Started       time.Time
	Completed     time.Time
	ErrorCount    int
	Failure       string
}

// Duration is how long the backup ran; zero when unknown.
func (b Backup) Duration() time.Duration {
	if b.Started.IsZero() || b.Completed.Before(b.Started) {
		return 0
	}

	return b.Completed.Sub(b.Started)
}

type contentsAheadKey struct{}

// WithContentsAhead returns a context on which Contents hands receive what
// it has read before its storage summary is done: the backups and the
// maintenance, with Storage still zero; from the operation's goroutine,
// at most once, and never after the storage summary was handed to
// WithStorageAhead's receiver. Listing a large bucket takes longer than reading its
// backups, and a view need not wait for it to show them.
func WithContentsAhead(ctx context.Context, receive func(Contents)) context.Context {
	return context.WithValue(ctx, contentsAheadKey{}, receive)
}

// ContentsAhead is the receiver WithContentsAhead put on ctx, or nil.
func ContentsAhead(ctx context.Context) func(Contents) {
	f, _ := ctx.Value(contentsAheadKey{}).(func(Contents))
	return f
}

type storageAheadKey struct{}

// WithStorageAhead returns a context on which Contents hands receive the
// storage summary as soon as it is done, when the backups are still being
// read; from any goroutine, at most once, and never after the backups
// were handed to WithContentsAhead's receiver. The result holds it too.
// A store that lists fast need not wait for many backups to show it.
func WithStorageAhead(ctx context.Context, receive func(StorageUse)) context.Context {
	return context.WithValue(ctx, storageAheadKey{}, receive)
}

// StorageAhead is the receiver WithStorageAhead put on ctx, or nil.
func StorageAhead(ctx context.Context) func(StorageUse) {
	f, _ := ctx.Value(storageAheadKey{}).(func(StorageUse))
	return f
}
