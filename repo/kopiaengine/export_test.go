package kopiaengine

import "time"

// MoveClock makes every lock found look older by d, until restored.
func MoveClock(d time.Duration) (restore func()) {
	clock = func() time.Time { return time.Now().Add(d) }
	return func() { clock = time.Now }
}
