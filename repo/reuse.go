package repo

import (
	"context"
	"encoding/json"
	"time"
)

// CheckReuse is how old a write check may be for a create to take it as
// its own. The create still takes the location's lock and lists it again
// holding it; what it skips is proving the bucket, region, permissions and
// conditional writes a second time.
const CheckReuse = 15 * time.Minute

type checkKey struct{}

// WithCheck returns a context in which Initialize may take rep, a write
// Check of the same settings made moments before (the add flow's check
// step), as its own check, instead of repeating it: it then only takes the
// location's lock and re-verifies the location with one listing. A report
// with a problem, of other settings, of a read check or older than
// CheckReuse is ignored, and the full check runs.
func WithCheck(ctx context.Context, rep *Report) context.Context {
	if rep == nil {
		return ctx
	}

	return context.WithValue(ctx, checkKey{}, rep)
}

// CheckFrom is the report WithCheck put in ctx, or nil.
func CheckFrom(ctx context.Context) *Report {
	rep, _ := ctx.Value(checkKey{}).(*Report)
	return rep
}

// SettingsKey names normalized settings exactly (no secret is part of
// them), so a check can be matched to the operation that follows it.
func SettingsKey(n Settings) string {
	b, err := json.Marshal(struct {
		Kind     Kind
		Settings Settings
	}{n.Kind(), n})
	if err != nil {
		return ""
	}

	return string(b)
}

// ReusableFor says whether rep may stand as the check of an operation on
// the normalized settings n now.
func (r *Report) ReusableFor(n Settings, now time.Time) bool {
	return r != nil && r.Err == nil && r.Mode == CheckWrite && r.Of != "" && r.Of == SettingsKey(n) &&
		!r.Checked.IsZero() && now.Sub(r.Checked) >= 0 && now.Sub(r.Checked) < CheckReuse
}
