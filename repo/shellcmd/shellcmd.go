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
	"slices"
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
	// Placeholder marks a value the user must supply (a secret the app
	// never hands out); Value then says what to put there, and Prompt what
	// to ask for it when the command asks instead.
	Placeholder bool
	Prompt      string
	// Secret: what is typed for it is not shown while typed.
	Secret bool
}

// Form is how a command's placeholders reach the shell.
type Form int

// The forms of a command with placeholders.
const (
	// FormReplace: each placeholder is a quoted value to replace; what is
	// pasted there lands in the shell's history.
	FormReplace Form = iota
	// FormAsk: the command asks for each value when it runs, so nothing
	// of it lands in the shell's history.
	FormAsk
)

// Forms lists both, in the order a picker shows them.
var Forms = []Form{FormAsk, FormReplace}

// Name is the form's name for people.
func (f Form) Name() string {
	if f == FormAsk {
		return "Ask for each secret when run"
	}

	return "Placeholders to replace"
}

// Command is a program with its arguments, the variables to set first and
// comments to show above it.
type Command struct {
	Comments []string
	Env      []Var
	Args     []string
}

// HasPlaceholders says whether any value must be supplied before running.
func (c Command) HasPlaceholders() bool {
	for _, v := range c.Env {
		if v.Placeholder {
			return true
		}
	}

	return false
}

// Render returns the command as lines to paste into sh, each placeholder
// a quoted value to replace.
func (c Command) Render(sh Shell) string { return c.RenderForm(sh, FormReplace) }

// RenderForm returns the command as lines to paste into sh, its
// placeholders in form f. Asking, the whole is one block (a brace group,
// a script block, a parenthesised block), so that the shell reads all of
// a paste before the first question reads from the terminal.
func (c Command) RenderForm(sh Shell, f Form) string {
	var b strings.Builder

	comment := "# "
	if sh == Cmd {
		comment = "REM "
	}

	comments := c.Comments
	if c.HasPlaceholders() {
		comments = append(slices.Clone(comments), placeholderNote(sh, f))
	}

	for _, line := range comments {
		b.WriteString(comment + line + "\n")
	}

	ask := f == FormAsk && c.HasPlaceholders()
	if ask {
		b.WriteString(map[Shell]string{POSIX: "{", PowerShell: "& {", Cmd: "("}[sh] + "\n")
	}

	for _, v := range c.Env {
		b.WriteString(renderVar(sh, v, ask && v.Placeholder) + "\n")
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

	if ask {
		b.WriteString(map[Shell]string{POSIX: "}", PowerShell: "}", Cmd: ")"}[sh] + "\n")
	}

	return b.String()
}

// placeholderNote says, above the command, how its placeholders are
// filled in this shell and form.
func placeholderNote(sh Shell, f Form) string {
	if f == FormAsk {
		if sh == Cmd {
			return "It asks for each value when it runs; cmd.exe cannot hide what you type."
		}

		return "It asks for each value when it runs, hiding the secrets; nothing you type lands in the shell's history."
	}

	switch sh {
	case PowerShell:
		return "Replace each REPLACE_WITH_… value between its quotes (write each ' or ‘ ’ in it twice); what you paste stays in the shell's history."
	case Cmd:
		return "Replace each REPLACE_WITH_… value between its quotes (it may not hold a \" or a %); what you paste stays in this window's history."
	}

	return "Replace each REPLACE_WITH_… value between its quotes (it may hold anything but a '); what you paste stays in the shell's history."
}

// renderVar sets one variable; asked, it reads it from the terminal.
func renderVar(sh Shell, v Var, ask bool) string {
	prompt := v.Prompt
	if prompt == "" {
		prompt = v.Name
	}

	switch {
	case sh == PowerShell && ask && v.Secret:
		// Read-Host -AsSecureString hides what is typed in Windows
		// PowerShell 5.1 and PowerShell 7 alike; NetworkCredential turns
		// it back into the plain string the variable needs.
		return "$Env:" + v.Name + " = [System.Net.NetworkCredential]::new('', (Read-Host -AsSecureString " + quotePowerShellString(prompt) + ")).Password"
	case sh == PowerShell && ask:
		return "$Env:" + v.Name + " = Read-Host " + quotePowerShellString(prompt)
	case sh == PowerShell:
		// The right of an assignment is an expression: only a quoted
		// string is a string there (a bare word would run as a command).
		return "$Env:" + v.Name + " = " + quotePowerShellString(v.Value)
	case sh == Cmd && ask:
		// cmd.exe cannot hide what is typed; it keeps no history file.
		return "set /p \"" + v.Name + "=" + prompt + ": \""
	case sh == Cmd && v.Placeholder:
		// Quoted whole, so that a value pasted between the quotes may
		// hold spaces and & | < > ^ ( ).
		return "set \"" + v.Name + "=" + v.Value + "\""
	case sh == Cmd:
		// `set NAME=value` takes the rest of the line verbatim once cmd's
		// own escapes are removed, so only cmd's characters are escaped.
		return "set " + v.Name + "=" + escapeCmd(v.Value)
	case ask && v.Secret:
		// POSIX read has no -s (dash's has none): the terminal's echo is
		// turned off around it instead.
		// Echo goes off before the prompt shows, so that nothing typed
		// after it is seen.
		return "stty -echo 2>/dev/null; printf '%s: ' " + QuotePOSIX(prompt) + " >&2; IFS= read -r " + v.Name + "; stty echo 2>/dev/null; printf '\\n' >&2; export " + v.Name
	case ask:
		return "printf '%s: ' " + QuotePOSIX(prompt) + " >&2; IFS= read -r " + v.Name + "; export " + v.Name
	case v.Placeholder:
		// Quoted even when it needs no quotes: what replaces it will.
		return "export " + v.Name + "='" + strings.ReplaceAll(v.Value, "'", `'\''`) + "'"
	}

	return "export " + v.Name + "=" + QuotePOSIX(v.Value)
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

// quotePowerShellString is s as a single-quoted PowerShell string, always:
// only a single quote (typographic ones included) is special inside, and
// is written twice.
func quotePowerShellString(s string) string {
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

	return quotePowerShellString(s)
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
