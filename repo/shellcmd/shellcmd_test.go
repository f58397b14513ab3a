package shellcmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// awkward are values a path, prefix or profile may hold that each shell
// treats specially somewhere.
var awkward = []string{
	"plain",
	"",
	"with space",
	"  leading and trailing  ",
	`it's`,
	`say "hi"`,
	`50% off`,
	`%PATH%`,
	`%USERPROFILE%\x`,
	`$HOME and ${HOME}`,
	"back`tick",
	`C:\Program Files\corso`,
	`Z:\path with spaces`,
	`Z:\trailing\`,
	`\\server\share\dir with space\`,
	`a\"b`,
	`a\\"b`,
	"non-ASCII: Grüße, 日本, ½",
	"typographic ‘quotes’ and ‚low‛",
	`amp & pipe | lt < gt > caret ^ bang ! parens ( )`,
	`semi; hash # star * question ? tilde ~ at @ comma ,`,
	`-starts-with-hyphen`,
	`--looks-like-a-flag`,
}

func sample(value string) Command {
	return Command{
		Comments: []string{"a comment"},
		Env:      []Var{{Name: "CORSO_TEST_VALUE", Value: value}},
		Args:     []string{"PROGRAM", "--path", value, "tail"},
	}
}

// TestPOSIXRoundTripsThroughRealShells runs each rendered command in sh and
// bash with a stand-in program that writes back its argv and environment.
func TestPOSIXRoundTripsThroughRealShells(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "argv")

	script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\nprintf 'ENV=%s\\0' \"$CORSO_TEST_VALUE\"\n"
	if err := os.WriteFile(prog, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}

	for _, shell := range []string{"sh", "bash"} {
		path, err := exec.LookPath(shell)
		if err != nil {
			t.Fatalf("%s is needed for this test: %v", shell, err)
		}

		for _, v := range awkward {
			c := sample(v)
			c.Args[0] = prog
			line := c.Render(POSIX)

			out, err := exec.Command(path, "-c", line).Output()
			if err != nil {
				t.Fatalf("%s: %q: %v\n%s", shell, v, err, line)
			}

			got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
			want := []string{"--path", v, "tail", "ENV=" + v}

			if !slices.Equal(got, want) {
				t.Errorf("%s: %q came back as %q\n%s", shell, v, got, line)
			}
		}
	}
}

func TestPowerShellRoundTrip(t *testing.T) {
	for _, v := range awkward {
		line := sample(v).Render(PowerShell)

		env, args, err := parsePowerShell(line)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}

		if env["CORSO_TEST_VALUE"] != v {
			t.Errorf("env %q came back as %q\n%s", v, env["CORSO_TEST_VALUE"], line)
		}

		if want := []string{"PROGRAM", "--path", v, "tail"}; !slices.Equal(args, want) {
			t.Errorf("%q came back as %q\n%s", v, args, line)
		}
	}
}

func TestCmdRoundTrip(t *testing.T) {
	// Variables that are defined, so an unescaped %PATH% would be expanded.
	defined := map[string]string{"PATH": `C:\Windows`, "USERPROFILE": `C:\Users\me`, " off": "X"}

	for _, v := range awkward {
		line := sample(v).Render(Cmd)

		env, args := parseCmd(t, line, defined)
		if env["CORSO_TEST_VALUE"] != v {
			t.Errorf("env %q came back as %q\n%s", v, env["CORSO_TEST_VALUE"], line)
		}

		if want := []string{"PROGRAM", "--path", v, "tail"}; !slices.Equal(args, want) {
			t.Errorf("%q came back as %q\n%s", v, args, line)
		}
	}
}

func TestWindowsPathQuoting(t *testing.T) {
	c := Command{Args: []string{"corso", "repo", "connect", "filesystem", "--path", `Z:\path with spaces`}}

	for sh, want := range map[Shell]string{
		PowerShell: `corso repo connect filesystem --path 'Z:\path with spaces'` + "\n",
		Cmd:        `corso repo connect filesystem --path "Z:\path with spaces"` + "\n",
		POSIX:      `corso repo connect filesystem --path 'Z:\path with spaces'` + "\n",
	} {
		if got := c.Render(sh); got != want {
			t.Errorf("%s: %q, want %q", sh, got, want)
		}
	}
}

func TestDefaultShell(t *testing.T) {
	if Default("windows") != PowerShell || Default("linux") != POSIX || Default("darwin") != POSIX {
		t.Fatal("PowerShell on Windows, a POSIX shell elsewhere")
	}
}

