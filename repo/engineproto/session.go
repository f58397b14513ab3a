package engineproto

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
)

// OpenDetails starts a helper process that reads the backup's items and
// keeps them for the session's calls (sessionwire.go); the window holds
// none of them.
func (c *Client) OpenDetails(ctx context.Context, local repo.Local, secrets repo.Secrets, req repo.DetailsRequest) (repo.DetailsSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, repo.CanceledError(err)
	}

	ereq := engineRequest{Op: opDetailsSession, Local: local, Secrets: secrets, Details: &req}

	line, err := encodeRequest(ereq)
	if err != nil {
		return nil, err
	}

	if err := c.Problem(); err != nil {
		return nil, err
	}

	proc, err := c.send(line, secretsOf(ereq), ereq.Op)
	if err != nil {
		return nil, engineError(err)
	}

	s := &remoteSession{proc: proc, out: bufio.NewReaderSize(proc.stdout, 64<<10), pending: map[int]chan sessionAnswer{}, ended: make(chan struct{})}

	opened := make(chan error, 1)

	go func() {
		opened <- s.readOpened()
	}()

	select {
	case err = <-opened:
	case <-ctx.Done():
		s.kill()
		<-opened

		return nil, repo.CanceledError(ctx.Err())
	}

	if err != nil {
		s.kill()
		return nil, err
	}

	go s.readAnswers()

	return s, nil
}

// remoteSession is a repo.DetailsSession whose items are in a helper.
type remoteSession struct {
	proc *engineProcess
	out  *bufio.Reader

	writeMu sync.Mutex

	mu      sync.Mutex
	nextID  int
	pending map[int]chan sessionAnswer
	// broken is why the helper no longer answers, once it does not.
	broken error
	ended  chan struct{}
	closed bool
}

// readOpened reads the helper's first answer: the session is open, or
// why not.
func (s *remoteSession) readOpened() error {
	line, err := readLine(s.out, maxEngineMessage)
	if err != nil {
		return engineError(fmt.Errorf("%w %s", err, s.proc.stderr.String()))
	}

	var m engineMessage
	if err := json.Unmarshal(line, &m); err != nil {
		return engineError(err)
	}

	if err := m.Err.decode(); err != nil {
		return err
	}

	if !m.Session {
		return engineError(errors.New("the engine did not open the session"))
	}

	return nil
}

// readAnswers hands each answer to its call until the helper ends.
func (s *remoteSession) readAnswers() {
	defer close(s.ended)

	for {
		line, err := readLine(s.out, maxEngineMessage)
		if err == nil {
			var a sessionAnswer
			if err = json.Unmarshal(line, &a); err == nil {
				s.deliver(a)
				continue
			}
		}

		s.mu.Lock()
		s.broken = engineError(fmt.Errorf("%w %s", err, s.proc.stderr.String()))

		for id, ch := range s.pending {
			close(ch)
			delete(s.pending, id)
		}
		s.mu.Unlock()

		return
	}
}

func (s *remoteSession) deliver(a sessionAnswer) {
	s.mu.Lock()
	ch := s.pending[a.ID]
	delete(s.pending, a.ID)
	s.mu.Unlock()

	if ch != nil {
		ch <- a
	}
}

func (s *remoteSession) write(c sessionCall) error {
	line, err := json.Marshal(c)
	if err != nil {
		return engineError(err)
	}

	s.writeMu.Lock()
	defer s.writeMu.Unlock()

	if _, err := s.proc.stdin.Write(append(line, '\n')); err != nil {
		return engineError(err)
	}

	return nil
}

