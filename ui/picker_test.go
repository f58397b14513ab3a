package ui

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPickerStartsAtNearestExistingFolder(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)

	dir := filepath.Join(home, "certs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ typed, want string }{
		{"~/corso-repo", home},                      // the default, not made yet
		{filepath.Join(dir, "a", "b", "repo"), dir}, // several missing levels
		{ca, dir},               // a file: its folder
		{"", home},              // nothing typed
		{"~someone/else", home}, // not understood: home
		{"  " + filepath.Join(dir, "new") + "  ", dir}, // trimmed as the form does
	} {
		got := pickerStart(c.typed)
		if got == nil {
			t.Errorf("pickerStart(%q) = nil, want %s", c.typed, c.want)
			continue
		}
		if got.Path() != c.want {
			t.Errorf("pickerStart(%q) = %s, want %s", c.typed, got.Path(), c.want)
		}
	}
}
