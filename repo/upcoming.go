package repo

// Upcoming is what the app knows, while it prepares, of where the next
// operation will go: nothing yet (the zero value), a location being added
// (with the bucket's region once a check has found it), or a repository
// already connected (its connection file names the region). It holds no
// secret.
type Upcoming struct {
	// Settings is the location; nil when not known yet.
	Settings Settings
	// Region is the bucket's region as a check found it, when Settings
	// does not name one.
	Region string
	// Local is a connected repository's connection, when there is one.
	Local Local
}
