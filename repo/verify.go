package repo

import (
	"context"
	"time"
)

// VerifyMode is how much a verification reads.
type VerifyMode string

// The two verifications.
const (
	// VerifyQuick reads and decrypts every index and manifest, and checks
	// that every pack an index names exists and is long enough.
	VerifyQuick VerifyMode = "quick"
	// VerifyFull also reads every pack (or a share of them, chosen at
	// random) and decrypts every content in it.
	VerifyFull VerifyMode = "full"
)

// VerifyRequest asks for one verification.
type VerifyRequest struct {
	Mode VerifyMode
	// Share is the fraction of packs a full verification reads, in (0, 1];
	// 0 means all of them.
	Share float64
}

// BackupRef names a Corso backup something damaged belongs to, and which
// part of it.
type BackupRef struct {
	ID           string
	Service      string
	ResourceName string
	// Part is what of the backup is touched: its item data, its details,
	// or its record (the backup model).
	Part string
}

// The parts of a Corso backup.
const (
	PartItemData = "item data"
	PartDetails  = "details"
	PartRecord   = "record"
)

// VerifyProblem is one thing a verification found missing or damaged.
type VerifyProblem struct {
	// What says what is wrong, for people.
	What string
	// Blob is the blob at fault.
	Blob string
	// Backups are the Corso backups it touches; empty when none does (an
	// unused blob) or none can be told (kopia's own bookkeeping).
	Backups []BackupRef
}

// VerifyResult says what a verification checked and found.
type VerifyResult struct {
	Mode VerifyMode
	// What was checked.
	Indexes, Manifests, Packs, Contents int
	// PacksRead and BytesRead are what a full verification read.
	PacksRead int
	BytesRead int64
	Problems  []VerifyProblem
	Took      time.Duration
}

// Count is how far a long step has come, for a progress bar and the time
// left.
type Count struct {
	Done, Total int64
}

type countKey struct{}

// WithCounts returns a context whose operations report how far their
// long steps have come.
func WithCounts(ctx context.Context, report func(Step, Count)) context.Context {
	return context.WithValue(ctx, countKey{}, report)
}

// Counted reports that step has done done of total.
func Counted(ctx context.Context, step Step, done, total int64) {
	if report, ok := ctx.Value(countKey{}).(func(Step, Count)); ok && report != nil {
		report(step, Count{Done: done, Total: total})
	}
}

// The steps a verification goes through.
const (
	StepVerifyIndexes   Step = "Reading every index and manifest…"
	StepVerifyPacks     Step = "Checking that every pack is there…"
	StepVerifyContents  Step = "Reading and decrypting the packs…"
	StepVerifyAttribute Step = "Finding which backups the damage touches…"
)
