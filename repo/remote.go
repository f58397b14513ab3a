//go:build remote_engine

package repo

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
)

// With remote_engine (the app's release builds) these run in the engine
// helper process, so the window's process links neither kopia nor the AWS
// SDK; the documentation of each is on the in-process versions.

var engine = newEngineClient(defaultEnginePath())

// defaultEnginePath is EngineName next to the running executable.
func defaultEnginePath() string {
	name := EngineName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}

	exe, err := os.Executable()
	if err != nil {
		return name
	}

	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}

	return filepath.Join(filepath.Dir(exe), name)
}

func Check(ctx context.Context, s Settings, secrets S3Secrets, mode CheckMode) (*Report, error) {
	return engine.Check(ctx, s, secrets, mode)
}

func Initialize(ctx context.Context, s Settings, secrets Secrets, local Local) (*Info, error) {
	return engine.Initialize(ctx, s, secrets, local)
}

func Connect(ctx context.Context, s Settings, secrets Secrets, local Local) (*Info, error) {
	return engine.Connect(ctx, s, secrets, local)
}

func Finish(ctx context.Context, s Settings, secrets Secrets, local Local) (*Info, error) {
	return engine.Finish(ctx, s, secrets, local)
}

func Reopen(ctx context.Context, local Local, secrets Secrets) (*Info, error) {
	return engine.Reopen(ctx, local, secrets)
}

func ApplyCorsoSettings(ctx context.Context, local Local, secrets Secrets) (*Info, error) {
	return engine.ApplyCorsoSettings(ctx, local, secrets)
}

func Disconnect(ctx context.Context, local Local) error {
	return engine.Disconnect(ctx, local)
}

func Clear(ctx context.Context, s Settings, secrets S3Secrets) error {
	return engine.Clear(ctx, s, secrets)
}

func ResolveCredentials(ctx context.Context, c Credentials, secrets S3Secrets) (string, error) {
	return engine.ResolveCredentials(ctx, c, secrets)
}

func PassphraseStrength(ctx context.Context, p string, known ...string) (Strength, error) {
	return engine.PassphraseStrength(ctx, p, known...)
}

// PrepareEngine starts the engine helper ahead of an operation the user is
// about to ask for (see engineClient.Prepare); it returns at once.
func PrepareEngine() { go engine.Prepare() }

// EngineProblem says why the engine helper cannot run (it is missing next
// to the app), or nil; the app shows it at start instead of at the first
// operation.
func EngineProblem() error { return engine.problem() }
