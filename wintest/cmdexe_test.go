//go:build wine

package wintest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/shellcmd"
)

// pastedSecrets are what a person pastes or types for the command's
// placeholders in cmd.exe.
var pastedSecrets = []string{
	"correct horse battery staple",
	"amp & pipe | lt < gt > caret ^ parens ( )",
	`back\slash\ and C:\Program Files\ ~ !bang!`,
	// Not ünïcode: a console hands cmd.exe characters, but a pipe hands it
	// bytes, which Wine 8's cmd.exe reads in the OEM code page whatever
	// chcp says; the cmd.exe model in repo/shellcmd takes those.
}

// TestCopiedCommandRunsInWinesCmd: the copied `corso repo connect` of a
// saved S3 repository, in both forms, run by Wine's own cmd.exe as a
// paste runs (the block read whole, then the answers typed), reaches a
// stand-in corso.exe with exactly the saved repository's arguments, and
// with each secret as pasted or typed.
func TestCopiedCommandRunsInWinesCmd(t *testing.T) {
	dir := t.TempDir()

	build := exec.Command("go", "build", "-o", filepath.Join(dir, "corso.exe"), "../repo/shellcmd/testdata/argvdump")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")

	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the stand-in corso.exe: %v\n%s", err, out)
	}

	saved := repo.S3Compatible{
		S3:       repo.S3{Bucket: "corso-bucket", Prefix: "tenant one/", Credentials: repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: "AKIAEXAMPLE"}},
		Endpoint: "minio.example:9000",
	}
	c := corsoconfig.ConnectCommand(saved, corsoconfig.CommandOptions{ConfigFile: `C:\Users\me\corso configs\tenant.toml`, SessionToken: true, GOOS: "windows"})

	var names []string
	for _, v := range c.Env {
		names = append(names, v.Name)
	}

	for _, secret := range pastedSecrets {
		for _, form := range shellcmd.Forms {
			text := c.RenderForm(shellcmd.Cmd, form)

			// What the variables must hold: each placeholder the secret
			// (the tenant and client IDs with a word in front), the rest
			// as saved.
			want := map[string]string{}
			fill := map[string]string{}

			var typed []string

			for _, v := range c.Env {
				switch {
				case !v.Placeholder:
					want[v.Name] = v.Value
				case v.Secret:
					want[v.Name], fill[v.Value] = secret, secret
				default:
					want[v.Name], fill[v.Value] = "id "+secret, "id "+secret
				}

				if v.Placeholder {
					typed = append(typed, want[v.Name])
				}
			}

			if form == shellcmd.FormReplace {
				for placeholder, value := range fill {
					text = strings.ReplaceAll(text, placeholder, value)
				}

				typed = nil
			}

			record := filepath.Join(dir, "record.json")
			os.Remove(record) //nolint:errcheck

			out, err := runCmd(t, dir, text, typed, "CORSO_TEST_VARS="+strings.Join(names, ","), "CORSO_TEST_RECORD="+winPath(record))

			raw, rerr := os.ReadFile(record)
			if rerr != nil {
				t.Fatalf("%s: %q: corso.exe never ran (%v)\n%s\n%s", form.Name(), secret, err, text, out)
			}

			var got struct {
				Args []string          `json:"args"`
				Env  map[string]string `json:"env"`
			}

			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}

			if strings.Join(got.Args, "\x00") != strings.Join(c.Args[1:], "\x00") {
				t.Errorf("%s: %q: corso.exe got %q, want %q\n%s", form.Name(), secret, got.Args, c.Args[1:], text)
			}

			if !maps.Equal(got.Env, want) {
				t.Errorf("%s: %q: corso.exe's environment %q, want %q\n%s", form.Name(), secret, got.Env, want, text)
			}
		}
	}
}

