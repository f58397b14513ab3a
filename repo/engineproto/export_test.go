package engineproto

import (
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
)

// NewEngineClient is the client release builds use, for a helper at path.
func NewEngineClient(path string) *Client { return NewClient(path) }

// Spare is the prepared engine process, or nil.
func (c *Client) Spare() *exec.Cmd {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.spare == nil {
		return nil
	}

	return c.spare.cmd
}

// WaitFinished waits for helpers that answered to exit.
func (c *Client) WaitFinished() { c.finishing.Wait() }

// SetIdle shortens how long a prepared process waits.
func (c *Client) SetIdle(d time.Duration) { c.idle = d }

// ReadEngine is the client's reader of the engine's messages.
func ReadEngine(r io.Reader) error {
	_, err := readEngine(context.Background(), r)
	return err
}

// DecodeAnswer decodes the result line of what Serve wrote.
func DecodeAnswer(t testing.TB, out string) error {
	t.Helper()

	lines := strings.Split(strings.TrimSpace(out), "\n")

	var m engineMessage
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil || !m.Done {
		t.Fatalf("not an answer: %q (%v)", out, err)
	}

	return m.Err.decode()
}

// FollowUp prepares for next as an open's follow-up does.
func (c *Client) FollowUp(next repo.Upcoming) { c.prepare(next, nil, true) }

// SparePreparedFor is the prepare line the waiting process was sent last.
func (c *Client) SparePreparedFor() string {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.spare == nil {
		return ""
	}

	return string(c.spare.prepared)
}