// TestModelsCatchMistakes proves the reference parsers (shellmodels_test.go) are strict
// enough to fail a wrong quoting, so the round trips can fail.
func TestModelsCatchMistakes(t *testing.T) {
	defined := map[string]string{"PATH": "X"}

	if got := cmdPhase2(t, cmdPercent(`"%PATH%"`, defined)); got != `"X"` {
		t.Errorf("a quoted %%PATH%% is expanded by cmd.exe; the model gave %q", got)
	}

	if got := msvcrtArgv(`"a\"b" c\\"d e"`); !slices.Equal(got, []string{`a"b`, `c\d e`}) {
		t.Errorf("msvcrt model: %q", got)
	}

	naive := func(s string) string { return `"` + s + `"` }
	if v := `Z:\trailing\`; slices.Equal(msvcrtArgv("p "+naive(v)), []string{"p", v}) {
		t.Error("a naive quote of a trailing backslash must not round-trip")
	}

	if words, _ := psWords(`'it''s'`); !slices.Equal(words, []string{"it's"}) {
		t.Errorf("PowerShell model: %q", words)
	}
}

// TestPowerShellModelRefuses: the reference parser refuses what PowerShell
// would not read as the intended value, so the round trips can fail.
func TestPowerShellModelRefuses(t *testing.T) {
	for _, line := range []string{
		"$Env:AZURE_CLIENT_ID = REPLACE_WITH_THE_AZURE_CLIENT_ID",
		"$Env:AWS_ACCESS_KEY_ID = crosscheck-root",
		`$Env:X = "costs $5"`,
		"$Env:X = \"back`tick\"",
		"$Env:X = 'unterminated",
		"$Env:X = 'a'b",
		"$Env:X = 'a' 'b'",
		"$Env:X =",
		"$Env:X = Read-Host prompt",
		"corso --path $HOME",
		"corso --path 'a'b",
	} {
		if _, _, err := parsePowerShell(line); err == nil {
			t.Errorf("the PowerShell model accepts %q", line)
		}
	}

	env, _, err := parsePowerShell("$Env:X = 'it''s'\n$Env:Y = \"plain\"\n$Env:Z = Read-Host 'Z?'", "typed")
	if err != nil || env["X"] != "it's" || env["Y"] != "plain" || env["Z"] != "typed" {
		t.Errorf("the PowerShell model: %v %v", env, err)
	}
}

// TestPowerShellFormsRoundTrip: both forms, the placeholders replaced as
// the note says (a ' written twice) or typed at Read-Host, give the
// program exactly the secrets, by PowerShell's grammar.
func TestPowerShellFormsRoundTrip(t *testing.T) {
	for _, secret := range append(slices.Clone(secrets), `it's 'quoted' too`) {
		c := secretCommand()

		// As the note says: each quote PowerShell knows written twice.
		twice := strings.NewReplacer("'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019", "\u201a", "\u201a\u201a", "\u201b", "\u201b\u201b")
		pasted := strings.NewReplacer("REPLACE_WITH_THE_ID", twice.Replace("id "+secret), "REPLACE_WITH_THE_SECRET", twice.Replace(secret)).Replace(c.RenderForm(PowerShell, FormReplace))

		for form, text := range map[string]string{"replace": pasted, "ask": c.RenderForm(PowerShell, FormAsk)} {
			env, args, err := parsePowerShell(text, "id "+secret, secret)
			if err != nil {
				t.Fatalf("%s: %q: %v\n%s", form, secret, err, text)
			}

			if env["CORSO_TEST_ID"] != "id "+secret || env["CORSO_TEST_SECRET"] != secret || env["CORSO_TEST_PLAIN"] != "as it is" ||
				!slices.Equal(args, []string{"PROGRAM", "--flag", "value with space"}) {
				t.Errorf("%s: %q came back as %v %q\n%s", form, secret, env, args, text)
			}
		}
	}
}

// TestCmdFormsRoundTrip: both forms, a value pasted between the quotes
// (no " or %, as the note says) or typed at set /p, give the program
// exactly the secrets, by cmd.exe's rules and the C runtime's; Wine's own
// cmd.exe runs the same in the Windows test (wintest).
func TestCmdFormsRoundTrip(t *testing.T) {
	defined := map[string]string{"PATH": `C:\Windows`, "HOME": `C:\Users\me`}

	for _, secret := range append(slices.Clone(secrets), `it's 'quoted' & "50%"`) {
		c := secretCommand()

		if !strings.ContainsAny(secret, `"%`) {
			pasted := strings.NewReplacer("REPLACE_WITH_THE_ID", "id "+secret, "REPLACE_WITH_THE_SECRET", secret).Replace(c.RenderForm(Cmd, FormReplace))
			env, args := parseCmd(t, pasted, defined)

			if env["CORSO_TEST_ID"] != "id "+secret || env["CORSO_TEST_SECRET"] != secret || env["CORSO_TEST_PLAIN"] != "as it is" ||
				!slices.Equal(args, []string{"PROGRAM", "--flag", "value with space"}) {
				t.Errorf("replace: %q came back as %v %q\n%s", secret, env, args, pasted)
			}
		}

		text := c.RenderForm(Cmd, FormAsk)
		env, args := parseCmd(t, text, defined, "id "+secret, secret)

		if env["CORSO_TEST_ID"] != "id "+secret || env["CORSO_TEST_SECRET"] != secret || !slices.Equal(args, []string{"PROGRAM", "--flag", "value with space"}) {
			t.Errorf("ask: %q came back as %v %q\n%s", secret, env, args, text)
		}
	}
}
