package repo

import "time"

// Versioning is whether a store keeps older versions of what is written
// over or deleted (S3 versioning, which S3 Object Lock turns on).
type Versioning int

// What a store keeps.
const (
	// VersioningUnknown: the store could not be asked (a refused
	// s3:GetBucketVersioning) or was not.
	VersioningUnknown Versioning = iota
	// VersioningOff: nothing older is kept.
	VersioningOff
	// VersioningOn: every older version is kept until it is deleted.
	VersioningOn
	// VersioningSuspended: versions kept before are still there; new
	// writes replace the one unversioned copy.
	VersioningSuspended
	// VersioningNotABucket: a folder, which keeps no versions itself.
	VersioningNotABucket
)

// OldFormats is what a repository's store keeps of its format besides the
// current kopia.repository and kopia.blobcfg: older versions, on a bucket
// that keeps versions. kopia wraps the master key anew when the passphrase
// changes and re-encrypts nothing, so each older kopia.repository still
// opens the repository with the passphrase it was written for.
type OldFormats struct {
	Versioning Versioning
	// Versions are the older versions of the format blobs and their
	// delete markers, oldest first.
	Versions []FormatVersion
	// Removed counts the versions a removal deleted.
	Removed int
	// Refused is the S3 action the credentials were refused when asking
	// (s3:GetBucketVersioning, s3:ListBucketVersions) or removing
	// (s3:DeleteObjectVersion), "" when none was.
	Refused string
}

// FormatVersion is one older version of a format blob.
type FormatVersion struct {
	Blob      string
	VersionID string
	Written   time.Time
	Size      int64
	// DeleteMarker: not a copy, the mark a delete left.
	DeleteMarker bool
	// LockedUntil is when its object lock runs out; zero when unlocked or
	// not known.
	LockedUntil time.Time
	LockMode    string
}

// Opens says whether the version is a kopia.repository that opens the
// repository with the passphrase it was written for.
func (v FormatVersion) Opens() bool { return !v.DeleteMarker && v.Blob == "kopia.repository" }

// Locked says whether the version cannot be deleted at now.
func (v FormatVersion) Locked(now time.Time) bool { return v.LockedUntil.After(now) }

// Copies counts the versions that open the repository.
func (o *OldFormats) Copies() int {
	n := 0

	for _, v := range o.Versions {
		if v.Opens() {
			n++
		}
	}

	return n
}
