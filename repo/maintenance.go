package repo

import "time"

// MaintenanceMode is one of Corso's two maintenance modes.
type MaintenanceMode string

// Corso's modes: metadata is kopia's quick maintenance, complete kopia's
// full maintenance (after Corso's clean-up of incomplete backups).
const (
	MaintenanceMetadata MaintenanceMode = "metadata"
	MaintenanceComplete MaintenanceMode = "complete"
)

// MaintenanceRequest asks for one maintenance run.
type MaintenanceRequest struct {
	Mode MaintenanceMode
	// User and Host are the identity to run as (kopia's user@host, Corso's
	// --user/--host); empty keeps the connection's.
	User, Host string
	// TakeOwnership claims maintenance from another identity (Corso's
	// --force).
	TakeOwnership bool
}

// Identity is user@host as kopia and Corso write it.
func Identity(user, host string) string { return user + "@" + host }

// MaintenanceTask is one task kopia's maintenance ran.
type MaintenanceTask struct {
	Task    string
	Start   time.Time
	End     time.Time
	Success bool
	Error   string
}

// MaintenanceResult says what a run did.
type MaintenanceResult struct {
	Mode MaintenanceMode
	// Owner is who owns maintenance after the run; TookOwnership says the
	// run claimed it (it had no owner, or another one and was told to).
	Owner         string
	TookOwnership bool
	// Alerts are the differences from Corso's settings found before the
	// run (the CLI only logs them).
	Alerts []string
	// OrphansDeleted counts the records of incomplete backups Corso's
	// clean-up removed (complete mode).
	OrphansDeleted int
	Tasks          []MaintenanceTask
	Before, After  StorageUse
	Started        time.Time
	Took           time.Duration
}

// Maintenance is who owns a repository's maintenance and how it is set.
type Maintenance struct {
	// Owner is user@host, "" when nobody ran maintenance yet.
	Owner string
	// Identity is who this connection runs as.
	Identity string
	// ExtendObjectLocks: maintenance extends object locks (retention).
	ExtendObjectLocks bool
	// LastRun is when a maintenance task last finished, LastFull when a
	// full maintenance last did; zero if never.
	LastRun, LastFull time.Time
}
