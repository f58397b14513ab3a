package platform_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/internal/testdir"
	"github.com/corsodesktop/corso-desktop/platform"
)

// asks records what an instance was asked.
type asks struct {
	mu  sync.Mutex
	got []string
}

func (a *asks) add(ask string) { a.mu.Lock(); a.got = append(a.got, ask); a.mu.Unlock() }

func (a *asks) String() string { a.mu.Lock(); defer a.mu.Unlock(); return strings.Join(a.got, ",") }

// TestASecondStartShowsTheFirst: the first start holds the claim; a second
// is told it is not needed, and the first is asked to show its window (or,
// for a login-item start, nothing); once the first closes, a new start
// holds the claim.
func TestASecondStartShowsTheFirst(t *testing.T) {
	dir := filepath.Join(testdir.New(t), "settings")

	first, err := platform.ClaimInstance(dir, platform.AskShow)
	if err != nil {
		t.Fatal(err)
	}

	var got asks
	first.Serve(got.add)

	for _, ask := range []string{platform.AskShow, platform.AskStay} {
		if second, err := platform.ClaimInstance(dir, ask); !errors.Is(err, platform.ErrOtherInstance) {
			t.Fatalf("a second start (%s): %v %v", ask, second, err)
		}
	}

	if got.String() != "show,stay" {
		t.Fatalf("the first was asked %q", got.String())
	}

	fi, err := os.Stat(filepath.Join(dir, "instance"))
	if err != nil {
		t.Fatal(err)
	}

	if runtime.GOOS != "windows" && fi.Mode().Perm() != platform.FileMode {
		t.Fatalf("the address file is %v", fi.Mode())
	}

	first.Close()

	third, err := platform.ClaimInstance(dir, platform.AskShow)
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	third.Close()

	if got.String() != "show,stay" {
		t.Fatalf("the closed instance was asked %q", got.String())
	}
}

// TestAWrongTokenAsksNothing: whoever cannot read the address file (another
// user on the computer) gets no answer and asks nothing.
func TestAWrongTokenAsksNothing(t *testing.T) {
	dir := testdir.New(t)

	first, err := platform.ClaimInstance(dir, platform.AskShow)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()

	var got asks
	first.Serve(got.add)

	raw, err := os.ReadFile(filepath.Join(dir, "instance"))
	if err != nil {
		t.Fatal(err)
	}

	var (
		port  int
		token string
	)
	fmt.Sscanf(string(raw), "%d %s", &port, &token) //nolint:errcheck

	for _, line := range []string{"0123 show\n", token + "x show\n", token + " quit\n", "show\n"} {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}

		conn.SetDeadline(time.Now().Add(5 * time.Second)) //nolint:errcheck
		fmt.Fprint(conn, line)                            //nolint:errcheck

		if reply, err := bufio.NewReader(conn).ReadString('\n'); err == nil {
			t.Errorf("%q was answered %q", line, reply)
		}
		conn.Close()
	}

	if got.String() != "" {
		t.Fatalf("asked %q", got.String())
	}
}

// TestAnInstanceThatDoesNotAnswer: a second start gives up after its wait
// with a sentence saying what to do, and holds nothing.
func TestAnInstanceThatDoesNotAnswer(t *testing.T) {
	dir := testdir.New(t)

	first, err := platform.ClaimInstance(dir, platform.AskShow)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	// Not served: the connection is accepted by the system and never answered.

	start := time.Now()
	_, err = platform.ClaimInstance(dir, platform.AskShow)

	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Code != platform.CodeBusy || !strings.Contains(err.Error(), "already running for you") || !strings.Contains(err.Error(), "Quit it from its tray icon") {
		t.Fatalf("%v", err)
	}

	if waited := time.Since(start); waited > 15*time.Second {
		t.Fatalf("waited %v", waited)
	}
}

// TestAKilledInstanceLeavesNoClaim: the first instance is another
// process; while it runs a second start reaches it, and once it is killed
// (no Close, its address file left behind) the next start holds the claim.
func TestAKilledInstanceLeavesNoClaim(t *testing.T) {
	if dir := os.Getenv("CORSO_TEST_INSTANCE_DIR"); dir != "" {
		inst, err := platform.ClaimInstance(dir, platform.AskShow)
		if err != nil {
			fmt.Println("claim:", err)
			os.Exit(1)
		}

		inst.Serve(func(ask string) { fmt.Println("asked", ask) })
		fmt.Println("claimed")
		time.Sleep(time.Minute)
		os.Exit(0)
	}

	dir := testdir.New(t)
	child := exec.Command(os.Args[0], "-test.run", "^TestAKilledInstanceLeavesNoClaim$", "-test.count=1")
	child.Env = append(os.Environ(), "CORSO_TEST_INSTANCE_DIR="+dir)

	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}

	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill() //nolint:errcheck

	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "claimed" {
		t.Fatalf("the other process: %q", lines.Text())
	}

	if _, err := platform.ClaimInstance(dir, platform.AskShow); !errors.Is(err, platform.ErrOtherInstance) {
		t.Fatalf("while the other runs: %v", err)
	}

	if !lines.Scan() || lines.Text() != "asked show" {
		t.Fatalf("the other process was asked: %q", lines.Text())
	}

	child.Process.Kill() //nolint:errcheck
	child.Wait()         //nolint:errcheck

	if _, err := os.Stat(filepath.Join(dir, "instance")); err != nil {
		t.Fatalf("the killed instance's address file: %v", err)
	}

	inst, err := platform.ClaimInstance(dir, platform.AskShow)
	if err != nil {
		t.Fatalf("after the other was killed: %v", err)
	}
	inst.Close()
}
