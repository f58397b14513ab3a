package kopiaengine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

// foreignLock is the lock another computer's Corso Desktop holds: its
// host is not this one, its process number pid.
func foreignLock(t *testing.T, pid int) []byte {
	t.Helper()

	b, err := json.Marshal(map[string]any{"owner": fmt.Sprintf("elsewhere.example, process %d", pid), "host": "elsewhere.example", "pid": pid, "started": time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}

	return b
}

// deadPID is the number of a process that ran here and ended.
func deadPID(t *testing.T) int {
	t.Helper()

	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}

	return cmd.Process.Pid
}

// TestStaleLockAges: a lock of another computer is that computer's until
// it is 10 minutes old: at 9 minutes a create waits and is told the
// location is busy, at 11 it takes the lock over and creates. A process
// number that happens to be dead here says nothing of another computer's
// process: its lock, a minute old, is busy. On folders (the lock file's
// time set back) and on MinIO (the clock moved on).
func TestStaleLockAges(t *testing.T) {
	m := repotest.Shared(t, repotest.Options{})
	bucket := m.Bucket(t)
	ctx := context.Background()
	sec := repotest.RootSecrets()
	dead := deadPID(t)

	create := func(s repo.Settings) error {
		_, err := eng.Initialize(ctx, s, sec, repotest.LocalIn(t.TempDir()))
		return err
	}

	requireBusy := func(t *testing.T, what string, err error) {
		t.Helper()

		if repo.CodeOf(err) != repo.CodeBusy {
			t.Errorf("%s: %v (code %v), want busy", what, err, repo.CodeOf(err))
		}
	}

	folderWithLock := func(age time.Duration, pid int) repo.Filesystem {
		f := repo.Filesystem{Path: filepath.Join(t.TempDir(), "repo")}
		if err := os.MkdirAll(f.Path, 0o700); err != nil {
			t.Fatal(err)
		}

		lock := filepath.Join(f.Path, ".corso-desktop-lock")
		if err := os.WriteFile(lock, foreignLock(t, pid), 0o600); err != nil {
			t.Fatal(err)
		}

		at := time.Now().Add(-age)
		if err := os.Chtimes(lock, at, at); err != nil {
			t.Fatal(err)
		}

		return f
	}

	s3WithLock := func(name string, pid int) repo.S3Compatible {
		s := m.Settings(bucket, name)
		m.Put(t, bucket, s.Prefix+"/.corso-desktop-lock", string(foreignLock(t, pid)))

		return s
	}

	// With the clock as it is: folder locks 9 and 11 minutes old, and
	// another computer's locks with a process number dead here.
	var wg sync.WaitGroup

	for name, run := range map[string]func(){
		"folder, 9 minutes": func() {
			requireBusy(t, "a 9-minute lock of another computer", create(folderWithLock(9*time.Minute, 4242)))
		},
		"folder, 11 minutes": func() {
			if err := create(folderWithLock(11*time.Minute, 4242)); err != nil {
				t.Errorf("an 11-minute lock of another computer was not taken over: %v", err)
			}
		},
		"folder, dead number": func() {
			requireBusy(t, "another computer's folder lock with a number dead here", create(folderWithLock(time.Minute, dead)))
		},
		"S3, dead number": func() {
			requireBusy(t, "another computer's S3 lock with a number dead here", create(s3WithLock("dead-number", dead)))
		},
	} {
		wg.Add(1)

		go func() {
			defer wg.Done()

			t.Log(name)
			run()
		}()
	}

	wg.Wait()

	// S3 objects are as old as the store says: the clock moves instead.
	nine, eleven := s3WithLock("nine-minutes", 4242), s3WithLock("eleven-minutes", 4242)

	restore := kopiaengine.MoveClock(9 * time.Minute)
	requireBusy(t, "a 9-minute S3 lock of another computer", create(nine))
	restore()

	restore = kopiaengine.MoveClock(11 * time.Minute)
	defer restore()

	if err := create(eleven); err != nil {
		t.Errorf("an 11-minute S3 lock of another computer was not taken over: %v", err)
	}
}
