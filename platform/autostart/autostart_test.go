package autostart

import (
	"encoding/xml"
	"strings"
	"testing"
)

// TestLaunchAgentIsAPropertyList: the macOS LaunchAgent, tested as the
// file it writes: a property list naming the program and its arguments
// (escaped), run at load.
func TestLaunchAgentIsAPropertyList(t *testing.T) {
	it := Item{Program: "/Applications/Corso Desktop.app/Contents/MacOS/corso & <desktop>", Args: []string{"-background"}}

	var plist struct {
		Dict struct {
			Keys   []string `xml:"key"`
			Values []string `xml:"string"`
			Array  struct {
				Strings []string `xml:"string"`
			} `xml:"array"`
		} `xml:"dict"`
	}

	data := launchAgent(it)
	if err := xml.Unmarshal(data, &plist); err != nil {
		t.Fatalf("not XML: %v\n%s", err, data)
	}

	d := plist.Dict
	if strings.Join(d.Keys, ",") != "Label,ProgramArguments,RunAtLoad,ProcessType" || d.Values[0] != ID ||
		len(d.Array.Strings) != 2 || d.Array.Strings[0] != it.Program || d.Array.Strings[1] != "-background" || !strings.Contains(string(data), "<true/>") {
		t.Fatalf("the LaunchAgent:\n%s", data)
	}
}

// TestExecQuoting: a program path with spaces and the characters the
// Desktop Entry Specification reserves is quoted as it says.
func TestExecQuoting(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/bin/corso-desktop":  "/usr/bin/corso-desktop",
		"/opt/Corso Desktop/app":  `"/opt/Corso Desktop/app"`,
		`/home/a"b/$x/back\slash`: `"/home/a\"b/\$x/back\\slash"`,
		"/home/me/100%/corso":     `"/home/me/100%%/corso"`,
	} {
		if got := execQuote(in); got != want {
			t.Errorf("%q quoted as %q, want %q", in, got, want)
		}
	}

	if got := runValue(Item{Program: `C:\Corso Desktop\Corso Desktop.exe`, Args: []string{"-background"}}); got != `"C:\Corso Desktop\Corso Desktop.exe" -background` {
		t.Errorf("Run value %q", got)
	}
}
