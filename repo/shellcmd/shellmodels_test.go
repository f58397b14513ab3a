package shellcmd

// The reference models of PowerShell's and cmd.exe's grammar the round
// trips parse a rendered command with, held to each shell's documented
// rules (TestModelsCatchMistakes proves they refuse a wrong quoting).

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

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
