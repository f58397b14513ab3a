package platform

// syncDir is a no-op on Windows: directories cannot be opened for sync and
// MoveFileEx already makes the rename durable.
func syncDir(string) error { return nil }
