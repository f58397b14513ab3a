package shellcmd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// parsePowerShell reads the lines RenderForm writes for PowerShell by the
// language's documented grammar (about_Parsing, about_Quoting_Rules): a
// comment; the script block `& {` … `}` the asking form is wrapped in; an
// assignment to $Env:NAME, whose right side is parsed in expression mode,
// where only a quoted string is a string (a bare word runs as a command,
// and a double-quoted string expands $ and `, so both are refused) or one
// of the two Read-Host forms, which take the next of typed; and the
// command, parsed in argument mode. It refuses what PowerShell would not
// read as the same values.
func parsePowerShell(text string, typed ...string) (map[string]string, []string, error) {
	env := map[string]string{}

	var args []string

	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "#"), line == "& {", line == "}":
			continue
		case strings.HasPrefix(line, "$Env:"):
			name, rhs, ok := strings.Cut(strings.TrimPrefix(line, "$Env:"), " = ")
			if !ok || !psName.MatchString(name) {
				return nil, nil, fmt.Errorf("not an assignment: %q", line)
			}

			value, err := psExpression(rhs, &typed)
			if err != nil {
				return nil, nil, fmt.Errorf("%w in %q", err, line)
			}

			env[name] = value
		default:
			words, err := psWords(line)
			if err != nil {
				return nil, nil, err
			}

			args = words
		}
	}

	return env, args, nil
}

var psName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// psExpression is the value of the right side of an assignment.
func psExpression(rhs string, typed *[]string) (string, error) {
	next := func() (string, error) {
		if len(*typed) == 0 {
			return "", errors.New("Read-Host with nothing typed")
		}

		v := (*typed)[0]
		*typed = (*typed)[1:]

		return v, nil
	}

	for _, form := range []struct{ head, tail string }{
		{"[System.Net.NetworkCredential]::new('', (Read-Host -AsSecureString ", ")).Password"},
		{"Read-Host ", ""},
	} {
		if strings.HasPrefix(rhs, form.head) && strings.HasSuffix(rhs, form.tail) {
			prompt := strings.TrimSuffix(strings.TrimPrefix(rhs, form.head), form.tail)
			if words, err := psWords(prompt); err != nil || len(words) != 1 || !isPSQuote([]rune(prompt)[0]) {
				return "", fmt.Errorf("a prompt that is not one quoted string (%v)", err)
			}

			return next()
		}
	}

	rs := []rune(rhs)

	switch {
	case len(rs) == 0:
		return "", errors.New("nothing on the right of =")
	case rs[0] == '"':
		if strings.ContainsAny(rhs, "$`") {
			return "", errors.New("a double-quoted string that expands $ or `")
		}

		if len(rs) < 2 || rs[len(rs)-1] != '"' || strings.Contains(string(rs[1:len(rs)-1]), `"`) {
			return "", errors.New("not one double-quoted string")
		}

		return string(rs[1 : len(rs)-1]), nil
	case !isPSQuote(rs[0]):
		// Expression mode: a bare word is a command to run, not a value.
		return "", errors.New("a bare word, which PowerShell would run as a command")
	}

	words, err := psWords(rhs)
	if err != nil {
		return "", err
	}

	if len(words) != 1 || !isPSQuote(rs[len(rs)-1]) {
		return "", errors.New("more than one quoted string")
	}

	return words[0], nil
}

func isPSQuote(r rune) bool { return strings.ContainsRune("'\u2018\u2019\u201a\u201b", r) }

// psWords splits a line in argument mode: single-quoted strings (a quote
// written twice, typographic quotes included) and bare words without
// PowerShell's special characters.
func psWords(line string) ([]string, error) {
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
					return nil, fmt.Errorf("unterminated string in %q", line)
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

			if i < len(rs) && rs[i] != ' ' {
				return nil, fmt.Errorf("a string runs into a word in %q", line)
			}

			words = append(words, w.String())
		default:
			j := i
			for j < len(rs) && rs[j] != ' ' {
				if strings.ContainsRune("'\"$`@(){};,&|<>#", rs[j]) {
					return nil, fmt.Errorf("bare word with PowerShell's special %q in %q", rs[j], line)
				}

				j++
			}

			words = append(words, string(rs[i:j]))
			i = j
		}
	}

	return words, nil
}

// parseCmd reads the lines Render writes for cmd.exe as an interactive
// cmd.exe would, then splits the program's command line by the Microsoft C
// runtime's rules.
func parseCmd(t *testing.T, text string, defined map[string]string, typed ...string) (map[string]string, []string) {
	t.Helper()

	env := map[string]string{}

	var args []string

	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "REM ") || line == "(" || line == ")" {
			continue
		}

		// set /p "NAME=prompt" takes the next line typed, as it is.
		if rest, ok := strings.CutPrefix(line, `set /p "`); ok {
			name, _, _ := strings.Cut(rest, "=")
			if len(typed) == 0 {
				t.Fatalf("set /p with nothing typed: %q", line)
			}

			env[name], typed = typed[0], typed[1:]

			continue
		}

		expanded := cmdPhase2(t, cmdPercent(line, defined))

		if rest, ok := strings.CutPrefix(expanded, "set "); ok {
			// set "NAME=value": the value ends at the line's last quote.
			if q, ok := strings.CutPrefix(rest, `"`); ok {
				rest = q[:strings.LastIndex(q, `"`)]
			}

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
