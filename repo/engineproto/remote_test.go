package engineproto_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/engineproto"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// The release app runs every engine operation in the corso-desktop-engine
// helper. These tests build that helper and drive it through the client
// the app uses: results, typed errors, progress and cancellation must come
// through the process boundary as they are in-process.

func TestEngineFilesystemLifecycle(t *testing.T) {
	e := repotest.Helper(t)
	ctx := context.Background()
	dir := t.TempDir()
	s := repo.Filesystem{Path: filepath.Join(dir, "repo")}
	local := repotest.LocalIn(dir)

	var steps []repo.Step
	progressCtx := repo.WithProgress(ctx, func(s repo.Step) { steps = append(steps, s) })

	info, err := e.Initialize(progressCtx, s, repo.Secrets{Passphrase: repotest.Passphrase}, local)
	if err != nil {
		t.Fatalf("initialize through the engine: %v", err)
	}

	repotest.RequireCorsoFormat(t, info)

	if !slices.Contains(steps, repo.StepChecking) || !slices.Contains(steps, repo.StepSettings) {
		t.Fatalf("progress did not come through: %q", steps)
	}

	// The same repository, seen in-process, is what the engine made.
	direct, err := eng.Reopen(ctx, local, repo.Secrets{Passphrase: repotest.Passphrase})
	if err != nil || direct.UniqueID != info.UniqueID {
		t.Fatalf("in-process reopen: %v, %+v vs %+v", err, direct, info)
	}

	rep, err := e.Check(ctx, s, repo.S3Secrets{}, repo.CheckRead)
	if err != nil || rep.State != repo.StateRepository || !rep.OK() {
		t.Fatalf("check through the engine: %v %+v", err, rep)
	}

	_, err = e.Initialize(ctx, s, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeAlreadyRepository)

	_, err = e.Connect(ctx, s, repo.Secrets{Passphrase: "not the passphrase"}, repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeWrongPassphrase)

	if !strings.Contains(err.Error(), "passphrase") {
		t.Fatalf("the sentence got lost: %q", err)
	}

	again, err := e.Reopen(ctx, local, repo.Secrets{Passphrase: repotest.Passphrase})
	if err != nil || again.UniqueID != info.UniqueID || !again.CorsoSettings {
		t.Fatalf("reopen through the engine: %v %+v", err, again)
	}

	if err := e.Disconnect(ctx, local); err != nil {
		t.Fatalf("disconnect: %v", err)
	}

	if _, err := os.Stat(local.ConfigFile); !os.IsNotExist(err) {
		t.Fatalf("connection file left after disconnect: %v", err)
	}
}

func TestEngineKeepsFieldErrorsAndReportErrors(t *testing.T) {
	e := repotest.Helper(t)
	ctx := context.Background()

	_, err := e.Initialize(ctx, repo.Filesystem{Path: t.TempDir(), Prefix: "nope/"}, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))

	var fe repo.FieldErrors
	if !errors.As(err, &fe) || fe.For(repo.FieldPrefix) == "" {
		t.Fatalf("want a field error on the prefix, got %#v", err)
	}

	m := repotest.Shared(t, repotest.Options{})
	s := m.Settings("no-such-bucket-here", "")

	rep, err := e.Check(ctx, s, repotest.RootSecrets().S3, repo.CheckRead)
	if err != nil {
		t.Fatal(err)
	}

	repotest.RequireCode(t, rep.Err, repo.CodeBucketMissing)

	if len(rep.Lines) == 0 || rep.Requests == 0 {
		t.Fatalf("report lost its lines: %+v", rep)
	}
}

