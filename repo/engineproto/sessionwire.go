package engineproto

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/corsodesktop/corso-desktop/repo"
)

// A details session (repo.DetailsSession) keeps its helper process: the
// request opdetailsSession opens it, the helper answers once, then reads
// calls, one JSON line each, and answers each with a line carrying the
// call's ID, in whatever order they finish. A "cancel" call cancels
// another by ID; stdin closing ends the session and the process.

const opDetailsSession = "detailsSession"

// The calls a session takes.
const (
	callStatus  = "status"
	callSearch  = "search"
	callShown   = "shown"
	callPick    = "pick"
	callFlags   = "flags"
	callCompare = "compare"
	callChanges = "changes"
	callCancel  = "cancel"
	callStop    = "stop"
)

type sessionCall struct {
	ID      int                  `json:"id"`
	Call    string               `json:"call"`
	From    int                  `json:"from,omitempty"`
	N       int                  `json:"n,omitempty"`
	Search  int                  `json:"search,omitempty"`
	Query   *repo.ItemsQuery     `json:"query,omitempty"`
	Pick    *repo.PickRequest    `json:"pick,omitempty"`
	Verb    string               `json:"verb,omitempty"`
	Compare *repo.CompareRequest `json:"compare,omitempty"`
	Change  repo.DetailsChange   `json:"change,omitempty"`
}

type sessionAnswer struct {
	ID      int                 `json:"id"`
	Status  *statusWire         `json:"status,omitempty"`
	Found   *repo.ItemsFound    `json:"found,omitempty"`
	Rows    []repo.ShownItem    `json:"rows,omitempty"`
	Picked  *repo.Picked        `json:"picked,omitempty"`
	Flags   *repo.SelectedFlags `json:"flags,omitempty"`
	Counts  *repo.ChangeCounts  `json:"counts,omitempty"`
	Changes []repo.ItemChange   `json:"changes,omitempty"`
	Err     *errorWire          `json:"err,omitempty"`
}

// statusWire is a DetailsStatus whose Err survives JSON.
type statusWire struct {
	repo.DetailsStatus
	ReadErr *errorWire `json:"readErr,omitempty"`
}

// serveSession opens the session req asks for, answers, and then serves
// its calls until in ends.
func serveSession(ctx context.Context, eng repo.Engine, req engineRequest, br *bufio.Reader, send func(any) error) error {
	if req.Protocol != Protocol {
		return send(infoMessage(nil, engineMismatch(req.Protocol)))
	}

	if req.Details == nil {
		return send(engineMessage{Done: true, Err: encodeError(repo.InvalidField("backup", "Choose a backup to look inside."))})
	}

	s, err := eng.OpenDetails(ctx, req.Local, req.Secrets, *req.Details)
	if err != nil {
		return send(engineMessage{Done: true, Err: encodeError(err)})
	}
	defer s.Close() //nolint:errcheck

	if err := send(engineMessage{Done: true, Session: true}); err != nil {
		return err
	}

	var (
		mu      sync.Mutex
		running = map[int]context.CancelFunc{}
		calls   sync.WaitGroup
	)

	defer calls.Wait()

	ctx, cancelAll := context.WithCancel(ctx)
	defer cancelAll()

	for {
		line, err := readLine(br, maxRequest)
		if errors.Is(err, io.EOF) {
			return nil // the app closed the session
		}

		if err != nil {
			return err
		}

		var c sessionCall
		if err := json.Unmarshal(line, &c); err != nil {
			return send(sessionAnswer{ID: c.ID, Err: encodeError(engineError(err))})
		}

		if c.Call == callCancel {
			mu.Lock()
			if cancel := running[c.ID]; cancel != nil {
				cancel()
			}
			mu.Unlock()

			continue
		}

		callCtx, cancel := context.WithCancel(ctx)

		mu.Lock()
		running[c.ID] = cancel
		mu.Unlock()

		calls.Add(1)

		go func() {
			defer calls.Done()

			a := answerCall(callCtx, s, c)

			mu.Lock()
			delete(running, c.ID)
			mu.Unlock()
			cancel()

			send(a) //nolint:errcheck // a broken pipe ends the loop's read too
		}()
	}
}

// answerCall runs one call on s.
func answerCall(ctx context.Context, s repo.DetailsSession, c sessionCall) sessionAnswer {
	a := sessionAnswer{ID: c.ID}

	var err error

	switch c.Call {
	case callStatus:
		var st *repo.DetailsStatus
		if st, err = s.Status(ctx, c.From); st != nil {
			a.Status = &statusWire{DetailsStatus: *st, ReadErr: encodeError(st.Err)}
		}
	case callSearch:
		if c.Query == nil {
			c.Query = &repo.ItemsQuery{}
		}

		a.Found, err = s.Search(ctx, *c.Query)
	case callShown:
		a.Rows, err = s.Shown(ctx, c.Search, c.From, c.N)
	case callPick:
		if c.Pick == nil {
			c.Pick = &repo.PickRequest{}
		}

		a.Picked, err = s.Pick(ctx, *c.Pick)
	case callFlags:
		a.Flags, err = s.SelectionFlags(ctx, c.Verb)
	case callCompare:
		if c.Compare == nil {
			c.Compare = &repo.CompareRequest{}
		}

		a.Counts, err = s.Compare(ctx, *c.Compare)
	case callChanges:
		a.Changes, err = s.Changes(ctx, c.Change, c.From, c.N)
	case callStop:
		err = s.StopReading(ctx)
	default:
		// A call this engine does not know comes from another release.
		err = repo.NewError(repo.CodeEngine, fmt.Errorf("session call %q unknown at engine protocol %d", c.Call, Protocol), "%s", engineMismatch(Protocol).Error())
	}

	a.Err = encodeError(err)

	return a
}
