//go:build unix

package kopiaengine_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/engineproto"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// Scale of BenchmarkContentsAtScale (issue 16): a repository on MinIO with
// this many Corso backups and this many blobs in all.
const (
	scaleBackups = 10_000
	scaleBlobs   = 100_000
)

// scaleRepository makes the repository once per test binary: created by
// the engine, the backups written as Corso writes them, and small objects
// with kopia's data-pack names until the prefix holds scaleBlobs.
func scaleRepository(b *testing.B) repo.Local {
	b.Helper()

	scaleOnce.Do(func() {
		ctx := context.Background()
		m := repotest.Shared(b, repotest.Options{})
		bucket := m.Bucket(b)
		s := m.Settings(bucket, "scale")
		s.Credentials = repo.Credentials{Source: repo.CredentialsEnvironment}

		// Not b.TempDir: that goes when the first round (b.N = 1) ends,
		// and the repository serves every round.
		dir, err := os.MkdirTemp("", "corso-desktop-scale-")
		if err != nil {
			b.Fatal(err)
		}

		scaleDir = dir
		scaleLocal = repotest.LocalIn(dir)
		if _, err := eng.Initialize(ctx, s, repo.Secrets{Passphrase: repotest.Passphrase}, scaleLocal); err != nil {
			b.Fatal(err)
		}

		if err := repotest.WriteCorsoBackups(ctx, scaleLocal.ConfigFile, repotest.Passphrase, scaleBackups, time.Now()); err != nil {
			b.Fatal(err)
		}

		m.PutPacks(b, bucket, "scale/", len(m.Objects(b, bucket)), scaleBlobs)
	})

	return scaleLocal
}

var (
	scaleOnce  sync.Once
	scaleLocal repo.Local
)

// BenchmarkContentsAtScale reads the contents of a repository with
// 10,000 Corso backups and 100,000 blobs on MinIO, next to it and through
// the latency proxy at 50 ms (with and without the store's own 20 ms per
// request): the storage summary (the listing), the backups list and the
// whole are timed apart (summary-s, list-s, all-s, from the call: the
// first of the summary and the backups to be done is handed over ahead
// of the other; list-read-s is the backups' reading alone, once the
// repository is open), and the engine helper's peak memory is measured in
// a run of its own (helper-MiB).
// Targets: at 0 ms, list under 2 s, summary under 5 s, helper under 200
// MiB; at 50 ms, summary under 1.5 s and list under 1 s. The last network
// lists as S3 does, from an index (repotest.Network.ListTime): MinIO's own
// listing costs CPU for every name, which on this machine bounds the
// summary whatever the distance. That network is measured through the
// release app's helper too, as the app reads the contents of a repository
// picked in the list: the helper prepared by the pick opens it (open-s),
// then the contents are read in the one that open left prepared.
// CORSO_BENCH_CPUPROFILE=dir writes a CPU profile of the timed runs.
func BenchmarkContentsAtScale(b *testing.B) {
	b.Setenv("AWS_ACCESS_KEY_ID", repotest.RootUser)
	b.Setenv("AWS_SECRET_ACCESS_KEY", repotest.RootPassword)

	direct := scaleRepository(b)
	sec := repo.Secrets{Passphrase: repotest.Passphrase}
	m := repotest.Shared(b, repotest.Options{})
	server := time.Duration(envInt("CORSO_BENCH_SERVER_MS", 20)) * time.Millisecond

	// A store that lists from an index (S3): each page takes this long,
	// whatever the bucket holds (CORSO_BENCH_LIST_MS; 0 leaves it out).
	list := time.Duration(envInt("CORSO_BENCH_LIST_MS", 100)) * time.Millisecond

	networks := scaleNetworks(server)
	if list > 0 {
		networks = append(networks, benchNetwork{
			fmt.Sprintf("rtt=50ms-server=%dms-list=%dms", server.Milliseconds(), list.Milliseconds()),
			repotest.Network{RTT: 50 * time.Millisecond, Handshake: 50 * time.Millisecond, ServerTime: server, ListTime: list},
		})
	}

	for _, nw := range networks {
		b.Run(nw.name, func(b *testing.B) {
			local := direct
			if nw.net.RTT > 0 {
				local = connectThrough(b, m, scaleLocal, nw.net)
			}

			reportContents(b, contentsTimes(b, eng, nil, local, sec))

			if nw.net.RTT == 0 {
				b.ReportMetric(helperPeakMiB(b, local, sec), "helper-MiB")
			}
		})

		if nw.net.ListTime == 0 {
			continue
		}

		// The release app's way: the helper, prepared when the
		// repository is picked in the list; the app opens it (open-s),
		// then reads its contents in the helper the open left prepared.
		b.Run(nw.name+"-helper", func(b *testing.B) {
			next := reachThrough(b, m, scaleLocal, nw.net)
			helper := repotest.Helper(b)

			var opening time.Duration

			reportContents(b, contentsTimes(b, helper, func() {
				helper.Prepare(next)               // as the list does: the location and the connection
				time.Sleep(300 * time.Millisecond) // the person looking at the list

				start := time.Now()
				if _, err := helper.Reopen(context.Background(), next.Local, sec); err != nil {
					b.Fatal(err)
				}

				opening += time.Since(start)
			}, next.Local, sec))
			b.ReportMetric(opening.Seconds()/float64(b.N), "open-s")
		})
	}
}

