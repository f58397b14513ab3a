// Package keychaintest gives tests a real Secret Service: the one started by
// scripts/with-keyring.sh for the whole run, and private D-Bus sessions for
// the failure paths (no Secret Service, a stopped daemon, a locked keyring,
// a keychain that never answers).
package keychaintest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/godbus/dbus/v5"
)

// Missing skips the test, or fails it when CI=true: in CI a missing test
// dependency is a broken run, not a reason to skip.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()

	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and %s", msg)
	}

	t.Skip(msg)
}

// Require makes sure the session's Secret Service (from
// scripts/with-keyring.sh) answers, and returns a System keychain on it
// with a service name of the test's own, so tests never meet each other's
// or the user's entries.
func Require(t testing.TB) keychain.System {
	t.Helper()

	if os.Getenv("CORSO_TEST_SECRET_SERVICE") == "" {
		Missing(t, "no test Secret Service: run the tests through scripts/with-keyring.sh (make test does)")
	}

	kc := keychain.System{Service: "corso-desktop-test-" + sanitize(t.Name()), Timeout: 10 * time.Second}

	_, err := kc.Get(context.Background(), "probe")
	if keychain.CodeOf(err) != keychain.CodeNotFound {
		Missing(t, "the test Secret Service does not answer: %v", err)
	}

	return kc
}

func sanitize(s string) string {
	return strings.NewReplacer("/", "-", " ", "-").Replace(s)
}

// busConfig is a session bus without service activation, so nothing is
// started behind the test's back: a Secret Service exists only when the
// test starts one.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// Bus is a private D-Bus session for one test.
type Bus struct {
	Address string
	dir     string
	keyring *exec.Cmd
}

// NewBus starts a private session bus; it stops when the test ends.
func NewBus(t testing.TB) *Bus {
	t.Helper()

	for _, tool := range []string{"dbus-daemon", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			Missing(t, "%s is not installed (make deps installs it)", tool)
		}
	}

	// Unix socket paths are short; t.TempDir can be too long for them.
	dir, err := os.MkdirTemp("", "kc")
	if err != nil {
		t.Fatal(err)
	}

	t.Cleanup(func() { os.RemoveAll(dir) })

	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(busConfig, dir)), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}

	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() }) //nolint:errcheck

	line, err := readLine(out, 10*time.Second)
	if err != nil {
		t.Fatalf("dbus-daemon gave no address: %v", err)
	}

	b := &Bus{Address: line, dir: dir}
	t.Cleanup(b.StopKeyring)

	return b
}

func readLine(r interface{ Read([]byte) (int, error) }, timeout time.Duration) (string, error) {
	lines := make(chan string, 1)
	errs := make(chan error, 1)

	go func() {
		s := bufio.NewScanner(r)
		if s.Scan() {
			lines <- strings.TrimSpace(s.Text())
			return
		}

		errs <- errors.Join(s.Err(), errors.New("no output"))
	}()

	select {
	case l := <-lines:
		return l, nil
	case err := <-errs:
		return "", err
	case <-time.After(timeout):
		return "", errors.New("timed out")
	}
}

// StartKeyring runs gnome-keyring's Secret Service on the bus, its login
// keyring created and unlocked with a test password.
func (b *Bus) StartKeyring(t testing.TB) {
	t.Helper()

	cmd := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	cmd.Env = append(os.Environ(),
		"DBUS_SESSION_BUS_ADDRESS="+b.Address,
		"XDG_DATA_HOME="+filepath.Join(b.dir, "data"),
		"XDG_RUNTIME_DIR="+b.dir,
		"DISPLAY=", "WAYLAND_DISPLAY=")
	cmd.Stdin = strings.NewReader("corso-desktop-tests")

	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	b.keyring = cmd

	// In the foreground it prints nothing; it is ready once it owns the name.
	conn := b.connect(t)
	defer conn.Close()

	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var owned bool
		if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, secretsName).Store(&owned); err == nil && owned {
			return
		}

		if time.Now().After(deadline) {
			t.Fatal("gnome-keyring-daemon did not take the Secret Service name")
		}
	}
}

// StopKeyring kills the Secret Service, as a crash or a logout would.
func (b *Bus) StopKeyring() {
	if b.keyring == nil {
		return
	}

	b.keyring.Process.Kill() //nolint:errcheck
	b.keyring.Wait()         //nolint:errcheck
	b.keyring = nil
}

// childMarker marks a test binary re-executed by Isolated.
const childMarker = "CORSO_KEYCHAIN_CHILD"

// Isolated runs the calling test again in a child process and reports
// false in the parent, which should return at once; in the child it
// reports true. The D-Bus library keeps one session connection per process,
// so a test that points the session at a private bus (Bus.Use) needs a
// process of its own. The child's failures fail t.
func Isolated(t testing.TB) bool {
	t.Helper()

	if os.Getenv(childMarker) == t.Name() {
		return true
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childMarker+"="+t.Name())

	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "--- SKIP: "+t.Name()) {
		t.Skipf("child skipped:\n%s", out)
	}

	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("child run of %s failed: %v\n%s", t.Name(), err, out)
	}

	return false
}

// Use points this process's D-Bus session at the bus. Call it before
// anything talks to D-Bus, in a test run through Isolated.
func (b *Bus) Use(t testing.TB) {
	t.Helper()

	if os.Getenv(childMarker) == "" {
		t.Fatal("Bus.Use outside an Isolated test would leave the process on the wrong bus")
	}

	t.Setenv("DBUS_SESSION_BUS_ADDRESS", b.Address)
}

// Lock locks the login keyring, as a screen lock or an idle timeout does.
func (b *Bus) Lock(t testing.TB) {
	t.Helper()

	conn := b.connect(t)
	defer conn.Close()

	var locked []dbus.ObjectPath

	var prompt dbus.ObjectPath

	err := conn.Object(secretsName, secretsPath).
		Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{loginCollection}).
		Store(&locked, &prompt)
	if err != nil || len(locked) != 1 {
		t.Fatalf("locking the keyring: %v (locked %v)", err, locked)
	}
}

const (
	secretsName     = "org.freedesktop.secrets"
	secretsPath     = dbus.ObjectPath("/org/freedesktop/secrets")
	loginCollection = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
)

func (b *Bus) connect(t testing.TB) *dbus.Conn {
	t.Helper()

	conn, err := dbus.Connect(b.Address)
	if err != nil {
		t.Fatalf("connecting to the test bus: %v", err)
	}

	return conn
}

// stalledService answers no call: a keychain stuck behind an unlock prompt
// nobody sees.
type stalledService struct{ release chan struct{} }

func (s stalledService) OpenSession(string, dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	<-s.release
	return dbus.MakeVariant(""), "/", nil
}

func (s stalledService) Unlock([]dbus.ObjectPath) ([]dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	<-s.release
	return nil, "/", nil
}

// StartStalledService owns the Secret Service name on the bus and never
// answers, until the test ends.
func (b *Bus) StartStalledService(t testing.TB) {
	t.Helper()

	conn := b.connect(t)
	svc := stalledService{release: make(chan struct{})}

	t.Cleanup(func() { close(svc.release); conn.Close() })

	if err := conn.Export(svc, secretsPath, "org.freedesktop.Secret.Service"); err != nil {
		t.Fatal(err)
	}

	reply, err := conn.RequestName(secretsName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s: %v (%v)", secretsName, err, reply)
	}
}
