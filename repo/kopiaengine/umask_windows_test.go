package kopiaengine_test

// withUmask runs f: Windows has no umask.
func withUmask(_ int, f func()) { f() }
