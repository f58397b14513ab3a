package engineproto_test

import (
	"bytes"
	"strings"
	"testing"

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

// TestReadEngineRefusesAnOversizedMessage: the promise is 4 MiB a
// message, stated here as a number so that a change of the bound fails it.
func TestReadEngineRefusesAnOversizedMessage(t *testing.T) {
	const promised = 4 << 20

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
