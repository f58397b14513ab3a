package kopiaengine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestCredentialsResolvedOncePerOperation: an AWS profile whose
// credential_process counts its runs. Each operation resolves the
// credentials once and hands them to both its check and its open, so a
// slow SSO or process login is paid once, and the keys the check proved
// are the keys the write uses.
func TestCredentialsResolvedOncePerOperation(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	dir := t.TempDir()
	count := filepath.Join(dir, "runs")
	script := filepath.Join(dir, "creds.sh")

	body := fmt.Sprintf("#!/bin/sh\necho run >> '%s'\nprintf '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"%s\"}'\n", count, repotest.RootUser, repotest.RootPassword)
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}

	config := filepath.Join(dir, "config")
	if err := os.WriteFile(config, []byte("[profile counted]\ncredential_process = "+script+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Setenv("AWS_CONFIG_FILE", config)

	runs := func() int {
		b, _ := os.ReadFile(count)
		os.Remove(count) //nolint:errcheck
		return strings.Count(string(b), "run")
	}

	s := m.Settings(m.Bucket(t), "counted")
	s.Credentials = repo.Credentials{Source: repo.CredentialsProfile, Profile: "counted"}
	sec := repo.Secrets{Passphrase: repotest.Passphrase}
	ctx := context.Background()
	local := repotest.LocalIn(t.TempDir())

	once := func(op string, run func() error) {
		t.Helper()
		runs()

		if err := run(); err != nil {
			t.Fatalf("%s: %v", op, err)
		}

		if n := runs(); n != 1 {
			t.Errorf("%s ran the credential process %d times, want once", op, n)
		}
	}

	once("check", func() error {
		rep, err := eng.Check(ctx, s, sec.S3, repo.CheckWrite)
		if err == nil && rep.Err != nil {
			err = rep.Err
		}

		return err
	})
	once("initialize", func() error { _, err := eng.Initialize(ctx, s, sec, local); return err })
	once("connect", func() error { _, err := eng.Connect(ctx, s, sec, repotest.LocalIn(t.TempDir())); return err })
	once("reopen", func() error { _, err := eng.Reopen(ctx, local, sec); return err })
	once("apply Corso's settings", func() error { _, err := eng.ApplyCorsoSettings(ctx, local, sec); return err })
	once("contents", func() error { _, err := eng.Contents(ctx, local, sec); return err })
	once("verify", func() error {
		_, err := eng.Verify(ctx, local, sec, repo.VerifyRequest{Mode: repo.VerifyQuick})
		return err
	})

	repotest.TakeSettingsAway(t, s)
	once("finish", func() error { _, err := eng.Finish(ctx, s, sec, repotest.LocalIn(t.TempDir())); return err })

	repotest.TakeSettingsAway(t, s)
	once("clear", func() error { return eng.Clear(ctx, s, sec.S3) })
}
