// The prepared engine process: started, and its connections opened,
// ahead of the operation that takes it.

package engineproto

import (
	"bytes"
	"os"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
)

// spareIdle is how long a prepared engine process waits for an operation
// before it is stopped: while it waits it holds about 100 MiB (warm.go).
const spareIdle = 60 * time.Second

// Prepare starts an engine process ahead of the next operation, so its
// start-up (about 0.1 s: the runtime and its packages' initialisation)
// overlaps with the user filling in a form instead of adding to the
// operation; when next names a store, the process opens its connections
// to it too (a prepare line ahead of the request). The UI calls it when
// an operation is likely to follow. One process at most waits; unused,
// it is stopped after c.idle.
//
// A connected repository picked in the list (or whose passphrase was
// asked for) is opened and its contents are then read, each operation in
// a process of its own: an open that takes the process prepared for the
// repository leaves another prepared for it, which starts and opens its
// connections while the open runs.
func (c *Client) Prepare(next repo.Upcoming) {
	c.prepare(next, followUpOf(next), false)
}

// followUpOf is what a process prepared for next leaves prepared when an
// open takes it: the same connected repository, once.
func followUpOf(next repo.Upcoming) *repo.Upcoming {
	if next.Settings == nil || next.Local == (repo.Local{}) {
		return nil
	}

	return &next
}

// prepare is Prepare; a process already waiting is prepared for next
// unless keep (a follow-up leaves one the app prepared meanwhile alone).
func (c *Client) prepare(next repo.Upcoming, followUp *repo.Upcoming, keep bool) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.spare != nil && keep {
		return
	}

	if c.spare != nil {
		c.spare.expire.Reset(c.idle)
		c.spare.prepareFor(next)
		c.spare.followUp = followUp

		return
	}

	if _, err := os.Stat(c.path); err != nil {
		return // the operation itself will say so
	}

	p, err := c.start()
	if err != nil {
		return
	}

	p.expire = time.AfterFunc(c.idle, func() {
		c.mu.Lock()
		if c.spare == p {
			c.spare = nil
		}
		c.mu.Unlock()

		p.stdin.Close() //nolint:errcheck // an engine without a request exits
		p.cmd.Wait()    //nolint:errcheck
	})
	p.prepareFor(next)
	p.followUp = followUp
	c.spare = p
}

// prepareFor tells a waiting process where the next operation goes, once
// per place. The line holds no secret. A process that can no longer read
// it has died, and the request then starts another (send).
func (p *engineProcess) prepareFor(next repo.Upcoming) {
	if next.Settings == nil {
		return
	}

	line, err := encodeRequest(engineRequest{Op: opPrepare, Settings: encodeSettings(next.Settings), Region: next.Region, Local: next.Local})
	if err != nil || bytes.Equal(line, p.prepared) {
		return
	}

	if _, err := p.stdin.Write(line); err == nil {
		p.prepared = line
	}
}

// take returns the prepared process if there is one (prepared true),
// else starts one, for the operation op. An operation that needs no
// store (the rating) leaves a process that has opened connections to one
// for the operation that does.
func (c *Client) take(op string) (p *engineProcess, prepared bool, err error) {
	storeFree := op == opStrength

	c.mu.Lock()
	p = c.spare
	if p != nil && storeFree && p.prepared != nil {
		p = nil
	} else {
		c.spare = nil
	}
	c.mu.Unlock()

	// Stop fails when the idle timer has already fired: that process is
	// being stopped.
	if p != nil && p.expire.Stop() {
		if next := p.followUp; next != nil && (op == opReopen || op == opConnect) {
			go c.prepare(*next, nil, true) // for the contents' read that follows
		}

		return p, true, nil
	}

	p, err = c.start()

	return p, false, err
}