func TestEngineS3InitializeAndDeniedAction(t *testing.T) {
	e := repotest.Helper(t)
	ctx := context.Background()
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)

	info, err := e.Initialize(ctx, m.Settings(bucket, "via-engine"), repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	if err != nil {
		t.Fatalf("initialize on MinIO through the engine: %v", err)
	}

	repotest.RequireCorsoFormat(t, info)

	conn, err := e.Connect(ctx, m.Settings(bucket, "via-engine"), repotest.RootSecrets(), repotest.LocalIn(t.TempDir()))
	if err != nil || conn.UniqueID != info.UniqueID || conn.CredentialsFrom == "" {
		t.Fatalf("connect on MinIO through the engine: %v %+v", err, conn)
	}

	m.AddUser(t, "engine-reader", "engine-reader-secret", bucket, []string{repo.ActionGetObject, repo.ActionListBucket, repo.ActionGetBucketLocation})

	s := m.Settings(bucket, "denied")
	s.Credentials.AccessKeyID = "engine-reader"

	rep, err := e.Check(ctx, s, repo.S3Secrets{SecretAccessKey: "engine-reader-secret"}, repo.CheckWrite)
	if err != nil {
		t.Fatal(err)
	}

	repotest.RequireCode(t, rep.Err, repo.CodeAccessDenied)

	direct, err := eng.Check(ctx, s, repo.S3Secrets{SecretAccessKey: "engine-reader-secret"}, repo.CheckWrite)
	if err != nil {
		t.Fatal(err)
	}

	var viaEngine, inProcess *repo.Error
	if !errors.As(rep.Err, &viaEngine) || !errors.As(direct.Err, &inProcess) {
		t.Fatalf("untyped: %#v %#v", rep.Err, direct.Err)
	}

	if viaEngine.Action == "" || viaEngine.Action != inProcess.Action || viaEngine.Error() != inProcess.Error() || rep.PolicyJSON != direct.PolicyJSON {
		t.Fatalf("the refused action, sentence or policy got lost:\n%#v\n%#v", viaEngine, inProcess)
	}

	if len(rep.Lines) != len(direct.Lines) {
		t.Fatalf("lines differ: %+v vs %+v", rep.Lines, direct.Lines)
	}
}

func TestEngineCancelMidInitialize(t *testing.T) {
	e := repotest.Helper(t)

	s, err := repotest.InitializeCancelledMidway(t, e.Initialize)
	repotest.RequireCode(t, err, repo.CodeCanceled)

	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled engine operation must match context.Canceled: %#v", err)
	}

	rep, err := e.Check(context.Background(), s, repotest.RootSecrets().S3, repo.CheckRead)
	if err != nil || rep.State != repo.StateHalfMade {
		t.Fatalf("after cancel: %v %+v", err, rep)
	}

	if err := e.Clear(context.Background(), s, repotest.RootSecrets().S3); err != nil {
		t.Fatalf("clear through the engine: %v", err)
	}
}

func TestEngineMissingOrBroken(t *testing.T) {
	missing := engineproto.NewClient(filepath.Join(t.TempDir(), engineproto.HelperName))
	repotest.RequireCode(t, missing.Problem(), repo.CodeEngine)

	repotest.Helper(t) // builds it
	if err := repotest.Helper(t).Problem(); err != nil {
		t.Fatalf("an installed engine has a problem: %v", err)
	}

	if err := eng.Problem(); err != nil {
		t.Fatalf("the in-process engine has a problem: %v", err)
	}

	_, err := missing.Connect(context.Background(), repo.Filesystem{Path: t.TempDir()}, repo.Secrets{Passphrase: repotest.Passphrase}, repotest.LocalIn(t.TempDir()))
	repotest.RequireCode(t, err, repo.CodeEngine)

	if !strings.Contains(err.Error(), "Reinstall") {
		t.Fatalf("no next step: %q", err)
	}

	// A helper that dies without answering.
	broken := filepath.Join(t.TempDir(), engineproto.HelperName)
	if err := os.WriteFile(broken, []byte("#!/bin/sh\necho boom >&2\nexit 3\n"), 0o700); err != nil {
		t.Fatal(err)
	}

	_, err = engineproto.NewClient(broken).Reopen(context.Background(), repotest.LocalIn(t.TempDir()), repo.Secrets{Passphrase: repotest.Passphrase})
	repotest.RequireCode(t, err, repo.CodeEngine)

	var e *repo.Error
	if !errors.As(err, &e) || !strings.Contains(e.Details(), "boom") {
		t.Fatalf("the helper's own words belong in the details: %#v", err)
	}

	// A crash: the panic's message is the detail, its stack trace is not.
	crashing := filepath.Join(t.TempDir(), engineproto.HelperName)
	if err := os.WriteFile(crashing, []byte("#!/bin/sh\nprintf 'panic: boom\\n\\ngoroutine 1 [running]:\\nmain.main()\\n' >&2\nexit 2\n"), 0o700); err != nil {
		t.Fatal(err)
	}

	_, err = engineproto.NewClient(crashing).Reopen(context.Background(), repotest.LocalIn(t.TempDir()), repo.Secrets{Passphrase: repotest.Passphrase})
	if !errors.As(err, &e) || !strings.Contains(e.Details(), "panic: boom") || strings.Contains(e.Details(), "goroutine") {
		t.Fatalf("a crash's details: %#v", err)
	}

	// Dead before the request could be written (a prepared one that
	// died): a new one is tried, and then the same sentence and details.
	early := engineproto.NewClient(broken)
	early.Prepare(repo.Upcoming{})

	if spare := early.Spare(); spare != nil {
		repotest.WaitFor(t, "the prepared helper to die", func() bool {
			stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", spare.Process.Pid))
			return strings.Contains(string(stat), ") Z ")
		})
	}

	_, err = early.Reopen(context.Background(), repotest.LocalIn(t.TempDir()), repo.Secrets{Passphrase: repotest.Passphrase})
	repotest.RequireCode(t, err, repo.CodeEngine)

	if !errors.As(err, &e) || !strings.Contains(e.Details(), "boom") {
		t.Fatalf("the dead helper's words belong in the details: %#v", err)
	}

	// A prepared engine that died (killed, say) costs the user nothing:
	// a new one does the work.
	working := repotest.Helper(t)
	working.Prepare(repo.Upcoming{})

	spare := working.Spare().Process
	if err := spare.Kill(); err != nil {
		t.Fatal(err)
	}

	// Dead (a zombie nobody has waited for yet) means its pipes are closed.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", spare.Pid))
		if strings.Contains(string(stat), ") Z ") {
			break
		}

		if time.Now().After(deadline) {
			t.Fatal("the killed engine did not die")
		}
	}

	if _, err := working.PassphraseStrength(context.Background(), "a prepared engine was killed"); err != nil {
		t.Fatalf("a dead prepared engine failed the operation: %v", err)
	}
}

