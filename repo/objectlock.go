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

// MinRetentionPeriod is the shortest lock Corso accepts (its
// --retention-duration flag says at least 24h).
const MinRetentionPeriod = 24 * time.Hour

// KopiaFullMaintenanceInterval is the full-maintenance interval a new
// repository's maintenance parameters hold (kopia's default); it stays
// there although Corso turns full-cycle scheduling off.
const KopiaFullMaintenanceInterval = 24 * time.Hour

// MinExtendedRetentionPeriod is the shortest lock kopia accepts when
// maintenance extends locks: kopia's CheckExtendRetention wants the period
// to exceed the full-maintenance interval by 24 hours, and Corso's
// settings check applies the same rule.
const MinExtendedRetentionPeriod = KopiaFullMaintenanceInterval + 24*time.Hour

// MinPeriod is the shortest period o may have.
func (o ObjectLock) MinPeriod() time.Duration {
	if o.Extend {
		return MinExtendedRetentionPeriod
	}

	return MinRetentionPeriod
}

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

	if o.Extend && o.Period < MinExtendedRetentionPeriod {
		return nil, InvalidField(FieldObjectLock, "With lock extension on, lock blobs for at least %s: kopia extends locks in full maintenance, which it plans every %d hours, and refuses a lock that does not outlast that by another 24 hours.",
			DescribePeriod(MinExtendedRetentionPeriod), int(KopiaFullMaintenanceInterval/time.Hour))
	}

	if o.Period < MinRetentionPeriod {
		return nil, InvalidField(FieldObjectLock, "Lock blobs for at least %s, as Corso requires.", DescribePeriod(MinRetentionPeriod))
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
