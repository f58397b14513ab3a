package repo

import (
	"fmt"
	"time"
)

// S3 Object Lock modes, as kopia (blob.RetentionMode) and S3 name them.
const (
	RetentionGovernance = "GOVERNANCE"
	RetentionCompliance = "COMPLIANCE"
)

// MinRetentionPeriod is the shortest lock Corso accepts: kopia's full
// maintenance must be able to extend a lock before it runs out.
const MinRetentionPeriod = 24 * time.Hour

// FieldObjectLock is the object-lock settings of a new S3 repository.
const FieldObjectLock = "objectLock"

// ObjectLock makes a new S3 repository immutable, as `corso repo init s3
// --retention-mode --retention-duration --extend-retention` does: every
// blob is written locked for Period (kopia's retention mode and period in
// kopia.blobcfg), and maintenance extends the locks of blobs still in use
// (kopia's ExtendObjectLocks).
type ObjectLock struct {
	Mode   string        `json:"mode"`
	Period time.Duration `json:"period"`
	Extend bool          `json:"extend"`
}

// Retention is the lock as kopia.blobcfg holds it.
func (o *ObjectLock) Retention() Retention {
	if o == nil {
		return Retention{}
	}

	return Retention{Mode: o.Mode, Period: o.Period}
}

// normalize checks the lock for a new repository.
func (o *ObjectLock) normalize() (*ObjectLock, *Error) {
	if o == nil {
		return nil, nil
	}

	if o.Mode != RetentionGovernance && o.Mode != RetentionCompliance {
		return nil, InvalidField(FieldObjectLock, "Choose governance or compliance mode for the object lock.")
	}

	if o.Period < MinRetentionPeriod {
		return nil, InvalidField(FieldObjectLock, "Lock blobs for at least 24 hours: kopia's full maintenance must be able to extend a lock before it runs out.")
	}

	c := *o

	return &c, nil
}

// DescribePeriod says a lock period in days when it is whole days, else
// in hours.
func DescribePeriod(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		if days := int(d / (24 * time.Hour)); days != 1 {
			return fmt.Sprintf("%d days", days)
		}

		return "1 day"
	}

	return fmt.Sprintf("%d hours", int(d/time.Hour))
}
