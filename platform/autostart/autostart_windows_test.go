package autostart

import (
	"testing"

	"golang.org/x/sys/windows/registry"
)

// TestRunEntry, on Windows (and under Wine): the per-user Run value is
// written with the program quoted, read back, and removed.
func TestRunEntry(t *testing.T) {
	it := Item{Program: `C:\Program Files\Corso Desktop\Corso Desktop.exe`, Args: []string{"-background"}}

	if err := Install(it); err != nil {
		t.Fatal(err)
	}

	t.Cleanup(func() { Remove() }) //nolint:errcheck

	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}

	v, _, err := k.GetStringValue(Name)
	k.Close()

	if err != nil || v != `"C:\Program Files\Corso Desktop\Corso Desktop.exe" -background` {
		t.Fatalf("the Run value is %q (%v)", v, err)
	}

	if on, where := Installed(); !on || where == "" {
		t.Fatalf("installed %v at %q", on, where)
	}

	if err := Remove(); err != nil {
		t.Fatal(err)
	}

	if on, _ := Installed(); on {
		t.Fatal("still starts at login after Remove")
	}

	if err := Remove(); err != nil {
		t.Fatalf("removing what is not there: %v", err)
	}
}
