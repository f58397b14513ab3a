package engineproto

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
)

// TestDetailsTravelInParts: details far larger than one line may be go
// out in parts, each line under the limit (with names at their longest),
// and come back together in order.
func TestDetailsTravelInParts(t *testing.T) {
	want := &repo.BackupDetails{BackupID: "b", Service: "onedrive"}
	for i := 0; i < 3000; i++ {
		want.Folders = append(want.Folders, []string{"Drive", strings.Repeat("ü", 200), fmt.Sprint(i)})
	}

	for i := 0; i < 40000; i++ {
		want.Add(repo.DetailItem{
			Ref: fmt.Sprintf("%012x", i), Folder: int32(i % 3000), Kind: repo.KindFile,
			Name: strings.Repeat("\"名\"", 1+i%300), By: "adele@contoso.com", Size: int64(i), Modified: time.Unix(int64(i), 0).UTC(),
		})
	}

	sent := &repo.BackupDetails{BackupID: want.BackupID, Service: want.Service}
	sent.Append(want)
	m := engineMessage{Done: true, Details: sent}

	parts := detailsParts(&m)
	if len(parts) < 10 {
		t.Fatalf("%d parts for %d items", len(parts), want.Len())
	}

	var j detailsJoiner

	for _, p := range append(parts, m) {
		line, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}

		if len(line) > maxEngineMessage {
			t.Fatalf("a line of %d bytes, over the limit of %d", len(line), maxEngineMessage)
		}

		var back engineMessage
		if err := json.Unmarshal(line, &back); err != nil {
			t.Fatal(err)
		}

		if back.DetailsPart != nil {
			j.add(back.DetailsPart)
			continue
		}

		j.finish(back.Details)

		if !reflect.DeepEqual(back.Details, want) {
			t.Fatalf("details came back otherwise: %d folders, %d items", len(back.Details.Folders), back.Details.Len())
		}
	}
}
