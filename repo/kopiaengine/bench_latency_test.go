package kopiaengine_test

import (
	"context"
	"fmt"
	"path/filepath"
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
// and 100 ms, plain kopia and this project side by side in one process.
// Besides time it reports requests, sequential round trips (time / rtt)
// and new connections per operation.
func BenchmarkLatency(b *testing.B) {
	ctx := context.Background()
	m := repotest.Shared(b, repotest.Options{})
	bucket := m.Bucket(b)

	// Each at 0, 20, 50 and 100 ms with a TCP handshake per new
	// connection, and at 50 ms with HTTPS's (TCP and TLS 1.3: two round
	// trips), where every new connection costs more.
	type network struct {
		rtt, handshake time.Duration
		name           string
	}

	var networks []network
	for _, rtt := range []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond} {
		networks = append(networks, network{rtt, rtt, fmt.Sprintf("rtt=%dms", rtt.Milliseconds())})
	}

	networks = append(networks, network{50 * time.Millisecond, 100 * time.Millisecond, "rtt=50ms-https"})

	for _, nw := range networks {
		rtt := nw.rtt
		endpoint, stats := m.LatencyProxyWith(b, rtt, nw.handshake)

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
		// reaches the step), off the clock.
		prepareHelper := func() {
			helper.Prepare()
			time.Sleep(300 * time.Millisecond)
		}

		ops := []struct {
			name   string
			run    func(b *testing.B, fresh string, offClock func(func())) error
			before func()
		}{
			{"create/impl=plain-kopia", func(b *testing.B, fresh string, offClock func(func())) error {
				st := plain(fresh)
				defer st.Close(ctx) //nolint:errcheck

				if err := kopiarepo.Initialize(ctx, st, nil, repotest.Passphrase); err != nil {
					return err
				}

				return kopiarepo.Connect(ctx, filepath.Join(b.TempDir(), "kopia.config"), st, repotest.Passphrase, nil)
			}, nil},
			{"create/impl=corso-desktop", func(b *testing.B, fresh string, offClock func(func())) error {
				// As the app runs it: the check step, then Create, handed
				// the check.
				rep, err := eng.Check(ctx, ours(fresh), repotest.RootSecrets().S3, repo.CheckWrite)
				if err != nil {
					return err
				}

				_, err = eng.Initialize(repo.WithCheck(ctx, rep), ours(fresh), repotest.RootSecrets(), repotest.LocalIn(b.TempDir()))

				return err
			}, nil},
			{"create/impl=corso-desktop-helper", func(b *testing.B, fresh string, offClock func(func())) error {
				// The release app: the check and the create each in a
				// prepared helper.
				rep, err := helper.Check(ctx, ours(fresh), repotest.RootSecrets().S3, repo.CheckWrite)
				if err != nil {
					return err
				}

				offClock(prepareHelper) // the user typing the passphrase

				_, err = helper.Initialize(repo.WithCheck(ctx, rep), ours(fresh), repotest.RootSecrets(), repotest.LocalIn(b.TempDir()))

				return err
			}, prepareHelper},
			{"initialize/impl=corso-desktop", func(b *testing.B, fresh string, offClock func(func())) error {
				_, err := eng.Initialize(ctx, ours(fresh), repotest.RootSecrets(), repotest.LocalIn(b.TempDir()))
				return err
			}, nil},
			{"connect/impl=plain-kopia", func(b *testing.B, _ string, _ func(func())) error {
				st := plain(existingPlain)
				defer st.Close(ctx) //nolint:errcheck

				return kopiarepo.Connect(ctx, filepath.Join(b.TempDir(), "kopia.config"), st, repotest.Passphrase, nil)
			}, nil},
			{"connect/impl=corso-desktop", func(b *testing.B, _ string, _ func(func())) error {
				_, err := eng.Connect(ctx, ours(existingOurs), repotest.RootSecrets(), repotest.LocalIn(b.TempDir()))
				return err
			}, nil},
			{"connect/impl=corso-desktop-helper", func(b *testing.B, _ string, _ func(func())) error {
				_, err := helper.Connect(ctx, ours(existingOurs), repotest.RootSecrets(), repotest.LocalIn(b.TempDir()))
				return err
			}, prepareHelper},
			{"check/impl=corso-desktop", func(b *testing.B, fresh string, offClock func(func())) error {
				_, err := eng.Check(ctx, ours(fresh), repotest.RootSecrets().S3, repo.CheckWrite)
				return err
			}, nil},
			{"check/impl=corso-desktop-helper", func(b *testing.B, fresh string, offClock func(func())) error {
				// The release app: the probe's removal follows the answer.
				_, err := helper.Check(ctx, ours(fresh), repotest.RootSecrets().S3, repo.CheckWrite)
				return err
			}, prepareHelper},
		}

		for _, op := range ops {
			b.Run(nw.name+"/op="+op.name, func(b *testing.B) {
				var (
					elapsed        time.Duration
					requests, conn int
					n              int
				)

				for i := 0; b.Loop(); i++ {
					fresh := fmt.Sprintf("lat-%d-%d", benchSeq.Add(1), i)

					if op.before != nil {
						b.StopTimer()
						op.before()
						b.StartTimer()
					}

					stats.Reset()
					start := time.Now()

					var off time.Duration

					offClock := func(f func()) {
						b.StopTimer()
						t0 := time.Now()
						f()
						off += time.Since(t0)
						b.StartTimer()
					}

					if err := op.run(b, fresh, offClock); err != nil {
						b.Fatal(err)
					}

					elapsed += time.Since(start) - off
					_, total := stats.Requests()
					requests += total
					conn += stats.Conns()
					n++
				}

				b.ReportMetric(float64(requests)/float64(n), "requests/op")
				b.ReportMetric(float64(conn)/float64(n), "conns/op")

				if rtt > 0 {
					b.ReportMetric(elapsed.Seconds()/rtt.Seconds()/float64(n), "rtts/op")
				}
			})
		}
	}
}
