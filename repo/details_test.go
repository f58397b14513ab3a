package repo_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
)

func detailsOf(items ...repo.DetailItem) *repo.BackupDetails {
	d := &repo.BackupDetails{BackupID: "b", Service: "onedrive", Folders: [][]string{{"Documents"}, {"Documents", "été/2026"}}}
	for _, it := range items {
		d.Add(it)
	}

	return d
}

// TestDetailsColumnsKeepEveryField: items go into columns and come back
// whole, through JSON too, empty strings and zero times included.
func TestDetailsColumnsKeepEveryField(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC)
	items := []repo.DetailItem{
		{Ref: "0123456789ab", Folder: 1, Kind: repo.KindMail, Name: "Über \"quotes\"", By: "a@b", Size: 42, Modified: at, Received: at.Add(-time.Hour)},
		{Ref: "ba9876543210", Kind: repo.KindFile},
		{Ref: "", Name: "no ref", Modified: at},
	}
	d := detailsOf(items...)

	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}

	var back repo.BackupDetails
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}

	for _, got := range []*repo.BackupDetails{d, &back} {
		if got.Len() != len(items) || got.BackupID != "b" || !reflect.DeepEqual(got.Folders, d.Folders) {
			t.Fatalf("%d items, %+v", got.Len(), got.Folders)
		}

		for i, want := range items {
			if it := got.Item(i); !reflect.DeepEqual(it, want) {
				t.Errorf("item %d: %+v, want %+v", i, it, want)
			}
		}
	}
}

// TestCompareSaysWhatChanged: items are matched by ShortRef; another
// size or time is a change, a new ref an addition, a missing one a
// removal; a rename alone (same ref) is no change.
func TestCompareSaysWhatChanged(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	item := func(n int, size int64, mod time.Time) repo.DetailItem {
		return repo.DetailItem{Ref: fmt.Sprintf("%012x", n), Kind: repo.KindFile, Name: fmt.Sprint("file ", n), Size: size, Modified: mod}
	}

	renamed := item(4, 10, at)
	renamed.Name = "renamed"

	older := detailsOf(item(1, 10, at), item(2, 10, at), item(3, 10, at), item(4, 10, at), item(5, 10, at))
	newer := detailsOf(item(1, 10, at), item(2, 11, at), item(3, 10, at.Add(time.Second)), renamed, item(6, 10, at))

	got := map[string]repo.DetailsChange{}
	for _, c := range repo.Compare(older, newer) {
		got[c.Item.Name] = c.Change
	}

	want := map[string]repo.DetailsChange{"file 2": repo.Changed, "file 3": repo.Changed, "file 5": repo.Removed, "file 6": repo.Added}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
}