func reportContents(b *testing.B, t contentsTiming) {
	b.ReportMetric(t.summary.Seconds(), "summary-s")
	b.ReportMetric(t.all.Seconds(), "all-s")
	b.ReportMetric(t.backups.Seconds(), "list-s")
	b.ReportMetric(t.reading.Seconds(), "list-read-s")
}

// connectThrough connects to the repository from is connected to through
// a latency proxy.
func connectThrough(b *testing.B, m *repotest.MinIO, from repo.Local, nw repotest.Network) repo.Local {
	return reachThrough(b, m, from, nw).Local
}

// reachThrough is connectThrough, giving what the app prepares the
// engine with when the repository is picked: its location and its
// connection.
func reachThrough(b *testing.B, m *repotest.MinIO, from repo.Local, nw repotest.Network) repo.Upcoming {
	endpoint, _ := m.LatencyProxyWith(b, nw)

	lc, err := kopiarepo.LoadConfigFromFile(from.ConfigFile)
	if err != nil {
		b.Fatal(err)
	}

	raw, _ := json.Marshal(lc.Storage.Config)

	var o struct{ Bucket, Prefix string }
	if err := json.Unmarshal(raw, &o); err != nil {
		b.Fatal(err)
	}

	s := m.Settings(o.Bucket, strings.TrimSuffix(o.Prefix, "/"))
	s.Endpoint = endpoint
	s.Credentials = repo.Credentials{Source: repo.CredentialsEnvironment}
	local := repotest.LocalIn(b.TempDir())

	if _, err := eng.Connect(context.Background(), s, repo.Secrets{Passphrase: repotest.Passphrase}, local); err != nil {
		b.Fatal(err)
	}

	return repo.Upcoming{Settings: s, Local: local}
}

