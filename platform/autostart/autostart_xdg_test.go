//go:build unix && !darwin

package autostart

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestXDGAutostart, for real on Linux: the entry lands in the user's
// autostart folder, private, valid by desktop-file-validate, and runs the
// program with its arguments; Remove takes it away.
func TestXDGAutostart(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)

	it := Item{Program: filepath.Join(t.TempDir(), "Corso Desktop", "corso-desktop"), Args: []string{"-background"}}

	if on, _ := Installed(); on {
		t.Fatal("installed before Install")
	}

	if err := Install(it); err != nil {
		t.Fatal(err)
	}

	on, where := Installed()
	if !on || where != filepath.Join(config, "autostart", ID+".desktop") {
		t.Fatalf("installed %v at %s", on, where)
	}

	fi, err := os.Stat(where)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v (%v)", fi.Mode(), err)
	}

	validate, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		t.Fatalf("desktop-file-validate is needed for this test (desktop-file-utils): %v", err)
	}

	if out, err := exec.Command(validate, where).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("desktop-file-validate: %v\n%s", err, out)
	}

	data, _ := os.ReadFile(where)
	if !strings.Contains(string(data), `Exec="`+it.Program+`" -background`+"\n") {
		t.Fatalf("the entry does not run the program:\n%s", data)
	}

	if err := Remove(); err != nil {
		t.Fatal(err)
	}

	if on, _ := Installed(); on {
		t.Fatal("still installed after Remove")
	}
}
