package engineproto

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
)

// HelperName is the helper program that runs the engine for the app; it
// is installed next to the app's own executable.
const HelperName = "corso-desktop-engine"

// cancelGrace is how long a cancelled engine gets to say so and exit
// before it is killed; a kill at any point leaves a location that the next
// check names correctly.
const cancelGrace = 5 * time.Second

// maxEngineMessage bounds one line from the engine: the largest answer is
// a repository's contents, about 500 bytes a backup (5 MB for 10,000
// backups, which 4 MiB once refused), so a line longer than 100,000
// backups' is a broken engine, not an answer to buffer.
const maxEngineMessage = 64 << 20

var _ repo.Engine = (*Client)(nil)

// Client runs operations in the engine helper at path, each in a
// process of its own.
type Client struct {
	path string
	// idle is how long a prepared process waits (spareIdle).
	idle time.Duration

	mu    sync.Mutex
	spare *engineProcess
	// finishing counts helpers that answered and are still finishing their
	// clean-up, to be reaped when they exit.
	finishing sync.WaitGroup
}

// engineProcess is a started engine waiting for its one request.
type engineProcess struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	stderr *stderrHead
	expire *time.Timer
	// prepared is the prepare line last sent (connections opened ahead
	// to a store), nil when none was.
	prepared []byte
	// followUp, when set, is prepared for once this process is taken.
	followUp *repo.Upcoming
}

func NewClient(path string) *Client { return &Client{path: path, idle: spareIdle} }

func (c *Client) start() (*engineProcess, error) {
	cmd := exec.Command(c.path)
	hideWindow(cmd)
	// Once the engine has exited, its output is not waited for longer than
	// this, even if something it started still holds the pipes.
	cmd.WaitDelay = 2 * time.Second

	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}

	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}

	p := &engineProcess{cmd: cmd, stdin: stdin, stdout: stdout, stderr: &stderrHead{}}
	cmd.Stderr = p.stderr

	if err := cmd.Start(); err != nil {
		return nil, err
	}

	return p, nil
}

// Problem says why the helper cannot run, or nil.
func (c *Client) Problem() error {
	if _, err := os.Stat(c.path); err != nil {
		return repo.NewError(repo.CodeEngine, err, "Corso Desktop's engine (%s) is missing from %s, so nothing can be checked, created or connected. Reinstall Corso Desktop, keeping its files together.", filepath.Base(c.path), filepath.Dir(c.path))
	}

	return nil
}

// encodeRequest is req as the line the helper reads, refused as the
// helper would refuse it when it is over the request's bounds.
func encodeRequest(req engineRequest) ([]byte, error) {
	req.Protocol = Protocol

	if field := oversizedField(reflect.ValueOf(req), "request"); field != "" {
		return nil, repo.NewError(repo.CodeEngine, nil, "A value for Corso Desktop's engine was longer than %d KiB (%s), so nothing was done. A passphrase, key or path that long cannot be right: check what was pasted.", maxField>>10, field)
	}

	line, err := json.Marshal(req)
	if err != nil {
		return nil, engineError(err)
	}

	if len(line) > maxRequest {
		return nil, errRequestTooLarge()
	}

	return append(line, '\n'), nil
}

// send starts the operation: the request goes in whole, and stdin then
// stays open until the result is in (closing it earlier cancels). A
// prepared process that has died since is replaced once by a new one.
func (c *Client) send(line []byte, secrets []string, op string) (*engineProcess, error) {
	p, prepared, err := c.take(op)
	if err != nil {
		return nil, err
	}

	p.stderr.secrets = secrets

	if err = p.write(line); err == nil || !prepared {
		return p, err
	}

	if p, err = c.start(); err != nil {
		return nil, err
	}

	p.stderr.secrets = secrets

	return p, p.write(line)
}

// write sends the request; when that fails the engine has usually died
// already, and what it said is the detail.
func (p *engineProcess) write(line []byte) error {
	_, err := p.stdin.Write(line)
	if err == nil {
		return nil
	}

	p.cmd.Process.Kill() //nolint:errcheck
	waitErr := p.cmd.Wait()

	return fmt.Errorf("%w (%v) %s", err, waitErr, p.stderr.String())
}

