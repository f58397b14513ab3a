package dialahead

import "time"

// NewAged is New with a shorter MaxAge and KeepFor.
func NewAged(maxAge, keepFor time.Duration) *Pool {
	p := New()
	p.maxAge, p.keepFor = maxAge, keepFor

	return p
}