// runCmd pastes text into Wine's cmd.exe a line at a time, then types
// each answer once cmd.exe has read everything before it, as a person
// answers a prompt (Wine's set /p reads all the input there is, so each
// answer goes in only when the one before is taken; cmd.exe reads a
// parenthesised block whole before it runs it, so the first reader after
// the paste is the first question). It returns what cmd.exe showed.
func runCmd(t *testing.T, dir, text string, typed []string, env ...string) (string, error) {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(ctx, "wine", "cmd")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = r

	var screen lockedBuffer

	cmd.Stdout, cmd.Stderr = &screen, &screen

	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	r.Close()

	// One line at a time, as a console hands cmd.exe its input (from a
	// pipe, Wine's cmd.exe takes one line of what one read gives it).
	lines := append(strings.Split(strings.TrimSuffix(text, "\n"), "\n"), append(typed, "exit")...)

	for _, line := range lines {
		if _, err := io.WriteString(w, line+"\r\n"); err != nil {
			break
		}

		// Wait until cmd.exe has read all of it.
		for unread(w) > 0 && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}

		time.Sleep(200 * time.Millisecond)
	}

	w.Close()

	err = cmd.Wait()

	return screen.String(), err
}

// unread is how many bytes written to the pipe w are not read yet.
func unread(w *os.File) int {
	n, err := unix.IoctlGetInt(int(w.Fd()), unix.TIOCINQ) // FIONREAD
	if err != nil {
		return 0
	}

	return n
}

// lockedBuffer is a buffer written by one goroutine and read by another.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()

	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()

	return l.b.String()
}

// TestSelectionCommandRunsInWinesCmd: a copied `corso export` of picked
// items, whose list name and destination hold what cmd.exe treats
// specially, reaches a stand-in corso.exe with exactly its arguments.
func TestSelectionCommandRunsInWinesCmd(t *testing.T) {
	dir := t.TempDir()

	build := exec.Command("go", "build", "-o", filepath.Join(dir, "corso.exe"), "../repo/shellcmd/testdata/argvdump")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")

	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the stand-in corso.exe: %v\n%s", err, out)
	}

	d := &repo.BackupDetails{BackupID: "0b5e0001-aaaa", Service: "sharepoint", Folders: [][]string{{"Lists"}, {"Libraries", "Documents"}}}
	for _, it := range []repo.DetailItem{
		{Ref: "0123456789ab", Kind: repo.KindListItem, Name: `Budget, "final" 50% & more! (R^D) | <x>`},
		{Ref: "abcdef012345", Folder: 1, Kind: repo.KindFile, Name: "a.docx"},
		{Ref: "fedcba987654", Folder: 1, Kind: repo.KindFile, Name: "b.docx"},
	} {
		d.Add(it)
	}
	sel := corsoconfig.Selection{Verb: "export", Details: d, Items: []int{0, 1}, Destination: `C:\Users\me\Corso export\R&D (100%) !now!`}
	saved := repo.Filesystem{Path: `C:\Users\me\corso repo`}

	text, err := corsoconfig.SelectionCommand(saved, corsoconfig.CommandOptions{ConfigFile: `C:\Users\me\corso configs\t.toml`, GOOS: "windows"}, sel, shellcmd.Cmd, shellcmd.FormReplace)
	if err != nil {
		t.Fatal(err)
	}

	for _, p := range []string{corsoconfig.PlaceholderPassphrase, corsoconfig.PlaceholderClientID, corsoconfig.PlaceholderClientSecret, corsoconfig.PlaceholderTenantID} {
		text = strings.ReplaceAll(text, p, "value for "+p)
	}

	record := filepath.Join(dir, "record.json")

	out, err := runCmd(t, dir, text, nil, "CORSO_TEST_VARS=CORSO_PASSPHRASE", "CORSO_TEST_RECORD="+winPath(record))

	raw, rerr := os.ReadFile(record)
	if rerr != nil {
		t.Fatalf("corso.exe never ran (%v)\n%s\n%s", err, text, out)
	}

	var got struct {
		Args []string `json:"args"`
	}

	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}

	want := []string{"export", "sharepoint", sel.Destination, "--config-file", `C:\Users\me\corso configs\t.toml`, "--backup", d.BackupID, "--file", "abcdef012345", "--list", `"Budget, ""final"" 50% & more! (R^D) | <x>"`}
	if strings.Join(got.Args, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("corso.exe got %q, want %q\n%s", got.Args, want, text)
	}
}
