//go:build !remote_engine

package repo

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
)

// ServeEngine runs one engine request read from in and writes progress
// and the result to out as JSON lines: the helper process's whole job.
// in reaching its end (the app closing the pipe, or quitting) before the
// operation ends cancels it; the result then says so.
func ServeEngine(ctx context.Context, in io.Reader, out io.Writer) error {
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

	ctx = WithProgress(ctx, func(s Step) { send(engineMessage{Progress: s}) }) //nolint:errcheck

	return send(runEngineRequest(ctx, req))
}

// EngineProblem is nil when the engine runs in-process; in release builds
// it says when the helper is missing.
func EngineProblem() error { return nil }

// PrepareEngine does nothing when the engine runs in-process; in release
// builds it starts the helper ahead of an operation.
func PrepareEngine() {}

func runEngineRequest(ctx context.Context, req engineRequest) engineMessage {
	done := func(info *Info, err error) engineMessage {
		return engineMessage{Done: true, Info: info, Err: encodeError(err)}
	}

	withSettings := func(run func(Settings) engineMessage) engineMessage {
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
		return withSettings(func(s Settings) engineMessage {
			rep, err := Check(ctx, s, req.Secrets.S3, req.Mode)
			return engineMessage{Done: true, Report: encodeReport(rep), Err: encodeError(err)}
		})
	case opInitialize:
		return withSettings(func(s Settings) engineMessage { return done(Initialize(ctx, s, req.Secrets, req.Local)) })
	case opConnect:
		return withSettings(func(s Settings) engineMessage { return done(Connect(ctx, s, req.Secrets, req.Local)) })
	case opFinish:
		return withSettings(func(s Settings) engineMessage { return done(Finish(ctx, s, req.Secrets, req.Local)) })
	case opClear:
		return withSettings(func(s Settings) engineMessage { return done(nil, Clear(ctx, s, req.Secrets.S3)) })
	case opReopen:
		return done(Reopen(ctx, req.Local, req.Secrets))
	case opApplyCorsoSettings:
		return done(ApplyCorsoSettings(ctx, req.Local, req.Secrets))
	case opDisconnect:
		return done(nil, Disconnect(ctx, req.Local))
	case opStrength:
		st, err := PassphraseStrength(ctx, req.Secrets.Passphrase, req.Known...)
		return engineMessage{Done: true, Strength: &st, Err: encodeError(err)}
	case opResolveCredentials:
		from, err := ResolveCredentials(ctx, req.Credentials, req.Secrets.S3)
		return engineMessage{Done: true, Text: from, Err: encodeError(err)}
	}

	return done(nil, engineMismatch(req.Protocol))
}
