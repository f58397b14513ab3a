package platform_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/platform"
)

// appendLine is the change every writer makes: read the list, add one.
func appendLine(f platform.LockedFile, line string) error {
	return f.Update(context.Background(), func(cur []byte) ([]byte, error) {
		var lines []string
		if len(cur) > 0 {
			if err := json.Unmarshal(cur, &lines); err != nil {
				return nil, fmt.Errorf("half-written file seen: %w", err)
			}
		}

		return json.Marshal(append(lines, line))
	})
}

// TestLockedFileWriterProcess is the body of one writer process.
func TestLockedFileWriterProcess(t *testing.T) {
	path, name := os.Getenv("LOCKED_FILE_PATH"), os.Getenv("LOCKED_FILE_WRITER")
	if path == "" {
		t.Skip("only run as a child of TestTwoInstancesLoseNoWrite")
	}

	for i := 0; i < 40; i++ {
		if err := appendLine(platform.LockedFile{Path: path}, name+"-"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTwoInstancesLoseNoWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conf", "list.json")

	const writers = 3

	var wg sync.WaitGroup

	errs := make([]error, writers)
	outs := make([][]byte, writers)

	for w := 0; w < writers; w++ {
		wg.Add(1)

		go func(w int) {
			defer wg.Done()

			cmd := exec.Command(os.Args[0], "-test.run=^TestLockedFileWriterProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), "LOCKED_FILE_PATH="+path, "LOCKED_FILE_WRITER=w"+strconv.Itoa(w))
			outs[w], errs[w] = cmd.CombinedOutput()
		}(w)
	}

	wg.Wait()

	for w := range errs {
		if errs[w] != nil {
			t.Fatalf("writer %d: %v\n%s", w, errs[w], outs[w])
		}
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	var lines []string
	if err := json.Unmarshal(data, &lines); err != nil {
		t.Fatal(err)
	}

	if len(lines) != writers*40 {
		t.Fatalf("%d lines survived, want %d: concurrent writers lost updates", len(lines), writers*40)
	}

	checkMode(t, path, platform.FileMode)
	checkMode(t, filepath.Dir(path), platform.DirMode|os.ModeDir)
	checkMode(t, path+".lock", platform.FileMode)
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	if fi.Mode() != want {
		t.Fatalf("%s has mode %v, want %v", path, fi.Mode(), want)
	}
}

func TestFailedChangeWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "list.json")
	f := platform.LockedFile{Path: path}

	if err := appendLine(f, "first"); err != nil {
		t.Fatal(err)
	}

	before, _ := os.ReadFile(path)
	boom := errors.New("boom")

	if err := f.Update(context.Background(), func([]byte) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("Update returned %v", err)
	}

	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("a failed change altered the file")
	}

	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Fatalf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestSetAsideKeepsTheDamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "list.json")
	if err := os.WriteFile(path, []byte("{half"), 0o600); err != nil {
		t.Fatal(err)
	}

	f := platform.LockedFile{Path: path}

	backup, err := f.SetAside(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	if got, _ := os.ReadFile(backup); string(got) != "{half" {
		t.Fatalf("backup holds %q", got)
	}

	if data, err := f.Read(context.Background()); err != nil || data != nil {
		t.Fatalf("after SetAside Read = %q, %v; want nothing", data, err)
	}

	// A second damaged file gets its own backup name.
	os.WriteFile(path, []byte("again"), 0o600) //nolint:errcheck

	second, err := f.SetAside(context.Background())
	if err != nil || second == backup {
		t.Fatalf("second SetAside = %q, %v", second, err)
	}
}

func TestUserDirsFollowTheOS(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/x/config")
	t.Setenv("XDG_CACHE_HOME", "/x/cache")

	d, err := platform.UserDirs()
	if err != nil {
		t.Fatal(err)
	}

	if d.Config != "/x/config/corso-desktop" || d.Cache != "/x/cache/corso-desktop" {
		t.Fatalf("UserDirs = %+v", d)
	}

	if !strings.HasPrefix(d.ConnectionFile("abc"), d.Config) || !strings.HasPrefix(d.CacheDir("abc"), d.Cache) {
		t.Fatal("per-repository state must live under the app's folders")
	}
}

// TestSaveWaitsForASlowNeighbour: an instance holding the lock longer than
// the old 5 s limit, while making progress, does not get another
// instance's save refused; the waiter saves once it is done.
func TestSaveWaitsForASlowNeighbour(t *testing.T) {
	f := platform.LockedFile{Path: filepath.Join(t.TempDir(), "list.json")}

	holding := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)

	go func() {
		done <- f.Update(context.Background(), func(cur []byte) ([]byte, error) {
			close(holding)
			<-release

			return json.Marshal([]string{"slow"})
		})
	}()

	<-holding

	waiter := make(chan error, 1)

	go func() { waiter <- appendLine(f, "waiter") }()

	select {
	case err := <-waiter:
		t.Fatalf("the save did not wait for the lock: %v", err)
	case <-time.After(6 * time.Second):
	}

	close(release)

	if err := <-done; err != nil {
		t.Fatal(err)
	}

	if err := <-waiter; err != nil {
		t.Fatalf("the waiting save was refused: %v", err)
	}

	data, _ := os.ReadFile(f.Path)
	if string(data) != `["slow","waiter"]` {
		t.Fatalf("file %s", data)
	}
}