// call sends c and waits for its answer; ctx ending cancels it in the
// helper and returns at once.
func (s *remoteSession) call(ctx context.Context, c sessionCall) (sessionAnswer, error) {
	if err := ctx.Err(); err != nil {
		return sessionAnswer{}, repo.CanceledError(err)
	}

	ch := make(chan sessionAnswer, 1)

	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return sessionAnswer{}, repo.NewError(repo.CodeCanceled, context.Canceled, "The items of this backup were closed.")
	case s.broken != nil:
		err := s.broken
		s.mu.Unlock()

		return sessionAnswer{}, err
	}

	s.nextID++
	c.ID = s.nextID
	s.pending[c.ID] = ch
	s.mu.Unlock()

	if err := s.write(c); err != nil {
		s.forget(c.ID)
		return sessionAnswer{}, err
	}

	select {
	case a, ok := <-ch:
		if !ok {
			s.mu.Lock()
			defer s.mu.Unlock()

			return sessionAnswer{}, s.broken
		}

		return a, a.Err.decode()
	case <-ctx.Done():
		s.forget(c.ID)
		s.write(sessionCall{ID: c.ID, Call: callCancel}) //nolint:errcheck // a helper gone needs no cancel

		return sessionAnswer{}, repo.CanceledError(ctx.Err())
	}
}

func (s *remoteSession) forget(id int) {
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
}

func (s *remoteSession) Status(ctx context.Context, fromFolder int) (*repo.DetailsStatus, error) {
	a, err := s.call(ctx, sessionCall{Call: callStatus, From: fromFolder})
	if err != nil {
		return nil, err
	}

	if a.Status == nil {
		return nil, engineError(errors.New("no status in the engine's answer"))
	}

	st := a.Status.DetailsStatus
	st.Err = a.Status.ReadErr.decode()

	return &st, nil
}

func (s *remoteSession) Search(ctx context.Context, q repo.ItemsQuery) (*repo.ItemsFound, error) {
	a, err := s.call(ctx, sessionCall{Call: callSearch, Query: &q})
	if err == nil && a.Found == nil {
		err = engineError(errors.New("no search result in the engine's answer"))
	}

	return a.Found, err
}

func (s *remoteSession) Shown(ctx context.Context, search, from, n int) ([]repo.ShownItem, error) {
	a, err := s.call(ctx, sessionCall{Call: callShown, Search: search, From: from, N: n})
	return a.Rows, err
}

func (s *remoteSession) Pick(ctx context.Context, p repo.PickRequest) (*repo.Picked, error) {
	a, err := s.call(ctx, sessionCall{Call: callPick, Pick: &p})
	if err == nil && a.Picked == nil {
		err = engineError(errors.New("no picks in the engine's answer"))
	}

	return a.Picked, err
}

func (s *remoteSession) SelectionFlags(ctx context.Context, verb string) (*repo.SelectedFlags, error) {
	a, err := s.call(ctx, sessionCall{Call: callFlags, Verb: verb})
	if err == nil && a.Flags == nil {
		err = engineError(errors.New("no flags in the engine's answer"))
	}

	return a.Flags, err
}

func (s *remoteSession) Compare(ctx context.Context, req repo.CompareRequest) (*repo.ChangeCounts, error) {
	a, err := s.call(ctx, sessionCall{Call: callCompare, Compare: &req})
	if err == nil && a.Counts == nil {
		err = engineError(errors.New("no comparison in the engine's answer"))
	}

	return a.Counts, err
}

func (s *remoteSession) Changes(ctx context.Context, change repo.DetailsChange, from, n int) ([]repo.ItemChange, error) {
	a, err := s.call(ctx, sessionCall{Call: callChanges, Change: change, From: from, N: n})
	return a.Changes, err
}

func (s *remoteSession) StopReading(ctx context.Context) error {
	_, err := s.call(ctx, sessionCall{Call: callStop})
	return err
}

// Close ends the session: stdin closing makes the helper stop its reading
// and exit; one that does not within cancelGrace is killed.
func (s *remoteSession) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}

	s.closed = true
	s.mu.Unlock()

	s.proc.stdin.Close() //nolint:errcheck

	select {
	case <-s.ended:
	case <-time.After(cancelGrace):
		s.proc.cmd.Process.Kill() //nolint:errcheck
		<-s.ended
	}

	s.proc.cmd.Wait() //nolint:errcheck

	return nil
}

// kill stops a helper whose session did not open.
func (s *remoteSession) kill() {
	s.proc.cmd.Process.Kill() //nolint:errcheck
	s.proc.cmd.Wait()         //nolint:errcheck
}
