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

func TestReadEngineRefusesAnOversizedMessage(t *testing.T) {
	big := append(append([]byte(`{"progress":"`), bytes.Repeat([]byte("a"), engineproto.MaxEngineMessage)...), `"}`+"\n"...)
	if err := engineproto.ReadEngine(bytes.NewReader(big)); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Fatalf("an oversized message: %v", err)
	}
}
