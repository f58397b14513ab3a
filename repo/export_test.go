package repo

import (
	"context"
	"io"
	"os/exec"
	"time"
)

// NewEngineClient is the client release builds use, for a helper at path.
func NewEngineClient(path string) *engineClient { return newEngineClient(path) }

// The AWS shared files AWSProfiles reads when no variable names them.
var (
	SharedConfigFile      = sharedConfigFile
	SharedCredentialsFile = sharedCredentialsFile
)

// Spare is the prepared engine process, or nil.
func (c *engineClient) Spare() *exec.Cmd {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.spare == nil {
		return nil
	}

	return c.spare.cmd
}

// SetIdle shortens how long a prepared process waits.
func (c *engineClient) SetIdle(d time.Duration) { c.idle = d }

// Problem says why the helper cannot run, or nil.
func (c *engineClient) Problem() error { return c.problem() }

// EngineClientForTest is the helper-process client.
type EngineClientForTest = engineClient

// ReadEngine is the client's reader of the engine's messages.
func ReadEngine(r io.Reader) error {
	_, err := readEngine(context.Background(), r)
	return err
}

// MaxEngineMessage bounds one message from the engine.
const MaxEngineMessage = maxEngineMessage

// ClassifyTransport is the classifier of network and TLS failures.
func ClassifyTransport(err error, location string) error {
	if e := classifyTransport(err, location); e != nil {
		return e
	}

	return nil
}
