package engineproto

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"

	"github.com/corsodesktop/corso-desktop/repo"
)

// Serve runs one request read from in on eng and writes progress and the
// result to out as JSON lines: the helper process's whole job. in reaching
// its end (the app closing the pipe, or quitting) before the operation
// ends cancels it; the result then says so.
func Serve(ctx context.Context, eng repo.Engine, in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(in)

	var req engineRequest
	if err := dec.Decode(&req); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // a prepared engine the app did not need
		}

		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	go func() {
		// Nothing more is sent after the request: any read result means
		// the app closed the pipe.
		io.Copy(io.Discard, dec.Buffered()) //nolint:errcheck
		io.Copy(io.Discard, in)             //nolint:errcheck
		cancel()
	}()

	var mu sync.Mutex
	enc := json.NewEncoder(out)
	send := func(m engineMessage) error {
		mu.Lock()
		defer mu.Unlock()

		return enc.Encode(m)
	}

	ctx = repo.WithProgress(ctx, func(s repo.Step) { send(engineMessage{Progress: s}) }) //nolint:errcheck

	return send(runEngineRequest(ctx, eng, req))
}

func runEngineRequest(ctx context.Context, eng repo.Engine, req engineRequest) engineMessage {
	done := func(info *repo.Info, err error) engineMessage {
		return engineMessage{Done: true, Info: info, Err: encodeError(err)}
	}

	withSettings := func(run func(repo.Settings) engineMessage) engineMessage {
		s, err := req.Settings.decode()
		if err != nil {
			return done(nil, err)
		}

		return run(s)
	}

	if req.Protocol != engineProtocol {
		return done(nil, engineMismatch(req.Protocol))
	}

	switch req.Op {
	case opCheck:
		return withSettings(func(s repo.Settings) engineMessage {
			rep, err := eng.Check(ctx, s, req.Secrets.S3, req.Mode)
			return engineMessage{Done: true, Report: encodeReport(rep), Err: encodeError(err)}
		})
	case opInitialize:
		return withSettings(func(s repo.Settings) engineMessage { return done(eng.Initialize(ctx, s, req.Secrets, req.Local)) })
	case opConnect:
		return withSettings(func(s repo.Settings) engineMessage { return done(eng.Connect(ctx, s, req.Secrets, req.Local)) })
	case opFinish:
		return withSettings(func(s repo.Settings) engineMessage { return done(eng.Finish(ctx, s, req.Secrets, req.Local)) })
	case opClear:
		return withSettings(func(s repo.Settings) engineMessage { return done(nil, eng.Clear(ctx, s, req.Secrets.S3)) })
	case opReopen:
		return done(eng.Reopen(ctx, req.Local, req.Secrets))
	case opApplyCorsoSettings:
		return done(eng.ApplyCorsoSettings(ctx, req.Local, req.Secrets))
	case opDisconnect:
		return done(nil, eng.Disconnect(ctx, req.Local))
	case opStrength:
		st, err := eng.PassphraseStrength(ctx, req.Secrets.Passphrase, req.Known...)
		return engineMessage{Done: true, Strength: &st, Err: encodeError(err)}
	case opResolveCredentials:
		from, err := eng.ResolveCredentials(ctx, req.Credentials, req.Secrets.S3)
		return engineMessage{Done: true, Text: from, Err: encodeError(err)}
	}

	return done(nil, engineMismatch(req.Protocol))
}
