//go:build unix

package kopiaengine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/engineproto"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// The backup of BenchmarkDetailsAtScale (issue 25): this many Exchange
// items (CORSO_BENCH_ITEMS to change it) in one backup on MinIO.
const detailsBackupID = "de7a0000-1f8f-4a5b-9d7e-6c1c2c5f3a10"

var (
	detailsOnce  sync.Once
	detailsLocal repo.Local
	detailsItems int
)

// detailsRepository makes the repository once per test binary: created
// by the engine, then one backup whose details list detailsItems items,
// written as Corso writes them.
func detailsRepository(b *testing.B) repo.Local {
	b.Helper()

	detailsOnce.Do(func() {
		ctx := context.Background()
		m := repotest.Shared(b, repotest.Options{})
		s := m.Settings(m.Bucket(b), "details")
		s.Credentials = repo.Credentials{Source: repo.CredentialsEnvironment}

		dir, err := os.MkdirTemp("", "corso-desktop-details-")
		if err != nil {
			b.Fatal(err)
		}

		detailsItems = envInt("CORSO_BENCH_ITEMS", 1_000_000)
		detailsLocal = repotest.LocalIn(dir)

		if _, err := eng.Initialize(ctx, s, repo.Secrets{Passphrase: repotest.Passphrase}, detailsLocal); err != nil {
			b.Fatal(err)
		}

		spec := repotest.DetailsSpec{Service: "exchange", Resource: "adele-id", To: detailsItems, Base: time.Now()}
		if _, err := repotest.WriteBackupWithDetails(ctx, detailsLocal.ConfigFile, repotest.Passphrase, repotest.DetailsBackup{ID: detailsBackupID, ResourceName: "Adele", Created: time.Now(), Details: spec}); err != nil {
			b.Fatal(err)
		}
	})

	return detailsLocal
}

// BenchmarkDetailsAtScale reads the details of one backup of a million
// items as the release app does (the engine helper, the result sent in
// parts to this process), next to MinIO and at 50 ms RTT (with and
// without the store's own 20 ms per request). first-s is from asking
// until every item is in this process, ready for the first screen;
// window-MiB is what the details add to this process's heap; helper-MiB
// the helper's peak resident memory. Targets: first screen within 2 s,
// helper under 400 MiB, the window unchanged.
func BenchmarkDetailsAtScale(b *testing.B) {
	b.Setenv("AWS_ACCESS_KEY_ID", repotest.RootUser)
	b.Setenv("AWS_SECRET_ACCESS_KEY", repotest.RootPassword)

	direct := detailsRepository(b)
	sec := repo.Secrets{Passphrase: repotest.Passphrase}
	m := repotest.Shared(b, repotest.Options{})
	client := engineproto.NewClient(repotest.HelperPath(b))
	server := time.Duration(envInt("CORSO_BENCH_SERVER_MS", 20)) * time.Millisecond

	for _, nw := range scaleNetworks(server) {
		b.Run(nw.name, func(b *testing.B) {
			local := direct
			if nw.net.RTT > 0 {
				local = connectThrough(b, m, detailsLocal, nw.net)
			}

			var window, first float64

			b.ResetTimer()

			for i := 0; i < b.N; i++ {
				before := heapMiB()
				start := time.Now()

				// As the items view does: parts appended as they come, the
				// first screen up with the first part.
				d := &repo.BackupDetails{}
				ctx := repo.WithItemParts(context.Background(), func(p *repo.BackupDetails) {
					if d.Len() == 0 {
						first += time.Since(start).Seconds()
					}

					d.Append(p)
				})

				rest, err := client.Details(ctx, local, sec, repo.DetailsRequest{BackupID: detailsBackupID})
				if err != nil {
					b.Fatal(err)
				}

				d.Append(rest)

				if d.Len() != detailsItems {
					b.Fatalf("%d items, want %d", d.Len(), detailsItems)
				}

				b.StopTimer()
				window += heapMiB() - before
				runtime.KeepAlive(d)
				b.StartTimer()
			}

			b.StopTimer()
			b.ReportMetric(first/float64(b.N), "first-s")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "all-s")
			b.ReportMetric(window/float64(b.N), "window-MiB")

			if nw.net.RTT == 0 {
				b.ReportMetric(helperPeakDetailsMiB(b, local, sec), "helper-MiB")
			}
		})
	}
}

// heapMiB is this process's live heap after a collection.
func heapMiB() float64 {
	runtime.GC()

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)

	return float64(ms.HeapAlloc) / (1 << 20)
}

// helperPeakDetailsMiB reads the details once in the real helper binary,
// as the app does, and returns the process's peak resident memory.
func helperPeakDetailsMiB(b *testing.B, local repo.Local, sec repo.Secrets) float64 {
	req, _ := json.Marshal(map[string]any{"protocol": engineproto.Protocol, "op": "details", "local": local, "secrets": sec, "details": repo.DetailsRequest{BackupID: detailsBackupID}})

	in, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}

	cmd := exec.Command(repotest.HelperPath(b))
	cmd.Stdin = in

	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}

	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}

	in.Close()
	w.Write(append(req, '\n')) //nolint:errcheck

	// Read what it sends (as the app does) until the result.
	dec := json.NewDecoder(out)

	for {
		var m map[string]json.RawMessage
		if err := dec.Decode(&m); err != nil {
			b.Fatalf("helper: %v", err)
		}

		if bytes.Equal(m["done"], []byte("true")) {
			if m["err"] != nil {
				b.Fatalf("helper: %s", m["err"])
			}

			break
		}
	}

	w.Close()

	if err := cmd.Wait(); err != nil {
		b.Fatal(err)
	}

	return float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
}
