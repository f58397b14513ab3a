package shellcmd

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// secrets are what a person may paste or type for a placeholder: the
// multi-word passphrases the app itself recommends, and every character a
// shell gives meaning to.
var secrets = []string{
	"correct horse battery staple",
	`pa$$word $HOME ${PATH} $(id) $1`,
	"staple! !! !-1 hi!there !$",
	`say "hi" and "bye"`,
	`back\slash\ and \\ double \n \`,
	"back`tick` ; & | < > ( ) # * ? ~ [a] {b}",
	"ünïcode 日本 ½ ‘typographic’",
	"  leading and trailing  ",
}

// secretCommand has two placeholders, a secret and a plain one, besides a
// value that is set as it is.
func secretCommand() Command {
	return Command{
		Comments: []string{"a comment"},
		Env: []Var{
			{Name: "CORSO_TEST_ID", Value: "REPLACE_WITH_THE_ID", Placeholder: true, Prompt: "The ID"},
			{Name: "CORSO_TEST_SECRET", Value: "REPLACE_WITH_THE_SECRET", Placeholder: true, Prompt: "The secret", Secret: true},
			{Name: "CORSO_TEST_PLAIN", Value: "as it is"},
		},
		Args: []string{"PROGRAM", "--flag", "value with space"},
	}
}

// recorder writes a stand-in program that prints its arguments and the
// three variables, NUL-separated.
func recorder(t *testing.T) string {
	t.Helper()

	prog := filepath.Join(t.TempDir(), "argv")
	script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\n" +
		"printf 'ID=%s\\0SECRET=%s\\0PLAIN=%s\\0' \"$CORSO_TEST_ID\" \"$CORSO_TEST_SECRET\" \"$CORSO_TEST_PLAIN\"\n"

	if err := os.WriteFile(prog, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}

	return prog
}

// posixShells are the shells a copied command is run in, as a person's
// terminal runs what is pasted: interactive, reading from its input.
var posixShells = [][]string{{"sh", "-i"}, {"dash", "-i"}, {"bash", "--norc", "--noprofile", "-i"}}

// pasteInto runs text in shell as if pasted into an interactive one,
// followed by typed lines, and returns what the recorder printed.
func pasteInto(t *testing.T, shell []string, text string, typed ...string) []string {
	t.Helper()

	path, err := exec.LookPath(shell[0])
	if err != nil {
		t.Fatalf("%s is needed for this test: %v", shell[0], err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	cmd := exec.CommandContext(ctx, path, shell[1:]...)
	cmd.Env = append(os.Environ(), "PS1=", "PS2=", "HISTFILE="+filepath.Join(t.TempDir(), "history"))
	cmd.Stdin = strings.NewReader(text + strings.Join(typed, "\n") + "\nexit\n")

	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", shell[0], err, text)
	}

	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

// TestPastedSecretsWorkInRealShells: the placeholder form with a secret
// pasted between each placeholder's quotes, as its note says, runs in sh,
// dash and interactive bash (history expansion on) and hands the program
// exactly the secret, for every secret without a single quote (which the
// note excludes; the asking form takes those).
func TestPastedSecretsWorkInRealShells(t *testing.T) {
	prog := recorder(t)

	for _, shell := range posixShells {
		for _, secret := range secrets {
			c := secretCommand()
			c.Args[0] = prog
			text := c.RenderForm(POSIX, FormReplace)

			if !strings.Contains(text, "export CORSO_TEST_SECRET='REPLACE_WITH_THE_SECRET'") {
				t.Fatalf("the placeholder is not quoted:\n%s", text)
			}

			pasted := strings.NewReplacer("REPLACE_WITH_THE_ID", "id "+secret, "REPLACE_WITH_THE_SECRET", secret).Replace(text)
			got := pasteInto(t, shell, pasted)
			want := []string{"--flag", "value with space", "ID=id " + secret, "SECRET=" + secret, "PLAIN=as it is"}

			if !slices.Equal(got, want) {
				t.Errorf("%s: %q pasted came back as %q\n%s", shell[0], secret, got, pasted)
			}
		}
	}
}

// TestFormsSayHowTheyWork: each rendering says which form it is, and the
// placeholder form is quoted in every shell.
func TestFormsSayHowTheyWork(t *testing.T) {
	c := secretCommand()

	for _, sh := range Shells {
		replace, ask := c.RenderForm(sh, FormReplace), c.RenderForm(sh, FormAsk)

		if !strings.Contains(replace, "Replace each REPLACE_WITH_") || !strings.Contains(ask, "asks for each value when it runs") {
			t.Errorf("%s: the forms do not say what they are:\n%s\n%s", sh, replace, ask)
		}

		if strings.Contains(ask, "REPLACE_WITH_") {
			t.Errorf("%s: the asking form still holds a placeholder:\n%s", sh, ask)
		}
	}

	if got := c.RenderForm(PowerShell, FormReplace); !strings.Contains(got, "$Env:CORSO_TEST_ID = 'REPLACE_WITH_THE_ID'") || !strings.Contains(got, "$Env:CORSO_TEST_PLAIN = 'as it is'") {
		t.Errorf("PowerShell assigns a value that is not a quoted string:\n%s", got)
	}

	if got := c.RenderForm(Cmd, FormReplace); !strings.Contains(got, `set "CORSO_TEST_SECRET=REPLACE_WITH_THE_SECRET"`) {
		t.Errorf("cmd.exe's placeholder is not quoted:\n%s", got)
	}
}
