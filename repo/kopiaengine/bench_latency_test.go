package kopiaengine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/blob/s3"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// BenchmarkLatency (issue 14) runs the operations a user waits for through
// a proxy that puts MinIO rtt away (repotest.LatencyProxy), at 0, 20, 50
// and 100 ms and at 50 ms with HTTPS's handshake, plain kopia and this
// project alternating within every iteration in one process. For each
// implementation it reports the median, min and max wall time, requests
// and new connections per run and the median in round trips (time / rtt);
// for each against plain kopia, the median of the iterations' ratios.
func BenchmarkLatency(b *testing.B) {
	ctx := context.Background()
	m := repotest.Shared(b, repotest.Options{})
	bucket := m.Bucket(b)

	// Each at 0, 20, 50, 100 and 200 ms with a TCP handshake per new
	// connection, and at 50 ms with HTTPS's (TCP and TLS 1.3: two round
	// trips), where every new connection costs more; at 50 and 200 ms
	// also with a store that takes 20 ms over each request, as real S3
	// does (CORSO_BENCH_SERVER_MS changes it).
	type network struct {
		rtt, handshake, server time.Duration
		name                   string
	}

	server := time.Duration(envInt("CORSO_BENCH_SERVER_MS", 20)) * time.Millisecond

	var networks []network
	for _, rtt := range []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond} {
		networks = append(networks, network{rtt, rtt, 0, fmt.Sprintf("rtt=%dms", rtt.Milliseconds())})
	}

	networks = append(networks, network{50 * time.Millisecond, 100 * time.Millisecond, 0, "rtt=50ms-https"})

	for _, rtt := range []time.Duration{50 * time.Millisecond, 200 * time.Millisecond} {
		networks = append(networks, network{rtt, rtt, server, fmt.Sprintf("rtt=%dms-server=%dms", rtt.Milliseconds(), server.Milliseconds())})
	}

	for _, nw := range networks {
		rtt := nw.rtt
		endpoint, stats := m.LatencyProxyWith(b, repotest.Network{RTT: rtt, Handshake: nw.handshake, ServerTime: nw.server})

		ours := func(prefix string) repo.S3Compatible {
			s := m.Settings(bucket, prefix)
			s.Endpoint = endpoint

			return s
		}

		plain := func(prefix string) blob.Storage {
			st, err := s3.New(ctx, &s3.Options{
				BucketName: bucket, Prefix: prefix + "/", Endpoint: endpoint, DoNotUseTLS: true,
				AccessKeyID: repotest.RootUser, SecretAccessKey: repotest.RootPassword,
			}, false)
			if err != nil {
				b.Fatal(err)
			}

			return st
		}

		// Repositories to connect to, one of each, made beforehand.
		existingPlain, existingOurs := "lat-existing-plain-"+nw.name, "lat-existing-ours-"+nw.name

		if err := kopiarepo.Initialize(ctx, plain(existingPlain), nil, repotest.Passphrase); err != nil {
			b.Fatal(err)
		}

		if _, err := eng.Initialize(ctx, ours(existingOurs), repotest.RootSecrets(), repotest.LocalIn(b.TempDir())); err != nil {
			b.Fatal(err)
		}

		helper := repotest.Helper(b)

		// The helper is started the way the app starts it (when the user
		// reaches the step), off the clock: for the check nothing is known
		// yet of where it goes, for the create the checked location, for
		// a connect the repository picked.
		prepareHelperFor := func(next repo.Upcoming) {
			helper.Prepare(next)
			time.Sleep(300 * time.Millisecond)
		}
		prepareHelper := func() { prepareHelperFor(repo.Upcoming{}) }

		type impl struct {
			name   string
			run    func(b *testing.B, fresh string, offClock func(func())) error
			before func()
		}

		plainCreate := impl{"plain-kopia", func(b *testing.B, fresh string, _ func(func())) error {
			st := plain(fresh)
			defer st.Close(ctx) //nolint:errcheck

			if err := kopiarepo.Initialize(ctx, st, nil, repotest.Passphrase); err != nil {
				return err
			}

			return kopiarepo.Connect(ctx, filepath.Join(b.TempDir(), "kopia.config"), st, repotest.Passphrase, nil)
		}, nil}

		// Each op's implementations run one after the other in every
		// iteration, so that a slower moment of the machine falls on all
		// of them alike; the ratios are of each iteration's pair.
		ops := []struct {
			name  string
			impls []impl
		}{
			{"create", []impl{plainCreate, {"corso-desktop", func(b *testing.B, fresh string, _ func(func())) error {
				// As the app runs it: the check step, then Create, handed
				// the check.
				rep, err := eng.Check(ctx, ours(fresh), repotest.RootSecrets().S3, repo.CheckWrite)
				if err != nil {
					return err
				}

				_, err = eng.Initialize(repo.WithCheck(ctx, rep), ours(fresh), repotest.RootSecrets(), repotest.LocalIn(b.TempDir()))

				return err
			}, nil}, {"corso-desktop-helper", func(b *testing.B, fresh string, offClock func(func())) error {
				// The release app: the check and the create each in a
				// prepared helper.
				rep, err := helper.Check(ctx, ours(fresh), repotest.RootSecrets().S3, repo.CheckWrite)
				if err != nil {
					return err
				}

				offClock(func() { prepareHelperFor(repo.Upcoming{Settings: ours(fresh), Region: rep.Region}) }) // the user typing the passphrase

				_, err = helper.Initialize(repo.WithCheck(ctx, rep), ours(fresh), repotest.RootSecrets(), repotest.LocalIn(b.TempDir()))

				return err
			}, prepareHelper}}},
			{"initialize", []impl{plainCreate, {"corso-desktop", func(b *testing.B, fresh string, _ func(func())) error {
				// Create with its own check, as Finish and a create
				// without the check step run it.
				_, err := eng.Initialize(ctx, ours(fresh), repotest.RootSecrets(), repotest.LocalIn(b.TempDir()))
				return err
			}, nil}}},
			{"connect", []impl{{"plain-kopia", func(b *testing.B, _ string, _ func(func())) error {
				st := plain(existingPlain)
				defer st.Close(ctx) //nolint:errcheck

				return kopiarepo.Connect(ctx, filepath.Join(b.TempDir(), "kopia.config"), st, repotest.Passphrase, nil)
			}, nil}, {"corso-desktop", func(b *testing.B, _ string, _ func(func())) error {
				_, err := eng.Connect(ctx, ours(existingOurs), repotest.RootSecrets(), repotest.LocalIn(b.TempDir()))
				return err
			}, nil}, {"corso-desktop-helper", func(b *testing.B, _ string, _ func(func())) error {
				_, err := helper.Connect(ctx, ours(existingOurs), repotest.RootSecrets(), repotest.LocalIn(b.TempDir()))
				return err
			}, func() { prepareHelperFor(repo.Upcoming{Settings: ours(existingOurs)}) }}}},
			{"check", []impl{{"corso-desktop", func(b *testing.B, fresh string, _ func(func())) error {
				_, err := eng.Check(ctx, ours(fresh), repotest.RootSecrets().S3, repo.CheckWrite)
				return err
			}, nil}, {"corso-desktop-helper", func(b *testing.B, fresh string, _ func(func())) error {
				// The release app: the probe's removal follows the answer.
				_, err := helper.Check(ctx, ours(fresh), repotest.RootSecrets().S3, repo.CheckWrite)
				return err
			}, prepareHelper}}},
		}

		for _, op := range ops {
			b.Run(nw.name+"/op="+op.name, func(b *testing.B) {
				times := make([][]time.Duration, len(op.impls))
				requests := make([]int, len(op.impls))
				conns := make([]int, len(op.impls))

				for i := 0; b.Loop(); i++ {
					for k, im := range op.impls {
						fresh := fmt.Sprintf("lat-%d-%d", benchSeq.Add(1), i)

						if im.before != nil {
							im.before()
						}

						var off time.Duration

						offClock := func(f func()) {
							t0 := time.Now()
							f()
							off += time.Since(t0)
						}

						stats.Reset()
						start := time.Now()

						if err := im.run(b, fresh, offClock); err != nil {
							b.Fatal(err)
						}

						times[k] = append(times[k], time.Since(start)-off)

						if im.before != nil {
							// The helper's clean-up after its answer
							// counts with its own run, not the next one's.
							time.Sleep(3*rtt + 100*time.Millisecond)
						}

						_, total := stats.Requests()
						requests[k] += total
						conns[k] += stats.Conns()
					}
				}

				for k, im := range op.impls {
					reportLatency(b, im.name, times[k], requests[k], conns[k], rtt)

					if k > 0 && op.impls[0].name == "plain-kopia" {
						b.ReportMetric(medianRatio(times[k], times[0]), im.name+"/plain")
					}
				}
			})
		}
	}
}

// reportLatency reports one implementation's wall times (median, min and
// max in ms), its requests and new connections per run, and its median in
// round trips.
func reportLatency(b *testing.B, name string, times []time.Duration, requests, conns int, rtt time.Duration) {
	sorted := slices.Clone(times)
	slices.Sort(sorted)

	med := sorted[len(sorted)/2]
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

	b.ReportMetric(ms(med), name+"-median-ms")
	b.ReportMetric(ms(sorted[0]), name+"-min-ms")
	b.ReportMetric(ms(sorted[len(sorted)-1]), name+"-max-ms")
	b.ReportMetric(float64(requests)/float64(len(times)), name+"-requests")
	b.ReportMetric(float64(conns)/float64(len(times)), name+"-conns")

	if rtt > 0 {
		b.ReportMetric(med.Seconds()/rtt.Seconds(), name+"-rtts")
	}
}

// medianRatio is the median of each run's time over its peer's in the
// same iteration.
func medianRatio(times, peer []time.Duration) float64 {
	ratios := make([]float64, len(times))
	for i := range times {
		ratios[i] = times[i].Seconds() / peer[i].Seconds()
	}

	slices.Sort(ratios)

	return ratios[len(ratios)/2]
}
