package repo

import "context"

// Step is a stage of a long operation, named for a progress line.
type Step string

// The stages Initialize, Connect, Reopen and Finish go through.
const (
	StepChecking   Step = "Checking the location…"
	StepCreating   Step = "Deriving keys and writing the repository format…"
	StepDeriving   Step = "Deriving keys from the passphrase…"
	StepSettings   Step = "Writing Corso's settings…"
	StepReading    Step = "Reading the repository's details…"
	StepClearing   Step = "Removing what the interrupted creation left…"
	StepConnecting Step = "Saving the connection…"
	StepWaiting    Step = "Waiting for another Corso Desktop to finish with this location…"
	StepListing    Step = "Listing the repository's storage…"
	StepBackups    Step = "Reading the backups…"
	// StepBackupItems: reading one backup's details.
	StepBackupItems Step = "Reading the backup's items…"

	StepProvingPassphrase Step = "Finding which passphrase the repository opens with…"
	StepRewritingFormat   Step = "Rewriting the repository's format for the new passphrase…"
	StepVerifyingNew      Step = "Opening the repository with the new passphrase…"

	StepMaintCheck    Step = "Checking Corso's settings…"
	StepMaintMeasure  Step = "Measuring the storage…"
	StepMaintOrphans  Step = "Removing incomplete backups older than 7 days (Corso's clean-up)…"
	StepMaintQuick    Step = "Running kopia's quick maintenance (metadata)…"
	StepMaintFull     Step = "Running kopia's full maintenance (snapshots, contents, unused blobs)…"
	StepMaintMeasure2 Step = "Measuring the storage again…"
)

type progressKey struct{}

// WithProgress returns a context whose operations call report at each
// stage, from the operation's goroutine.
func WithProgress(ctx context.Context, report func(Step)) context.Context {
	return context.WithValue(ctx, progressKey{}, report)
}

func Progress(ctx context.Context, s Step) {
	if report, ok := ctx.Value(progressKey{}).(func(Step)); ok && report != nil {
		report(s)
	}
}
