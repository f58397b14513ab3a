package kopiaengine_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// TestStoreErrorsAreSaid: a store (or a proxy before it) answering an S3
// error that names no setting of the user's gets a sentence with what it
// said and what usually causes it, on check, create and connect, over
// both engines; never "something unexpected", never a secret.
func TestStoreErrorsAreSaid(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	sec := repotest.RootSecrets()
	ctx := context.Background()

	if _, err := eng.Initialize(ctx, m.Settings(bucket, "existing"), sec, repotest.LocalIn(t.TempDir())); err != nil {
		t.Fatal(err)
	}

	answers := []repotest.S3Error{
		{Status: 400, Code: "InvalidArgument", Message: "Invalid argument in the request"},
		{Status: 400, Code: "InvalidRequest", Message: "This request is not supported"},
		{Status: 501, Code: "NotImplemented", Message: "A header you provided implies functionality that is not implemented"},
		{Status: 400, Code: "XAmzContentSHA256Mismatch", Message: "The provided 'x-amz-content-sha256' header does not match what was computed."},
		{Status: 400, Code: "MalformedXML", Message: "The XML you provided was not well-formed"},
	}

	// Each operation meets the error at the request that matters to it.
	ops := []struct {
		name   string
		prefix string
		hit    func(r *http.Request) bool
		run    func(e repo.Engine, s repo.Settings) error
	}{
		{"check", "fresh-check", func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.Contains(r.URL.Path, ".corso-desktop-probe")
		}, func(e repo.Engine, s repo.Settings) error {
			rep, err := e.Check(ctx, s, sec.S3, repo.CheckWrite)
			if err == nil {
				err = rep.Err
			}

			return err
		}},
		{"create", "fresh-create", func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/kopia.repository")
		}, func(e repo.Engine, s repo.Settings) error {
			_, err := e.Initialize(ctx, s, sec, repotest.LocalIn(t.TempDir()))
			return err
		}},
		{"connect", "existing", func(r *http.Request) bool {
			return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/kopia.repository")
		}, func(e repo.Engine, s repo.Settings) error {
			_, err := e.Connect(ctx, s, sec, repotest.LocalIn(t.TempDir()))
			return err
		}},
	}

	for name, e := range repotest.Engines(t) {
		for _, a := range answers {
			for _, op := range ops {
				t.Run(name+" "+op.name+" "+a.Code, func(t *testing.T) {
					s := m.Settings(bucket, op.prefix+"-"+strings.ToLower(a.Code)+"-"+name)
					if op.name == "connect" {
						s = m.Settings(bucket, op.prefix)
					}

					s.Endpoint = m.ErrorProxy(t, func(r *http.Request) *repotest.S3Error {
						if op.hit(r) {
							return &a
						}

						return nil
					})

					err := op.run(e, s)
					if err == nil {
						t.Fatal("no error")
					}

					msg := err.Error()
					if strings.Contains(msg, "unexpected") || !strings.Contains(msg, a.Code) || !strings.Contains(msg, "usually") {
						t.Errorf("the sentence does not say what the store answered and why: %q", msg)
					}

					requireNoSecret(t, err, sec)
				})
			}
		}
	}

	// SignatureDoesNotMatch from a proxy that changes requests: the
	// sentence names the key and the proxy.
	s := m.Settings(bucket, "signature")
	s.Endpoint = m.ErrorProxy(t, func(*http.Request) *repotest.S3Error {
		return &repotest.S3Error{Status: 403, Code: "SignatureDoesNotMatch", Message: "The request signature we calculated does not match the signature you provided."}
	})

	rep, err := eng.Check(ctx, s, sec.S3, repo.CheckWrite)
	if err == nil {
		err = rep.Err
	}

	if repo.CodeOf(err) != repo.CodeBadCredentials || !strings.Contains(err.Error(), "proxy") {
		t.Fatalf("SignatureDoesNotMatch: %v", err)
	}
}

// requireNoSecret: neither the sentence nor its details hold a secret.
func requireNoSecret(t *testing.T, err error, sec repo.Secrets) {
	t.Helper()

	text := err.Error()
	if d, ok := err.(interface{ Details() string }); ok {
		text += d.Details()
	}

	for _, s := range []string{sec.Passphrase, sec.S3.SecretAccessKey} {
		if s != "" && strings.Contains(text, s) {
			t.Fatalf("a secret is in %q", text)
		}
	}
}
