package preflight

import "regexp"

// HashedBlobIDExpression is the expression isHashedBlobID answers.
var HashedBlobIDExpression = regexp.MustCompile(`^[pqsnml][0-9a-f]{16,}(-s[0-9a-f]{16,})?(-c[0-9]+)?$`)

// IsHashedBlobID is isHashedBlobID.
var IsHashedBlobID = isHashedBlobID

// ClassifyTransport is the classifier of network and TLS failures.
func ClassifyTransport(err error, location string) error {
	if e := classifyTransport(err, location); e != nil {
		return e
	}

	return nil
}

// SetListPageSize makes ListAll's pages n objects long until undone.
func SetListPageSize(n int32) (undo func()) {
	old := listPageSize
	listPageSize = n

	return func() { listPageSize = old }
}

// HexGroups are letter followed by each hex digit.
var HexGroups = hexGroups
