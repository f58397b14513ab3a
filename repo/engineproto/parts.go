package engineproto

import "github.com/corsodesktop/corso-desktop/repo"

// A result can be larger than one line may be (a backup's details list a
// million items): the helper sends its folders and items ahead in parts,
// each well under maxEngineMessage, and the result carries what is left.

// partBytes is the most a part holds, by estimate.
const partBytes = 1 << 20

// itemOverhead is an item's JSON besides its name and by: keys, a ref,
// a kind, a size, two times.
const itemOverhead = 110

// pieces cuts d into pieces, in order, each under partBytes by estimate;
// at least one.
func pieces(d *repo.BackupDetails) []*repo.BackupDetails {
	var (
		out   []*repo.BackupDetails
		start int
		size  int
	)

	for i, f := range d.Folders {
		for _, e := range f {
			size += 2*len(e) + 4
		}

		if size > partBytes {
			out = append(out, &repo.BackupDetails{Folders: d.Folders[start : i+1]})
			start, size = i+1, 0
		}
	}

	last := &repo.BackupDetails{Folders: d.Folders[start:]}
	start, size = 0, 0

	for i := range d.Len() {
		// Twice the strings' bytes: escaped JSON is at most six times
		// their length (a control character), so a piece stays under
		// maxEngineMessage even then.
		size += 2*(len(d.NameBytes(i))+len(d.ByBytes(i))) + itemOverhead
		if size > partBytes {
			last.Append(d.Slice(start, i+1))
			out = append(out, last)
			last, start, size = &repo.BackupDetails{}, i+1, 0
		}
	}

	last.Append(d.Slice(start, d.Len()))

	return append(out, last)
}

// detailsParts takes the folders and items out of m's details, but for a
// last piece small enough to stay in m, and returns them as parts to send
// first.
func detailsParts(m *engineMessage) []engineMessage {
	d := m.Details
	if d == nil {
		return nil
	}

	ps := pieces(d)
	parts := make([]engineMessage, 0, len(ps)-1)

	for _, p := range ps[:len(ps)-1] {
		parts = append(parts, engineMessage{DetailsPart: p})
	}

	rest := ps[len(ps)-1]
	rest.BackupID, rest.Service = d.BackupID, d.Service
	m.Details = rest

	return parts
}

// partSender sends each part an engine hands over (repo.WithItemParts)
// as it comes, cut into pieces a line can hold.
func partSender(send func(engineMessage) error) func(*repo.BackupDetails) {
	return func(part *repo.BackupDetails) {
		for _, p := range pieces(part) {
			send(engineMessage{DetailsPart: p}) //nolint:errcheck // a closed pipe cancels the operation
		}
	}
}

// detailsJoiner puts parts back together on the app's side.
type detailsJoiner struct {
	ahead *repo.BackupDetails
}

func (j *detailsJoiner) add(part *repo.BackupDetails) {
	if j.ahead == nil {
		j.ahead = &repo.BackupDetails{}
	}

	j.ahead.Append(part)
}

// finish puts what came ahead in front of what the result carries.
func (j *detailsJoiner) finish(d *repo.BackupDetails) {
	if d == nil || j.ahead == nil {
		return
	}

	rest := *d
	*d = *j.ahead
	d.BackupID, d.Service = rest.BackupID, rest.Service
	d.Append(&rest)
}
