package engineproto

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
)

// Serve runs one request read from in on eng and writes progress and the
// result to out as JSON lines: the helper process's whole job. in reaching
// its end (the app closing the pipe, or quitting) before the operation
// ends cancels it; the result then says so.
func Serve(ctx context.Context, eng repo.Engine, in io.Reader, out io.Writer) error {
	br := bufio.NewReaderSize(in, 64<<10)

	var mu sync.Mutex
	enc := json.NewEncoder(out)
	send := func(m engineMessage) error {
		mu.Lock()
		defer mu.Unlock()

		return enc.Encode(m)
	}

	// Readied while the request is awaited: a prepared helper does it while
	// the person finishes a form; one started for a request at once pays
	// the page faults here instead of inside the derivation. Finished
	// before the operation starts, not beside it, so that no collection is
	// forced under it; beside the reading, so that a prepare line is acted
	// on at once.
	warmed := make(chan struct{})

	go func() {
		defer close(warmed)
		warmForDerivation()
	}()

	req, err := readRequest(br)
	for err == nil && req.Op == opPrepare {
		// Lines before the request say where it will go: the engine
		// opens its connections meanwhile.
		prepare(eng, req)
		req, err = readRequest(br)
	}

	<-warmed

	if errors.Is(err, io.EOF) {
		return nil // a prepared engine the app did not need
	}

	if err != nil {
		// Refused whole (too large, or not a request): said, nothing done.
		return send(infoMessage(nil, err))
	}

	if req.Op == opDetailsSession {
		return serveSession(ctx, eng, req, br, func(m any) error {
			mu.Lock()
			defer mu.Unlock()

			return enc.Encode(m)
		})
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	go func() {
		// Nothing more is sent after the request: any read result means
		// the app closed the pipe.
		drain(br)
		cancel()
	}()

	ctx = repo.WithProgress(ctx, func(s repo.Step) { send(engineMessage{Progress: s}) }) //nolint:errcheck
	ctx = repo.WithCounts(ctx, countSender(send))
	ctx = repo.WithItemParts(ctx, partSender(send))
	ctx = repo.WithContentsAhead(ctx, func(c repo.Contents) { send(engineMessage{ContentsAhead: &c}) }) //nolint:errcheck // a closed pipe cancels the operation
	ctx = repo.WithStorageAhead(ctx, func(u repo.StorageUse) { send(engineMessage{StorageAhead: &u}) }) //nolint:errcheck // as above

	if req.Checked != nil {
		ctx = repo.WithCheck(ctx, req.Checked.decode())
	}

	// Clean-up the answer does not wait for (a probe's removal, an S3
	// lock's release) runs after it is sent; the helper exits after it.
	ctx, settle := repo.WithAfterAnswer(ctx)

	m := runEngineRequest(ctx, eng, req)
	for _, part := range detailsParts(&m) {
		if err := send(part); err != nil {
			settle()
			return err
		}
	}

	err = send(m)
	settle()

	return err
}

func runEngineRequest(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	handle, ok := handlers[req.Op]
	if req.Protocol != Protocol || !ok {
		return infoMessage(nil, engineMismatch(req.Protocol))
	}

	return handle(ctx, eng, req)
}

// countInterval spaces counts on the wire: a progress bar needs a few a
// second, not one per pack.
const countInterval = 250 * time.Millisecond

// countSender sends counts, at most one per countInterval but always the
// last.
func countSender(send func(engineMessage) error) func(repo.Step, repo.Count) {
	var (
		mu   sync.Mutex
		last time.Time
	)

	return func(s repo.Step, c repo.Count) {
		mu.Lock()
		defer mu.Unlock()

		if c.Done < c.Total && time.Since(last) < countInterval {
			return
		}

		last = time.Now()
		send(engineMessage{Progress: s, Count: &c}) //nolint:errcheck
	}
}

// opPrepare is a line ahead of the request naming where it will go.
const opPrepare = "prepare"

// prepare passes a prepare line to the engine; one from another version,
// or that names no place it can read, prepares nothing.
func prepare(eng repo.Engine, req engineRequest) {
	if req.Protocol != Protocol || req.Settings == nil {
		return
	}

	s, err := req.Settings.decode()
	if err != nil {
		return
	}

	eng.Prepare(repo.Upcoming{Settings: s, Region: req.Region, Local: req.Local})
}
