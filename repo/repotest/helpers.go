package repotest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
)

// WaitFor polls cond until it holds, failing after a minute.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()

	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// HalfMade makes an interrupted creation after the format: a complete
// repository whose index and packs are taken away.
func HalfMade(t testing.TB, s repo.Settings) {
	t.Helper()

	if _, err := kopiaengine.New().Initialize(context.Background(), s, RootSecrets(), LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	TakeSettingsAway(t, s)
}

// TakeSettingsAway removes a repository's index, packs and sessions, as if
// its creation had stopped before Corso's settings were committed.
func TakeSettingsAway(t testing.TB, s repo.Settings) {
	t.Helper()

	switch v := s.(type) {
	case repo.Filesystem:
		for _, d := range []string{"x", "q", "s", "p"} {
			os.RemoveAll(filepath.Join(v.Path, d)) //nolint:errcheck
		}
	case repo.S3Compatible:
		m := Shared(t, Options{})
		for _, k := range m.Objects(t, v.Bucket) {
			k, _, _ = strings.Cut(k, " ") // Objects gives "key etag"
			rel := strings.TrimPrefix(k, v.Prefix+"/")
			if strings.HasPrefix(k, v.Prefix+"/") && strings.IndexAny(rel[:1], "xqsp") == 0 {
				m.Remove(t, v.Bucket, k)
			}
		}
	}

	rep, err := kopiaengine.New().Check(context.Background(), s, RootSecrets().S3, repo.CheckRead)
	if err != nil || rep.State != repo.StateHalfMade || rep.HalfMade != repo.HalfMadeBeforeSettings {
		t.Fatalf("not half-made: %v %v", rep.State, err)
	}
}

// Settings are the S3-compatible settings of bucket and prefix on m, with
// the root user's access key.
func (m *MinIO) Settings(bucket, prefix string) repo.S3Compatible {
	s := repo.S3Compatible{
		S3: repo.S3{
			Bucket: bucket,
			Prefix: prefix,
			Credentials: repo.Credentials{
				Source:      repo.CredentialsKeys,
				AccessKeyID: RootUser,
			},
		},
		Endpoint:   m.Endpoint,
		DisableTLS: !m.TLS,
	}
	if m.TLS {
		s.CAFile = m.CAFile
	}

	return s
}

// RootSecrets are the test passphrase and the root user's secret key.
func RootSecrets() repo.Secrets {
	return repo.Secrets{Passphrase: Passphrase, S3: repo.S3Secrets{SecretAccessKey: RootPassword}}
}

// InitializeCancelledMidway runs initialize on MinIO and cancels it once
// kopia's first blob is written; it returns the settings and the error.
func InitializeCancelledMidway(t testing.TB, initialize func(context.Context, repo.Settings, repo.Secrets, repo.Local) (*repo.Info, error)) (repo.S3Compatible, error) {
	m := Shared(t, Options{})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	s := m.Settings(m.Bucket(t), "cancelled")
	s.Endpoint = m.CancelAfter(t, "kopia.blobcfg", cancel)

	_, err := initialize(ctx, s, RootSecrets(), LocalIn(t.TempDir()))

	return s, err
}

// CancelAfter returns a proxy endpoint in front of m that calls cancel
// once a PUT of object name has succeeded.
func (m *MinIO) CancelAfter(t testing.TB, name string, cancel func()) string {
	var once sync.Once

	return m.Proxy(t, func(r *http.Request, status int) {
		if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/"+name) && status == http.StatusOK {
			once.Do(cancel)
		}
	})
}
