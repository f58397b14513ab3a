package engineproto

import "github.com/corsodesktop/corso-desktop/repo"

// A result can be larger than one line may be (a backup's details list a
// million items): the helper sends its folders and items ahead in parts,
// each well under maxEngineMessage, and the result carries what is left.

// partBytes is the most a part holds, by estimate.
const partBytes = 1 << 20

// itemOverhead is an item's JSON besides its strings: keys, a kind, a
// size, two times.
const itemOverhead = 110

// detailsParts takes the folders and items out of m's details, but for a
// last part small enough to stay in m, and returns them as parts to send
// first.
func detailsParts(m *engineMessage) []engineMessage {
	d := m.Details
	if d == nil {
		return nil
	}

	var (
		parts []engineMessage
		start int
		size  int
	)

	cut := func(folders [][]string, items []repo.DetailItem) {
		parts = append(parts, engineMessage{DetailsPart: &repo.BackupDetails{Folders: folders, Items: items}})
	}

	for i, f := range d.Folders {
		for _, e := range f {
			size += 2*len(e) + 4
		}

		if size > partBytes {
			cut(d.Folders[start:i+1], nil)
			start, size = i+1, 0
		}
	}

	d.Folders = d.Folders[start:]
	start, size = 0, 0

	for i, it := range d.Items {
		// Twice the strings' bytes: escaped JSON is at most six times
		// their length (a control character), so a part stays under
		// maxEngineMessage even then.
		size += 2*(len(it.Ref)+len(it.Name)+len(it.By)) + itemOverhead
		if size > partBytes {
			cut(nil, d.Items[start:i+1])
			start, size = i+1, 0
		}
	}

	d.Items = d.Items[start:]

	return parts
}

// detailsJoiner puts parts back together on the app's side.
type detailsJoiner struct {
	folders [][]string
	items   []repo.DetailItem
}

func (j *detailsJoiner) add(part *repo.BackupDetails) {
	j.folders = append(j.folders, part.Folders...)
	j.items = append(j.items, part.Items...)
}

// finish puts what came ahead in front of what the result carries.
func (j *detailsJoiner) finish(d *repo.BackupDetails) {
	if d == nil || (j.folders == nil && j.items == nil) {
		return
	}

	d.Folders = append(j.folders, d.Folders...)
	d.Items = append(j.items, d.Items...)
}
