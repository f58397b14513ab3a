package kopiaengine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/blob/filesystem"
	"github.com/kopia/kopia/repo/blob/s3"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// benchTarget makes a fresh location per iteration for one storage kind,
// both as our settings and as plain kopia storage.
// benchSeq keeps locations unique across -count repetitions.
var benchSeq atomic.Int64

type benchTarget struct {
	name     string
	settings func(b *testing.B, i int) repo.Settings
	storage  func(b *testing.B, s repo.Settings, create bool) blob.Storage
}

func benchTargets(b *testing.B) []benchTarget {
	m := repotest.Shared(b, repotest.Options{})
	bucket := m.Bucket(b)
	base := b.TempDir()

	return []benchTarget{
		{
			name: "filesystem",
			settings: func(b *testing.B, i int) repo.Settings {
				return repo.Filesystem{Path: filepath.Join(base, fmt.Sprintf("r%d-%d", benchSeq.Add(1), i))}
			},
			storage: func(b *testing.B, s repo.Settings, create bool) blob.Storage {
				st, err := filesystem.New(context.Background(), &filesystem.Options{Path: s.(repo.Filesystem).Path}, create)
				if err != nil {
					b.Fatal(err)
				}

				return st
			},
		},
		{
			name: "minio",
			settings: func(b *testing.B, i int) repo.Settings {
				return m.Settings(bucket, fmt.Sprintf("r%d-%d", benchSeq.Add(1), i))
			},
			storage: func(b *testing.B, s repo.Settings, _ bool) blob.Storage {
				c := s.(repo.S3Compatible)
				n, _ := c.Normalized()

				st, err := s3.New(context.Background(), &s3.Options{
					BucketName: c.Bucket, Prefix: n.(repo.S3Compatible).Prefix, Endpoint: c.Endpoint, DoNotUseTLS: true,
					AccessKeyID: repotest.RootUser, SecretAccessKey: repotest.RootPassword,
				}, false)
				if err != nil {
					b.Fatal(err)
				}

				return st
			},
		},
	}
}

// BenchmarkInitialize compares eng.Initialize (checks, Corso format and
// settings, one open) with plain kopia: Initialize + Connect with defaults.
func BenchmarkInitialize(b *testing.B) {
	ctx := context.Background()

	for _, tg := range benchTargets(b) {
		b.Run("kind="+tg.name+"/impl=plain-kopia", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				settle(b)

				st := tg.storage(b, tg.settings(b, i), true)
				if err := kopiarepo.Initialize(ctx, st, nil, repotest.Passphrase); err != nil {
					b.Fatal(err)
				}

				if err := kopiarepo.Connect(ctx, filepath.Join(b.TempDir(), "kopia.config"), st, repotest.Passphrase, nil); err != nil {
					b.Fatal(err)
				}

				st.Close(ctx)
			}
		})

		b.Run("kind="+tg.name+"/impl=corso-desktop", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				settle(b)

				if _, err := eng.Initialize(ctx, tg.settings(b, i), repotest.RootSecrets(), repotest.LocalIn(b.TempDir())); err != nil {
					b.Fatal(err)
				}
			}
		})

		// What the release app does: the same call in the engine helper,
		// started while the user typed the passphrase (prepared), or not.
		for _, prepared := range []bool{true, false} {
			b.Run("kind="+tg.name+"/impl="+helperImpl(prepared), func(b *testing.B) {
				e := repotest.Helper(b)

				for i := 0; b.Loop(); i++ {
					settle(b)
					prepare(b, e, prepared)

					if _, err := e.Initialize(ctx, tg.settings(b, i), repotest.RootSecrets(), repotest.LocalIn(b.TempDir())); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkConnect compares repo.Connect with kopia's Connect (defaults) to
// the same existing repository.
func BenchmarkConnect(b *testing.B) {
	ctx := context.Background()

	for _, tg := range benchTargets(b) {
		s := tg.settings(b, 0)
		if _, err := eng.Initialize(ctx, s, repotest.RootSecrets(), repotest.LocalIn(b.TempDir())); err != nil {
			b.Fatal(err)
		}

		b.Run("kind="+tg.name+"/impl=plain-kopia", func(b *testing.B) {
			for b.Loop() {
				settle(b)

				st := tg.storage(b, s, false)
				if err := kopiarepo.Connect(ctx, filepath.Join(b.TempDir(), "kopia.config"), st, repotest.Passphrase, nil); err != nil {
					b.Fatal(err)
				}

				st.Close(ctx)
			}
		})

		b.Run("kind="+tg.name+"/impl=corso-desktop", func(b *testing.B) {
			for b.Loop() {
				settle(b)

				if _, err := eng.Connect(ctx, s, repotest.RootSecrets(), repotest.LocalIn(b.TempDir())); err != nil {
					b.Fatal(err)
				}
			}
		})

		for _, prepared := range []bool{true, false} {
			b.Run("kind="+tg.name+"/impl="+helperImpl(prepared), func(b *testing.B) {
				e := repotest.Helper(b)

				for b.Loop() {
					settle(b)
					prepare(b, e, prepared)

					if _, err := e.Connect(ctx, s, repotest.RootSecrets(), repotest.LocalIn(b.TempDir())); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// settle starts each timed iteration from a collected heap. Every open
// derives keys with scrypt, which allocates 64 MiB; without this, whether a
// collection lands inside an iteration depends on what ran before it, and
// that noise is larger than the differences measured here.
func settle(b *testing.B) {
	b.StopTimer()
	runtime.GC()
	b.StartTimer()
}

func helperImpl(prepared bool) string {
	if prepared {
		return "corso-desktop-helper"
	}

	return "corso-desktop-helper-cold"
}

// prepare starts the helper the way the app does when it shows the
// passphrase field, and gives it the moment a user takes to type, off the
// clock.
func prepare(b *testing.B, e interface{ Prepare(repo.Upcoming) }, prepared bool) {
	if !prepared {
		return
	}

	b.StopTimer()
	e.Prepare(repo.Upcoming{})
	time.Sleep(300 * time.Millisecond)
	b.StartTimer()
}