func TestEngineStrengthMatchesInProcess(t *testing.T) {
	e := repotest.Helper(t)
	ctx := context.Background()

	for _, c := range []struct {
		pass  string
		known []string
	}{
		{"password1", nil},
		{"vivid otter juggles seventeen lanterns", nil},
		{"acmebackups2026", []string{"acmebackups"}},
		{"", nil},
	} {
		want, err := eng.PassphraseStrength(ctx, c.pass, c.known...)
		if err != nil {
			t.Fatal(err)
		}

		got, err := e.PassphraseStrength(ctx, c.pass, c.known...)
		if err != nil || got != want {
			t.Fatalf("%q: engine %+v (%v), in-process %+v", c.pass, got, err, want)
		}
	}
}

// The engine's answers never repeat a secret it was given.
// TestServeEngineNeverEchoesSecrets runs every operation with secrets that
// the store refuses (so the paths that could repeat them run), keeping the
// engine's input open until it answers: no answer holds a secret, and
// none is a cancellation.
func TestServeEngineNeverEchoesSecrets(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	s := m.Settings(bucket, "secret-check")
	s.Credentials.AccessKeyID = repotest.RootUser

	secrets := repo.Secrets{Passphrase: "a very secret passphrase 9", S3: repo.S3Secrets{SecretAccessKey: "not-the-real-secret-key", SessionToken: "a-secret-session-token"}}

	// A repository made with the real key, for the operations that open one.
	local := repotest.LocalIn(t.TempDir())
	if _, err := eng.Initialize(context.Background(), m.Settings(bucket, "secret-check"), repotest.RootSecrets(), local); err != nil {
		t.Fatal(err)
	}

	for _, op := range []string{"check", "initialize", "connect", "finish", "clear", "reopen", "applyCorsoSettings", "contents", "resolveCredentials", "strength"} {
		req, _ := json.Marshal(map[string]any{
			"protocol":    engineproto.Protocol,
			"op":          op,
			"settings":    map[string]any{"s3Compatible": s},
			"secrets":     secrets,
			"local":       local,
			"mode":        repo.CheckWrite,
			"credentials": s.Credentials,
		})

		in, w := io.Pipe()
		go w.Write(append(req, '\n')) //nolint:errcheck // the pipe stays open while the engine works

		var out bytes.Buffer

		err := engineproto.Serve(context.Background(), eng, in, &out)
		w.Close()

		if err != nil {
			t.Fatal(err)
		}

		for _, secret := range []string{secrets.Passphrase, secrets.S3.SecretAccessKey, secrets.S3.SessionToken} {
			if strings.Contains(out.String(), secret) {
				t.Fatalf("%s: the engine's answer holds a secret: %s", op, out.String())
			}
		}

		if !strings.Contains(out.String(), `"done":true`) {
			t.Fatalf("%s: no result: %s", op, out.String())
		}

		if strings.Contains(out.String(), "cancelled") {
			t.Fatalf("%s: the operation was cancelled instead of run: %s", op, out.String())
		}

		if strings.Contains(out.String(), "different version") {
			t.Fatalf("%s: the engine did not know the operation: %s", op, out.String())
		}
	}
}