// contentsTimes reads the contents b.N times through e (each time after
// prepare, off the clock, when there is one) and gives the mean times from
// the call until the backups list is there, until the storage summary
// is (each handed over ahead of the other, or with it) and until all of
// it is (what a person waits for each), and of reading the backups once
// the repository is open.
func contentsTimes(b *testing.B, e repo.Engine, prepare func(), local repo.Local, sec repo.Secrets) (t contentsTiming) {
	defer timedProfile(b)()

	b.ResetTimer()

	for i := 0; i < b.N; i++ {
		if prepare != nil {
			prepare()
		}

		var reading, backups, summary time.Time

		start := time.Now()
		ctx := repo.WithContentsAhead(context.Background(), func(repo.Contents) { backups = time.Now() })
		ctx = repo.WithStorageAhead(ctx, func(repo.StorageUse) { summary = time.Now() })
		ctx = repo.WithProgress(ctx, func(s repo.Step) {
			if s == repo.StepBackups {
				reading = time.Now()
			}
		})

		c, err := e.Contents(ctx, local, sec)
		if err != nil {
			var d interface{ Details() string }
			if errors.As(err, &d) {
				b.Fatalf("%v (%s)", err, d.Details())
			}

			b.Fatal(err)
		}

		end := time.Now()
		if backups.IsZero() {
			backups = end
		}

		if summary.IsZero() {
			summary = end
		}

		t.all += end.Sub(start)
		t.summary += summary.Sub(start)
		t.backups += backups.Sub(start)
		t.reading += backups.Sub(reading)

		if c.Storage.Blobs < scaleBlobs || len(c.Backups)+c.AssistBackups != scaleBackups {
			b.Fatalf("%d blobs, %d+%d backups", c.Storage.Blobs, len(c.Backups), c.AssistBackups)
		}
	}

	b.StopTimer()

	n := time.Duration(b.N)

	return contentsTiming{all: t.all / n, summary: t.summary / n, backups: t.backups / n, reading: t.reading / n}
}

type contentsTiming struct{ all, summary, backups, reading time.Duration }

// timedProfile writes a CPU profile of this process while the benchmark
// is timed, to $CORSO_BENCH_CPUPROFILE with the benchmark's name (go test
// -cpuprofile would hold the repository's making, which is most of the
// run); the returned func ends it.
func timedProfile(b *testing.B) func() {
	dir := os.Getenv("CORSO_BENCH_CPUPROFILE")
	if dir == "" {
		return func() {}
	}

	f, err := os.Create(filepath.Join(dir, strings.NewReplacer("/", "_", "=", "").Replace(b.Name())+".pprof"))
	if err != nil {
		b.Fatal(err)
	}

	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}

	return func() {
		pprof.StopCPUProfile()
		f.Close() //nolint:errcheck
	}
}

// helperPeakMiB runs Contents once in the real helper binary, as the app
// does, and returns the process's peak resident memory (measured as
// repotest.MeasuredCommand says).
func helperPeakMiB(b *testing.B, local repo.Local, sec repo.Secrets) float64 {
	req, _ := json.Marshal(map[string]any{"protocol": engineproto.Protocol, "op": "contents", "local": local, "secrets": sec})

	cmd := repotest.MeasuredCommand(repotest.HelperPath(b))

	// stdin stays open while the helper works: its end would cancel.
	w, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}

	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}

	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}

	w.Write(append(req, '\n')) //nolint:errcheck

	// The answer's lines, read as they come, until the last one.
	answered := make(chan string, 1)
	go func() {
		var all strings.Builder

		lines := bufio.NewScanner(out)
		lines.Buffer(nil, 64<<20)

		for lines.Scan() {
			all.WriteString(lines.Text())

			if strings.Contains(lines.Text(), `"done":true`) {
				break
			}
		}

		answered <- all.String()
	}()

	var answer string

	select {
	case answer = <-answered:
	case <-time.After(2 * time.Minute):
		b.Fatal("the helper did not answer")
	}

	w.Close()

	if err := cmd.Wait(); err != nil || !strings.Contains(answer, `"contents"`) {
		b.Fatalf("helper: %v %.300s", err, answer)
	}

	peak, err := cmd.PeakMiB()
	if err != nil {
		b.Fatal(err)
	}

	return peak
}

type benchNetwork struct {
	name string
	net  repotest.Network
}

// scaleNetworks are where the scale benchmarks read from: next to MinIO,
// 50 ms away, and 50 ms away with the store's own time per request.
func scaleNetworks(server time.Duration) []benchNetwork {
	return []benchNetwork{
		{"rtt=0ms", repotest.Network{}},
		{"rtt=50ms", repotest.Network{RTT: 50 * time.Millisecond, Handshake: 50 * time.Millisecond}},
		{fmt.Sprintf("rtt=50ms-server=%dms", server.Milliseconds()), repotest.Network{RTT: 50 * time.Millisecond, Handshake: 50 * time.Millisecond, ServerTime: server}},
	}
}
