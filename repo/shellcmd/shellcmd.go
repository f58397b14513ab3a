// Package shellcmd renders a command line, with the environment it needs,
// for the shell a person pastes it into: POSIX shells (sh, bash, zsh),
// PowerShell and cmd.exe, each quoted by its own rules so that the program
// receives exactly the arguments and values given here.
//
// It is pure: no I/O, no knowledge of Corso or kopia. It must never import
// anything from this module.
package shellcmd

import (
	"regexp"
	"strings"
)

// Shell is a command interpreter a command is rendered for.
type Shell string

// The shells a command can be rendered for.
const (
	POSIX      Shell = "posix"
	PowerShell Shell = "powershell"
	Cmd        Shell = "cmd"
)

// Shells lists every shell, in the order a picker shows them.
var Shells = []Shell{POSIX, PowerShell, Cmd}

// Name is the shell's name for people.
func (s Shell) Name() string {
	switch s {
	case PowerShell:
		return "PowerShell"
	case Cmd:
		return "Command Prompt (cmd.exe)"
	}

	return "sh, bash, zsh"
}

// Default is the shell a user of goos most likely has open: PowerShell on
// Windows (the shell Microsoft's own documentation and Corso's use there),
// a POSIX shell elsewhere.
func Default(goos string) Shell {
	if goos == "windows" {
		return PowerShell
	}

	return POSIX
}

// Var is one environment variable the command needs.
type Var struct {
	Name  string
	Value string
	// Placeholder marks a value the user must replace (a secret the app
	// never hands out); Value then says what to put there.
	Placeholder bool
}

// Command is a program with its arguments, the variables to set first and
// comments to show above it.
type Command struct {
	Comments []string
	Env      []Var
	Args     []string
}

// HasPlaceholders says whether any value must be replaced before running.
func (c Command) HasPlaceholders() bool {
	for _, v := range c.Env {
		if v.Placeholder {
			return true
		}
	}

	return false
}

// Render returns the command as lines to paste into sh.
func (c Command) Render(sh Shell) string {
	var b strings.Builder

	comment := "# "
	if sh == Cmd {
		comment = "REM "
	}

	for _, line := range c.Comments {
		b.WriteString(comment + line + "\n")
	}

	for _, v := range c.Env {
		switch sh {
		case PowerShell:
			b.WriteString("$Env:" + v.Name + " = " + QuotePowerShell(v.Value) + "\n")
		case Cmd:
			// `set NAME=value` takes the rest of the line verbatim once cmd's
			// own escapes are removed, so only cmd's characters are escaped.
			b.WriteString("set " + v.Name + "=" + escapeCmd(v.Value) + "\n")
		default:
			b.WriteString("export " + v.Name + "=" + QuotePOSIX(v.Value) + "\n")
		}
	}

	words := make([]string, len(c.Args))
	for i, a := range c.Args {
		switch sh {
		case PowerShell:
			words[i] = QuotePowerShell(a)
		case Cmd:
			words[i] = QuoteCmd(a)
		default:
			words[i] = QuotePOSIX(a)
		}
	}

	b.WriteString(strings.Join(words, " ") + "\n")

	return b.String()
}

var (
	posixSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)
	// PowerShell gives meaning to more characters than sh (@ and , among
	// them); a word of only these is passed as it is.
	powerShellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:\\+=-]+$`)
	// cmd.exe passes these through untouched; anything else is quoted.
	cmdSafe = regexp.MustCompile(`^[A-Za-z0-9_./:\\+=,@-]+$`)
)

// QuotePOSIX quotes a word for a POSIX shell when it needs it: inside
// single quotes nothing is special, and a single quote closes the quoted
// part, is escaped with a backslash and opens a new one.
func QuotePOSIX(s string) string {
	if posixSafe.MatchString(s) {
		return s
	}

	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// isFlag says whether s is a --flag word, which needs no quoting.
func isFlag(s string) bool {
	return strings.HasPrefix(s, "--") && powerShellSafe.MatchString(s)
}

// QuotePowerShell quotes a word for PowerShell: inside single quotes only a
// single quote is special, written twice. PowerShell also reads the
// typographic single quotes (U+2018–U+201B) as quotes, so those are
// doubled too. A word that starts with - and is not a --flag is quoted so
// that PowerShell never reads it as a parameter of its own. (A double
// quote inside an argument reaches the program intact with PowerShell
// 7.3 or later; Windows PowerShell 5.1 drops it, which no path, bucket or
// endpoint can contain.)
func QuotePowerShell(s string) string {
	if s != "" && powerShellSafe.MatchString(s) && !strings.HasPrefix(s, "-") || isFlag(s) {
		return s
	}

	var b strings.Builder

	b.WriteByte('\'')

	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}

		b.WriteRune(r)
	}

	b.WriteByte('\'')

	return b.String()
}

// cmdSpecial are the characters cmd.exe acts on outside double quotes.
const cmdSpecial = "^&|<>()%!\""

// QuoteCmd quotes an argument for a program started from cmd.exe. Two sets
// of rules apply one after the other: the program splits its command line
// by the Microsoft C runtime's rules (double quotes group, backslashes
// escape only before a quote), and cmd.exe first expands %variables% and
// acts on & | < > ^ unless they are inside double quotes. A word with
// none of cmd's characters is simply double-quoted; otherwise every cmd
// character, the quotes included, is escaped with ^ so that cmd never
// enters its quoted mode and the escapes all apply.
func QuoteCmd(s string) string {
	if s != "" && cmdSafe.MatchString(s) {
		return s
	}

	quoted := quoteArgv(s)
	if !strings.ContainsAny(s, cmdSpecial[:len(cmdSpecial)-1]) {
		return quoted
	}

	return escapeCmd(quoted)
}

// escapeCmd puts ^ before each character cmd.exe would act on. A %
// escaped this way is left alone by the expansion of %variables% on an
// interactive command line, because no variable name starts with ^.
func escapeCmd(s string) string {
	var b strings.Builder

	for _, r := range s {
		if strings.ContainsRune(cmdSpecial, r) {
			b.WriteByte('^')
		}

		b.WriteRune(r)
	}

	return b.String()
}

// quoteArgv quotes s by the Microsoft C runtime's rules (what
// CommandLineToArgvW and Go's os.Args on Windows undo): backslashes are
// literal unless they precede a double quote, where each is doubled.
func quoteArgv(s string) string {
	var b strings.Builder

	b.WriteByte('"')

	slashes := 0

	for _, r := range s {
		switch r {
		case '\\':
			slashes++
			continue
		case '"':
			b.WriteString(strings.Repeat(`\`, 2*slashes+1))
		default:
			b.WriteString(strings.Repeat(`\`, slashes))
		}

		slashes = 0

		b.WriteRune(r)
	}

	// The closing quote follows: backslashes before it are doubled.
	b.WriteString(strings.Repeat(`\`, 2*slashes))
	b.WriteByte('"')

	return b.String()
}