func TestEnginePreparedProcess(t *testing.T) {
	repotest.Helper(t) // builds the helper
	e := repotest.Helper(t)

	e.Prepare(repo.Upcoming{})
	spare := e.Spare()
	if spare == nil {
		t.Fatal("Prepare started no process")
	}

	e.Prepare(repo.Upcoming{})
	if e.Spare() != spare {
		t.Fatal("a second Prepare started another process")
	}

	rep, err := e.Check(context.Background(), repo.Filesystem{Path: t.TempDir()}, repo.S3Secrets{}, repo.CheckRead)
	if err != nil || rep.State != repo.StateEmpty {
		t.Fatalf("check on the prepared process: %v %+v", err, rep)
	}

	if e.Spare() != nil {
		t.Fatal("the prepared process was not used")
	}

	e.WaitFinished()

	if spare.ProcessState == nil || !spare.ProcessState.Success() {
		t.Fatalf("the operation did not run in the prepared process: %v", spare.ProcessState)
	}

	// Unused, a prepared process goes away by itself.
	e.SetIdle(300 * time.Millisecond)
	e.Prepare(repo.Upcoming{})
	unused := e.Spare()
	if unused == nil {
		t.Fatal("no second prepared process")
	}

	pid := unused.Process.Pid
	deadline := time.Now().Add(10 * time.Second)

	for platform.ProcessAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatal("an unused prepared engine is still running")
		}

		time.Sleep(50 * time.Millisecond)
	}

	if e.Spare() != nil {
		t.Fatal("the client still holds the stopped process")
	}

	// And the next operation starts a fresh one.
	if _, err := e.PassphraseStrength(context.Background(), "after the spare stopped"); err != nil {
		t.Fatal(err)
	}
}

// An engine from another release refuses with a sentence, not a guess.
func TestServeEngineRefusesAnotherProtocol(t *testing.T) {
	for _, req := range []string{
		`{"protocol":99,"op":"check","settings":{"filesystem":{"path":"/tmp"}}}`,
		`{"op":"check","settings":{"filesystem":{"path":"/tmp"}}}`,
		fmt.Sprintf(`{"protocol":%d,"op":"no-such-operation"}`, engineproto.Protocol),
		fmt.Sprintf(`{"protocol":%d,"op":"check","settings":{"filesystem":{"path":"/tmp"}}}`, engineproto.Protocol-1),
	} {
		var out bytes.Buffer
		if err := engineproto.Serve(context.Background(), eng, strings.NewReader(req+"\n"), &out); err != nil {
			t.Fatal(err)
		}

		if !strings.Contains(out.String(), "different version") {
			t.Fatalf("%s: %s", req, out.String())
		}
	}
}

// misbehaving writes a stand-in engine that behaves as script says: the
// client must bound what it reads and honour Cancel whatever the helper
// does (fault injection; the real helper cannot be made to misbehave).
func misbehaving(t *testing.T, script string) *engineproto.Client {
	t.Helper()

	p := filepath.Join(t.TempDir(), "engine")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}

	return engineproto.NewClient(p)
}

func TestEngineClientSurvivesAMisbehavingHelper(t *testing.T) {
	fs := repo.Filesystem{Path: t.TempDir()}

	for name, script := range map[string]string{
		// endless bytes with no newline: one message larger than any answer
		"endless garbage": "exec cat /dev/zero",
		// endless short lines that are not JSON
		"endless lines": "yes garbage",
	} {
		start := time.Now()

		_, err := misbehaving(t, script).Check(context.Background(), fs, repo.S3Secrets{}, repo.CheckRead)
		repotest.RequireCode(t, err, repo.CodeEngine)

		if d := time.Since(start); d > time.Minute {
			t.Errorf("%s: took %v", name, d)
		}
	}

	// Endless well-formed progress that never ends: Cancel still ends it.
	e := misbehaving(t, `while :; do printf '{"progress":"Checking the location…"}\n'; done`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)

	var progressed atomic.Bool

	go func() {
		_, err := e.Check(repo.WithProgress(ctx, func(repo.Step) { progressed.Store(true) }), fs, repo.S3Secrets{}, repo.CheckRead)
		done <- err
	}()

	repotest.WaitFor(t, "the helper's first progress", progressed.Load)
	cancel()

	select {
	case err := <-done:
		repotest.RequireCode(t, err, repo.CodeCanceled)
	case <-time.After(30 * time.Second):
		t.Fatal("Cancel did not end the wait for a helper that never finishes")
	}
}
