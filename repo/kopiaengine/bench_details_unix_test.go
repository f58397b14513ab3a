//go:build unix

package kopiaengine_test

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"sync"
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

// BenchmarkDetailsAtScale opens the items of one backup of a million
// items as the release app does (a session in the engine helper, asked by
// this process as the items view asks), next to MinIO and at 50 ms RTT
// (with and without the store's own 20 ms per request). first-s is from
// asking until the first screen's rows are in this process; all-s until
// every item is read; search-ms a text search and its first rows, sort-ms
// every item by name and its first rows 2 s later, both over the helper's
// pipe;
// window-MiB what the open session adds to this process's heap (the
// folders and a page of rows, as the view keeps them); helper-MiB the
// helper's peak resident memory. Targets: first screen within 2 s, a
// search within 200 ms, helper under 400 MiB, the window unchanged.
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

			var window, first, search, sort float64

			b.ResetTimer()

			for i := 0; i < b.N; i++ {
				before := heapMiB()
				start := time.Now()

				v, err := openAsTheView(client, local, sec)
				if err != nil {
					b.Fatal(err)
				}

				first += v.first.Sub(start).Seconds()

				if v.items != detailsItems {
					b.Fatalf("%d items, want %d", v.items, detailsItems)
				}

				b.StopTimer()
				window += heapMiB() - before
				search += v.timed(b, repo.ItemsQuery{Text: "invoice"})
				// A person picks another order a moment after the items are
				// in; the session has sorted them once by then.
				time.Sleep(2 * time.Second)
				sort += v.timed(b, repo.ItemsQuery{Order: repo.OrderByName})
				runtime.KeepAlive(v)
				v.s.Close() //nolint:errcheck
				b.StartTimer()
			}

			b.StopTimer()
			b.ReportMetric(first/float64(b.N), "first-s")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "all-s")
			b.ReportMetric(search/float64(b.N), "search-ms")
			b.ReportMetric(sort/float64(b.N), "sort-ms")
			b.ReportMetric(window/float64(b.N), "window-MiB")

			if nw.net.RTT == 0 {
				b.ReportMetric(helperPeakDetailsMiB(b, local, sec), "helper-MiB")
			}
		})
	}
}

// viewOfItems is what the items view holds of an open session.
type viewOfItems struct {
	s           repo.DetailsSession
	items       int
	folders     [][]string
	folderItems []int32
	rows        []repo.ShownItem
	first       time.Time
}

// openAsTheView opens the session and asks as the items view does: the
// status every 50 ms until the first items, a search and its first page
// for the first screen, then the status until every item is read.
func openAsTheView(c *engineproto.Client, local repo.Local, sec repo.Secrets) (*viewOfItems, error) {
	ctx := context.Background()

	s, err := c.OpenDetails(ctx, local, sec, repo.DetailsRequest{BackupID: detailsBackupID})
	if err != nil {
		return nil, err
	}

	v := &viewOfItems{s: s}

	for {
		st, err := s.Status(ctx, len(v.folders))
		if err != nil {
			return nil, err
		}

		v.folders = append(v.folders, st.Folders...)
		v.items, v.folderItems = st.Items, st.FolderItems

		if v.first.IsZero() && st.Items > 0 {
			found, err := s.Search(ctx, repo.ItemsQuery{})
			if err != nil {
				return nil, err
			}

			if v.rows, err = s.Shown(ctx, found.Search, 0, 100); err != nil {
				return nil, err
			}

			v.first = time.Now()
		}

		if st.Done {
			return v, st.Err
		}

		time.Sleep(50 * time.Millisecond)
	}
}

// timed is how long, in ms, q and its first page of rows take.
func (v *viewOfItems) timed(b *testing.B, q repo.ItemsQuery) float64 {
	start := time.Now()

	found, err := v.s.Search(context.Background(), q)
	if err == nil {
		v.rows, err = v.s.Shown(context.Background(), found.Search, 0, 100)
	}

	if err != nil {
		b.Fatal(err)
	}

	return float64(time.Since(start).Microseconds()) / 1000
}

// heapMiB is this process's live heap after a collection.
func heapMiB() float64 {
	runtime.GC()

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)

	return float64(ms.HeapAlloc) / (1 << 20)
}

// helperPeakDetailsMiB opens a session in the real helper binary, as the
// app does, reads every item into it, sorts them all by name, and returns
// the process's peak resident memory (measured as
// repotest.MeasuredCommand says).
func helperPeakDetailsMiB(b *testing.B, local repo.Local, sec repo.Secrets) float64 {
	req, _ := json.Marshal(map[string]any{"protocol": engineproto.Protocol, "op": "detailsSession", "local": local, "secrets": sec, "details": repo.DetailsRequest{BackupID: detailsBackupID}})

	cmd := repotest.MeasuredCommand(repotest.HelperPath(b))

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

	dec := json.NewDecoder(out)
	answer := func(line any) map[string]json.RawMessage {
		if line != nil {
			l, _ := json.Marshal(line)
			w.Write(append(l, '\n')) //nolint:errcheck
		}

		var m map[string]json.RawMessage
		if err := dec.Decode(&m); err != nil {
			b.Fatalf("helper: %v", err)
		}

		if m["err"] != nil {
			b.Fatalf("helper: %s", m["err"])
		}

		return m
	}

	answer(json.RawMessage(req))

	for id := 1; ; id++ {
		var st struct {
			Done bool `json:"done"`
		}

		json.Unmarshal(answer(map[string]any{"id": id, "call": "status", "from": 1 << 30})["status"], &st) //nolint:errcheck

		if st.Done {
			break
		}

		time.Sleep(50 * time.Millisecond)
	}

	answer(map[string]any{"id": 1 << 20, "call": "search", "query": repo.ItemsQuery{Order: repo.OrderByName}})

	w.Close()

	if err := cmd.Wait(); err != nil {
		b.Fatal(err)
	}

	peak, err := cmd.PeakMiB()
	if err != nil {
		b.Fatal(err)
	}

	return peak
}
