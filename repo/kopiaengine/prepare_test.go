package kopiaengine_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/dialahead"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// recordDials makes every dial to Amazon or to an .invalid name fail
// (nothing here reaches them), noting those whose name holds key; every
// other dial goes on.
func recordDials(t *testing.T, key string) func() []string {
	t.Helper()

	var (
		mu   sync.Mutex
		seen []string
	)

	d := &net.Dialer{}
	dialahead.Default.SetDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if !strings.HasSuffix(host, ".amazonaws.com") && !strings.HasSuffix(host, ".invalid") {
			return d.DialContext(ctx, network, addr)
		}

		mu.Lock()
		if strings.Contains(host, key) && !slices.Contains(seen, addr) {
			seen = append(seen, addr)
		}
		mu.Unlock()

		return nil, errors.New("recorded, not dialled")
	})
	t.Cleanup(func() { dialahead.Default.SetDialer(nil) })

	return func() []string {
		mu.Lock()
		defer mu.Unlock()

		out := slices.Clone(seen)
		seen = nil

		return out
	}
}

// The addresses a prepared engine opens connections to are the ones its
// two S3 clients dial: the check's (the AWS SDK) and kopia's (minio-go),
// recorded from the clients themselves.
func TestPreparedAddressesAreWhereTheClientsDial(t *testing.T) {
	var creds preflight.ResolvedCredentials
	creds.AccessKeyID, creds.SecretAccessKey, creds.Source = "AKIAEXAMPLE", "not-a-secret", "test"

	cases := []struct {
		name string
		next repo.Upcoming
		// host is in this case's addresses alone, so that what an
		// earlier case's clients still dial is not counted here.
		host string
	}{
		{"typed region", repo.Upcoming{Settings: repo.S3{Bucket: "b-typed", Region: "eu-west-1"}}, "b-typed."},
		{"region from the check", repo.Upcoming{Settings: repo.S3{Bucket: "b-checked"}, Region: "ap-southeast-2"}, "b-checked."},
		{"us-east-1", repo.Upcoming{Settings: repo.S3{Bucket: "b-east"}, Region: "us-east-1"}, "b-east."},
		{"endpoint with a port", repo.Upcoming{Settings: repo.S3Compatible{S3: repo.S3{Bucket: "b-1"}, Endpoint: "port.store.invalid:9000", DisableTLS: true}}, "port.store.invalid"},
		{"https endpoint", repo.Upcoming{Settings: repo.S3Compatible{S3: repo.S3{Bucket: "b-1"}, Endpoint: "https.store.invalid"}}, "https.store.invalid"},
		{"plain endpoint", repo.Upcoming{Settings: repo.S3Compatible{S3: repo.S3{Bucket: "b-1"}, Endpoint: "plain.store.invalid", DisableTLS: true}}, "plain.store.invalid"},
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dialed := recordDials(t, c.host)

			n, err := repo.Normalize(c.next.Settings)
			if err != nil {
				t.Fatal(err)
			}

			if c.next.Region != "" {
				s3, _ := repo.AsS3(n)
				s3.Region = c.next.Region
				n = s3.S3Compatible
				if s3.Endpoint == repo.DefaultS3Endpoint {
					n = s3.S3
				}
			}

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			// kopia first: its open returns when its retries are over,
			// where the check's answer may leave requests behind.
			loc, _ := repo.AsS3(n)
			kopiaengine.OpenS3Storage(ctx, loc, creds) //nolint:errcheck // only where it dials counts
			byKopia := dialed()

			preflight.CheckLocation(ctx, n, &preflight.Keys{ResolvedCredentials: creds}, repo.CheckRead) //nolint:errcheck
			byCheck := dialed()

			want := kopiaengine.DialAddresses(c.next)
			if len(want) == 0 {
				t.Fatal("no address prepared")
			}

			// Every connection kopia makes can be one opened ahead; the
			// check also asks us-east-1 once where the bucket is, before
			// it knows.
			for _, a := range byKopia {
				if !slices.Contains(want, a) {
					t.Errorf("kopia dialled %s, which was not prepared (prepared %v)", a, want)
				}
			}

			if !slices.ContainsFunc(byCheck, func(a string) bool { return slices.Contains(want, a) }) {
				t.Errorf("the check dialled %v, none of it prepared (%v)", byCheck, want)
			}

			for _, a := range want {
				if !slices.Contains(byCheck, a) && !slices.Contains(byKopia, a) {
					t.Errorf("%s was prepared but no client dialled it (check %v, kopia %v)", a, byCheck, byKopia)
				}
			}
		})
	}
}

// Where the address is not known before the first request, nothing is
// opened ahead.
func TestNothingPreparedWhereTheAddressIsUnknown(t *testing.T) {
	for _, next := range []repo.Upcoming{
		{},
		{Settings: repo.Filesystem{Path: t.TempDir()}},
		{Settings: repo.S3{Bucket: "b-1"}},                      // the region comes with the first answer
		{Settings: repo.S3{Bucket: "b.1", Region: "eu-west-1"}}, // dotted: addressed by path
	} {
		if a := kopiaengine.DialAddresses(next); len(a) != 0 {
			t.Errorf("%+v: prepared %v", next, a)
		}
	}
}

// A connected Amazon S3 repository whose region was not typed: the region
// its connection file keeps (the check's, remembered at connect) gives
// the same addresses as the check's region does.
func TestPreparedAddressesOfAConnectedRepository(t *testing.T) {
	local := repo.Local{ConfigFile: filepath.Join(t.TempDir(), "repository.config")}
	conn := `{"storage":{"type":"corso-desktop-s3","config":{"bucket":"b-saved","endpoint":"s3.amazonaws.com","credentials":{},"bucketRegion":"eu-central-1"}}}`

	if err := os.WriteFile(local.ConfigFile, []byte(conn), 0o600); err != nil {
		t.Fatal(err)
	}

	got := kopiaengine.DialAddresses(repo.Upcoming{Settings: repo.S3{Bucket: "b-saved"}, Local: local})
	want := kopiaengine.DialAddresses(repo.Upcoming{Settings: repo.S3{Bucket: "b-saved"}, Region: "eu-central-1"})

	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("from the connection file: %v, want %v", got, want)
	}
}