// call runs req in a new engine process, passes its progress to ctx's
// progress reporter, and returns its result.
func (c *Client) call(ctx context.Context, req engineRequest) (engineMessage, error) {
	if err := ctx.Err(); err != nil {
		return engineMessage{}, repo.CanceledError(err)
	}

	req.Checked = encodeReport(repo.CheckFrom(ctx))

	line, err := encodeRequest(req)
	if err != nil {
		return engineMessage{}, err
	}

	if err := c.Problem(); err != nil {
		return engineMessage{}, err
	}

	proc, err := c.send(line, secretsOf(req), req.Op)
	if err != nil {
		return engineMessage{}, engineError(err)
	}

	// Cancelling closes stdin, which the engine takes as its cancel; one
	// that has not answered within cancelGrace is killed, so Cancel ends
	// the wait even with an engine that misbehaves.
	type answer struct {
		m   engineMessage
		err error
	}

	answers := make(chan answer, 1)

	go func() {
		m, err := readEngine(ctx, proc.stdout)
		answers <- answer{m, err}
	}()

	var res answer

	select {
	case res = <-answers:
	case <-ctx.Done():
		proc.stdin.Close() //nolint:errcheck

		select {
		case res = <-answers:
		case <-time.After(cancelGrace):
			proc.cmd.Process.Kill() //nolint:errcheck
			res = <-answers
		}
	}

	proc.stdin.Close() //nolint:errcheck

	if res.err == nil {
		// Answered: the helper may still be finishing clean-up that came
		// after its answer (repo.AfterAnswer); it is reaped when it exits.
		c.finishing.Add(1)

		go func() {
			defer c.finishing.Done()
			proc.cmd.Wait() //nolint:errcheck
		}()

		return res.m, nil
	}

	// A reader that gave up early leaves the engine writing: stop it.
	proc.cmd.Process.Kill() //nolint:errcheck

	waitErr := proc.cmd.Wait()

	if res.err != nil {
		if ctx.Err() != nil {
			return engineMessage{}, repo.CanceledError(ctx.Err())
		}

		readErr := res.err
		if waitErr != nil {
			readErr = fmt.Errorf("%w (%v) %s", readErr, waitErr, proc.stderr.String())
		}

		return engineMessage{}, engineError(readErr)
	}

	return res.m, nil
}

var errEngineMessageTooLarge = errors.New("the engine sent a message larger than any answer")

// readEngine reads progress lines until the result: one JSON message per
// line, each at most maxEngineMessage bytes.
func readEngine(ctx context.Context, r io.Reader) (engineMessage, error) {
	br := bufio.NewReaderSize(r, 64<<10)

	var parts detailsJoiner

	receive := repo.ItemParts(ctx)

	for {
		line, err := readLine(br, maxEngineMessage)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}

			return engineMessage{}, err
		}

		var m engineMessage
		if err := json.Unmarshal(line, &m); err != nil {
			return engineMessage{}, err
		}

		if m.Done {
			parts.finish(m.Details)
			return m, nil
		}

		if m.ContentsAhead != nil {
			if ahead := repo.ContentsAhead(ctx); ahead != nil {
				ahead(*m.ContentsAhead)
			}

			continue
		}

		if m.StorageAhead != nil {
			if ahead := repo.StorageAhead(ctx); ahead != nil {
				ahead(*m.StorageAhead)
			}

			continue
		}

		switch {
		case m.DetailsPart != nil && receive != nil:
			receive(m.DetailsPart)
			continue
		case m.DetailsPart != nil:
			parts.add(m.DetailsPart)
			continue
		}

		switch {
		case m.Count != nil:
			repo.Counted(ctx, m.Progress, m.Count.Done, m.Count.Total)
		case m.Progress != "":
			repo.Progress(ctx, m.Progress)
		}
	}
}

// readLine reads up to and without the next newline, refusing a line
// longer than limit without reading the rest of it.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte

	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > limit+1 {
			return nil, errEngineMessageTooLarge
		}

		line = append(line, chunk...)

		switch {
		case err == nil:
			return bytes.TrimSuffix(line, []byte("\n")), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(bytes.TrimSpace(line)) > 0:
			return line, nil
		default:
			return nil, err
		}
	}
}

// stderrHead keeps the start of what an engine wrote to stderr, for an
// error's details: a crashed engine's first line is its panic message, and
// the goroutine dump after it is cut, as no stack trace goes in a dialog.
// Every secret of the request is removed from it first: a helper that
// dies printing its request must not put a key in a dialog.
type stderrHead struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	secrets []string
}

// stderrMax is what details show; stderrKept what is kept to redact, so
// that a secret running past the cut is still whole when it is removed
// (a field is at most maxField bytes, six times that JSON-escaped).
const (
	stderrMax  = 2 << 10
	stderrKept = stderrMax + 6*maxField
)

func (h *stderrHead) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()

	if room := stderrKept - h.buf.Len(); room > 0 {
		h.buf.Write(p[:min(len(p), room)])
	}

	return len(p), nil
}

func (h *stderrHead) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()

	s := redact(h.buf.String(), h.secrets)
	s, _, _ = strings.Cut(s, "\ngoroutine ")

	if len(s) > stderrMax {
		s = strings.ToValidUTF8(s[:stderrMax], "") + "…"
	}

	return strings.TrimSpace(s)
}
