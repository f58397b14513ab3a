package shellcmd

import (
	"bytes"
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

		env, args := parsePowerShell(t, line)
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

// parsePowerShell reads the lines Render writes for PowerShell by the
// language's quoting rules: single-quoted strings (a quote written twice,
// typographic quotes included) and bare words.
func parsePowerShell(t *testing.T, text string) (map[string]string, []string) {
	t.Helper()

	env := map[string]string{}

	var args []string

	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}

		words := psWords(t, line)
		if len(words) == 3 && strings.HasPrefix(words[0], "$Env:") && words[1] == "=" {
			env[strings.TrimPrefix(words[0], "$Env:")] = words[2]
			continue
		}

		args = words
	}

	return env, args
}

func isPSQuote(r rune) bool { return strings.ContainsRune("'\u2018\u2019\u201a\u201b", r) }

func psWords(t *testing.T, line string) []string {
	t.Helper()

	var words []string

	rs := []rune(line)
	for i := 0; i < len(rs); {
		switch {
		case rs[i] == ' ':
			i++
		case isPSQuote(rs[i]):
			var w strings.Builder

			i++

			for {
				if i >= len(rs) {
					t.Fatalf("unterminated string in %q", line)
				}

				if isPSQuote(rs[i]) {
					if i+1 < len(rs) && isPSQuote(rs[i+1]) {
						w.WriteRune(rs[i+1])
						i += 2

						continue
					}

					i++

					break
				}

				w.WriteRune(rs[i])
				i++
			}

			words = append(words, w.String())
		default:
			j := i
			for j < len(rs) && rs[j] != ' ' {
				if strings.ContainsRune("'\"$`@(){};,&|<>#", rs[j]) && !(j == i && rs[j] == '$') {
					t.Fatalf("bare word with PowerShell's special %q in %q", rs[j], line)
				}

				j++
			}

			words = append(words, string(rs[i:j]))
			i = j
		}
	}

	return words
}

// parseCmd reads the lines Render writes for cmd.exe as an interactive
// cmd.exe would, then splits the program's command line by the Microsoft C
// runtime's rules.
func parseCmd(t *testing.T, text string, defined map[string]string) (map[string]string, []string) {
	t.Helper()

	env := map[string]string{}

	var args []string

	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "REM ") {
			continue
		}

		expanded := cmdPhase2(t, cmdPercent(line, defined))

		if rest, ok := strings.CutPrefix(expanded, "set "); ok {
			name, value, _ := strings.Cut(rest, "=")
			env[name] = value

			continue
		}

		args = msvcrtArgv(expanded)
	}

	return env, args
}

// cmdPercent is cmd.exe's first phase on an interactive command line:
// %NAME% becomes the variable's value when it is defined and stays as it
// is otherwise, the closing % then free to open the next name.
func cmdPercent(line string, defined map[string]string) string {
	var b strings.Builder

	for i := 0; i < len(line); i++ {
		if line[i] != '%' {
			b.WriteByte(line[i])
			continue
		}

		end := strings.IndexByte(line[i+1:], '%')
		if end < 0 {
			b.WriteByte('%')
			continue
		}

		name := line[i+1 : i+1+end]
		if v, ok := defined[strings.ToUpper(name)]; ok {
			b.WriteString(v)
			i += end + 1

			continue
		}

		b.WriteByte('%')
	}

	return b.String()
}

// cmdPhase2 removes cmd.exe's escapes: outside double quotes ^ makes the
// next character literal (an escaped quote does not start a quoted part);
// an unescaped & | < > there would end or redirect the command.
func cmdPhase2(t *testing.T, line string) string {
	t.Helper()

	var b strings.Builder

	quoted := false

	for i := 0; i < len(line); i++ {
		c := line[i]

		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '^':
			i++
			if i == len(line) {
				t.Fatalf("a line ends in ^: %q", line)
			}

			c = line[i]
		case strings.IndexByte("&|<>", c) >= 0:
			t.Fatalf("cmd.exe would act on %q in %q", c, line)
		}

		b.WriteByte(c)
	}

	return b.String()
}

// msvcrtArgv splits a command line as the Microsoft C runtime does
// (CommandLineToArgvW; what Go's os.Args on Windows does too).
func msvcrtArgv(line string) []string {
	var (
		args []string
		w    bytes.Buffer
	)

	inArg, quoted := false, false

	for i := 0; i < len(line); i++ {
		c := line[i]

		switch {
		case c == '\\':
			n := 0
			for i < len(line) && line[i] == '\\' {
				n++
				i++
			}

			if i < len(line) && line[i] == '"' {
				w.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					w.WriteByte('"')
				} else {
					quoted = !quoted
				}
			} else {
				w.WriteString(strings.Repeat(`\`, n))
				i--
			}

			inArg = true
		case c == '"':
			if quoted && i+1 < len(line) && line[i+1] == '"' {
				w.WriteByte('"')
				i++
			} else {
				quoted = !quoted
			}

			inArg = true
		case (c == ' ' || c == '\t') && !quoted:
			if inArg {
				args = append(args, w.String())
				w.Reset()
			}

			inArg = false
		default:
			w.WriteByte(c)
			inArg = true
		}
	}

	if inArg {
		args = append(args, w.String())
	}

	return args
}

// TestModelsCatchMistakes proves the reference parsers above are strict
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

	if words := psWords(t, `'it''s'`); !slices.Equal(words, []string{"it's"}) {
		t.Errorf("PowerShell model: %q", words)
	}
}
