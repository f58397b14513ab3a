package engineproto_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/engineproto"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// The promised bounds, as numbers, so that a change of either fails here:
// a request is at most 1 MiB, each of its strings at most 64 KiB.
const (
	promisedRequest = 1 << 20
	promisedField   = 64 << 10
)

// endless is a request line that never ends: a passphrase of 'a's.
type endless struct {
	head []byte
	sent int64
	max  int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.sent >= e.max {
		return 0, io.EOF
	}

	n := 0
	for n < len(p) && e.sent < e.max {
		if int(e.sent) < len(e.head) {
			p[n] = e.head[e.sent]
		} else {
			p[n] = 'a'
		}

		n++
		e.sent++
	}

	return n, nil
}

// TestHelperRefusesAnOversizedRequest: the real helper is sent one line of
// a GiB. It answers at once with a sentence, reading no more than the
// bound, and its memory stays small.
func TestHelperRefusesAnOversizedRequest(t *testing.T) {
	if os.Getenv("CORSO_TEST_ALONE") == "" {
		// Run alone, in a test process of its own: Linux counts in a
		// child's peak the memory its parent held when it started it (the
		// two share it until exec), and this package's other tests leave
		// their process large.
		alone := exec.Command(os.Args[0], "-test.run", "^TestHelperRefusesAnOversizedRequest$", "-test.count=1")
		alone.Env = append(os.Environ(), "CORSO_TEST_ALONE=1", "CORSO_ENGINE_HELPER="+repotest.HelperPath(t))

		if out, err := alone.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}

		return
	}

	cmd := exec.Command(repotest.HelperPath(t))

	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}

	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}

	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	line := &endless{head: fmt.Appendf(nil, `{"protocol":%d,"op":"check","secrets":{"Passphrase":"`, engineproto.Protocol), max: 1 << 30}

	go func() {
		io.Copy(stdin, line) //nolint:errcheck // the helper stops reading
		stdin.Close()
	}()

	answered := make(chan string, 1)

	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		answered <- l
	}()

	select {
	case l := <-answered:
		var m struct {
			Done bool `json:"done"`
			Err  struct {
				Code    repo.Code `json:"code"`
				Message string    `json:"message"`
			} `json:"err"`
		}

		if err := json.Unmarshal([]byte(l), &m); err != nil || !m.Done || m.Err.Code != repo.CodeEngine || !strings.Contains(m.Err.Message, "larger than 1024 KiB") {
			t.Fatalf("the answer to a GiB request: %q %v", l, err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill() //nolint:errcheck
		t.Fatal("no answer to a GiB request in 30 seconds")
	}

	cmd.Wait() //nolint:errcheck

	if line.sent > 64<<20 {
		t.Errorf("the helper read %d MiB of the request", line.sent>>20)
	}

	if kib, ok := peakKiB(cmd.ProcessState); ok && kib > 200<<10 {
		t.Errorf("the helper grew to %d MiB", kib>>10)
	}
}

// serveLine runs one request line through Serve and decodes its answer.
func serveLine(t *testing.T, line []byte) error {
	t.Helper()

	// The input stays open until the answer is in: its end would cancel.
	in, w := io.Pipe()
	defer w.Close()

	go w.Write(append(line, '\n')) //nolint:errcheck // read whole, or refused

	var out strings.Builder
	if err := engineproto.Serve(context.Background(), eng, in, &out); err != nil {
		t.Fatal(err)
	}

	return engineproto.DecodeAnswer(t, out.String())
}

// TestRequestBoundsAreNumbers: a request of exactly 1 MiB with strings of
// exactly 64 KiB is served; a byte more of either is refused, on both
// sides of the pipe, naming the field but never its value.
func TestRequestBoundsAreNumbers(t *testing.T) {
	folder := repo.Filesystem{Path: t.TempDir()}

	request := func(key string, known []string) []byte {
		line, err := json.Marshal(map[string]any{
			"protocol": engineproto.Protocol, "op": "check",
			"settings": map[string]any{"filesystem": folder},
			"secrets":  map[string]any{"S3": map[string]any{"SecretAccessKey": key}},
			"known":    known,
		})
		if err != nil {
			t.Fatal(err)
		}

		return line
	}

	// Strings at the field bound: served.
	if err := serveLine(t, request(strings.Repeat("k", promisedField), nil)); err != nil {
		t.Fatalf("a key of 64 KiB: %v", err)
	}

	// A string one byte over: refused, named by its place.
	err := serveLine(t, request(strings.Repeat("k", promisedField+1), nil))
	if repo.CodeOf(err) != repo.CodeEngine || !strings.Contains(err.Error(), "Secrets.S3.SecretAccessKey") || strings.Contains(err.Error(), "kkkk") {
		t.Fatalf("a key of 64 KiB and a byte: %v", err)
	}

	// The whole request at the bound, padded with words of 64 KiB at most.
	pad := func(size int) []byte {
		var known []string

		for {
			line := request("", known)
			missing := size - len(line)

			switch {
			case missing == 0:
				return line
			case missing < 0:
				t.Fatalf("cannot pad a request to %d bytes", size)
			case len(known) > 0 && len(known[len(known)-1]) < promisedField:
				last := &known[len(known)-1]
				*last += strings.Repeat("w", min(missing, promisedField-len(*last)))
			default:
				known = append(known, "")
			}
		}
	}

	if err := serveLine(t, pad(promisedRequest)); err != nil {
		t.Fatalf("a request of 1 MiB: %v", err)
	}

	if err := serveLine(t, pad(promisedRequest+1)); repo.CodeOf(err) != repo.CodeEngine || !strings.Contains(err.Error(), "1024 KiB") {
		t.Fatalf("a request of 1 MiB and a byte: %v", err)
	}

	// The app's side refuses it before starting a helper.
	c := engineproto.NewClient(filepath.Join(t.TempDir(), "no-helper-here"))

	_, err = c.Check(context.Background(), folder, repo.S3Secrets{SecretAccessKey: strings.Repeat("k", promisedField+1)}, repo.CheckRead)
	if repo.CodeOf(err) != repo.CodeEngine || !strings.Contains(err.Error(), "64 KiB") {
		t.Fatalf("the client sent a key over the bound: %v", err)
	}
}

// TestCrashedHelperShowsNoSecret: a helper that dies printing its request,
// decoded and raw, for every kind of secret. The error's sentence and
// details hold the panic's first line and not one secret, in any form.
func TestCrashedHelperShowsNoSecret(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "panicking")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/panicking").CombinedOutput(); err != nil {
		t.Fatalf("building the panicking helper: %v\n%s", err, out)
	}

	c := engineproto.NewClient(bin)
	secrets := repo.Secrets{
		Passphrase: `pass "word" with $HOME, !bang, back\slash and ünïcode`,
		S3:         repo.S3Secrets{SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYsecret", SessionToken: `tok"en\with/quotes+and=signs`},
	}
	newPass := "the new one, also 'secret' & <odd>"
	local := repotest.LocalIn(t.TempDir())
	s3 := repo.S3Compatible{S3: repo.S3{Bucket: "b", Credentials: repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: "AKIA"}}, Endpoint: "127.0.0.1:1"}
	ctx := context.Background()

	ops := map[string]func() error{
		"check":      func() error { _, err := c.Check(ctx, s3, secrets.S3, repo.CheckWrite); return err },
		"initialize": func() error { _, err := c.Initialize(ctx, s3, secrets, local); return err },
		"reopen":     func() error { _, err := c.Reopen(ctx, local, secrets); return err },
		"change": func() error {
			_, err := c.ChangePassphrase(ctx, local, secrets, repo.PassphraseChange{New: newPass})
			return err
		},
		"strength": func() error { _, err := c.PassphraseStrength(ctx, secrets.Passphrase); return err },
	}

	all := []string{secrets.Passphrase, secrets.S3.SecretAccessKey, secrets.S3.SessionToken, newPass}

	for name, op := range ops {
		err := op()

		var re *repo.Error
		if !errors.As(err, &re) || re.Code != repo.CodeEngine {
			t.Fatalf("%s: %v", name, err)
		}

		text := re.Error() + "\n" + re.Details()
		if !strings.Contains(text, "the request:") || !strings.Contains(text, "[secret removed]") {
			t.Fatalf("%s: what the helper printed is not in the details, so this test proves nothing: %q", name, text)
		}

		for _, s := range all {
			js, _ := json.Marshal(s)
			for _, form := range []string{s, string(js[1 : len(js)-1]), hex.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString([]byte(s))} {
				if strings.Contains(text, form) {
					t.Errorf("%s: a secret is in what the user sees: %q", name, text)
				}
			}
		}
	}
}

// TestEmptyConnectionPathIsSaid: every operation on a connection handed no
// connection file says so in a sentence, over both engines, and writes
// nothing.
func TestEmptyConnectionPathIsSaid(t *testing.T) {
	ctx := context.Background()
	folder := repo.Filesystem{Path: filepath.Join(t.TempDir(), "repo")}
	sec := repo.Secrets{Passphrase: repotest.Passphrase}

	for name, e := range repotest.Engines(t) {
		ops := map[string]func() error{
			"initialize": func() error { _, err := e.Initialize(ctx, folder, sec, repo.Local{}); return err },
			"connect":    func() error { _, err := e.Connect(ctx, folder, sec, repo.Local{}); return err },
			"finish":     func() error { _, err := e.Finish(ctx, folder, sec, repo.Local{}); return err },
			"reopen":     func() error { _, err := e.Reopen(ctx, repo.Local{}, sec); return err },
			"apply":      func() error { _, err := e.ApplyCorsoSettings(ctx, repo.Local{}, sec); return err },
			"contents":   func() error { _, err := e.Contents(ctx, repo.Local{}, sec); return err },
			"details": func() error {
				_, err := e.Details(ctx, repo.Local{}, sec, repo.DetailsRequest{BackupID: "b"})
				return err
			},
			"maintain": func() error {
				_, err := e.Maintain(ctx, repo.Local{}, sec, repo.MaintenanceRequest{Mode: repo.MaintenanceMetadata})
				return err
			},
			"change": func() error {
				_, err := e.ChangePassphrase(ctx, repo.Local{}, sec, repo.PassphraseChange{New: "another passphrase 12"})
				return err
			},
		}

		for op, run := range ops {
			err := run()
			if repo.CodeOf(err) != repo.CodeNotConnected || !strings.Contains(err.Error(), "No connection file") {
				t.Errorf("%s %s with no connection file: %v", name, op, err)
			}
		}

		if _, err := os.Stat(folder.Path); err == nil {
			t.Fatalf("%s: an operation without a connection file made the repository's folder", name)
		}
	}
}
