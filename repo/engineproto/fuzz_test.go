package engineproto_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/engineproto"
)

// FuzzReadEngine: whatever bytes a helper writes, the app's reader of the
// engine protocol returns (a result or an error) without panicking, and a
// message over the size bound is refused, never buffered.
func FuzzReadEngine(f *testing.F) {
	f.Add([]byte(`{"progress":"Checking the location…"}` + "\n" + `{"done":true,"report":{"State":1}}` + "\n"))
	f.Add([]byte(`{"done":true,"err":{"code":3,"msg":"x","field":"path"}}`))
	f.Add([]byte("\x00\xff{\"done\":"))
	f.Add([]byte("garbage\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		engineproto.ReadEngine(bytes.NewReader(data)) //nolint:errcheck // only must not panic
	})
}

// TestReadEngineRefusesAnOversizedMessage: the promise is 64 MiB a
// message, stated here as a number so that a change of the bound fails it.
func TestReadEngineRefusesAnOversizedMessage(t *testing.T) {
	const promised = 64 << 20

	message := func(size int) []byte {
		head, tail := `{"progress":"`, `"}`
		return append(append([]byte(head), bytes.Repeat([]byte("a"), size-len(head)-len(tail))...), tail+"\n"...)
	}

	// A message of exactly the bound is read; one byte more is refused.
	if err := engineproto.ReadEngine(bytes.NewReader(message(promised))); err == nil || strings.Contains(err.Error(), "larger") {
		t.Fatalf("a message of %d bytes: %v (want it read, then the end of input)", promised, err)
	}

	if err := engineproto.ReadEngine(bytes.NewReader(message(promised + 1))); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Fatalf("a message of %d bytes: %v", promised+1, err)
	}
}

// TestTheContentsOfManyBackupsAreAnAnswer: the contents of a repository
// of 10,000 backups, with names and failures as long as Corso writes
// them, are read as an answer (4 MiB once refused them, about 6 MB).
func TestTheContentsOfManyBackupsAreAnAnswer(t *testing.T) {
	c := repo.Contents{}
	for i := 0; i < 10_000; i++ {
		c.Backups = append(c.Backups, repo.Backup{
			ID: fmt.Sprintf("%08x-5f1e-4c2a-9b7d-%012x", i, i), Type: "merge-backup", Service: "exchange",
			ResourceID: fmt.Sprintf("%08x-1111-2222-3333-%012x", i, i), ResourceName: fmt.Sprintf("someone.with.a.long.name%d@contoso.onmicrosoft.com", i),
			Created: time.Now(), Status: "Completed", Version: 9, SnapshotID: fmt.Sprintf("k%031x", i), StreamStoreID: fmt.Sprintf("k%031x", i+1),
			ItemsRead: 12345, ItemsWritten: 2345, BytesRead: 123456789, BytesUploaded: 23456789, Started: time.Now(), Completed: time.Now(),
		})
	}

	line, err := json.Marshal(map[string]any{"contents": c, "done": true})
	if err != nil {
		t.Fatal(err)
	}

	if len(line) < 4<<20 {
		t.Fatalf("only %d bytes: not the size that was refused", len(line))
	}

	if err := engineproto.ReadEngine(bytes.NewReader(append(line, '\n'))); err != nil {
		t.Fatalf("%d bytes: %v", len(line), err)
	}
}
