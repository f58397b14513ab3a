//go:build wine

package wintest

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/engineproto"
	"github.com/corsodesktop/corso-desktop/repo/kopiaengine"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

var app = flag.String("app", "", "the unpacked Windows package: the folder holding both .exe files")

func TestMain(m *testing.M) {
	flag.Parse()

	if *app == "" || os.Getenv("WINEPREFIX") == "" {
		os.Stderr.WriteString("wintest: run through scripts/wine-test.sh, which makes the Wine prefix and unpacks the package\n")
		os.Exit(2)
	}

	repotest.Main(m)
}

// winPath is p as Windows programs under Wine see it: on drive Z:.
func winPath(p string) string { return "Z:" + strings.ReplaceAll(p, "/", `\`) }

// wine runs a Windows program under Wine, bounded by timeout.
func wine(t *testing.T, timeout time.Duration, args ...string) (string, error) {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	var out bytes.Buffer

	cmd := exec.CommandContext(ctx, "wine", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()

	return out.String(), err
}

// engine is a client of the packaged engine .exe, started under Wine by a
// one-line script, exactly as the app starts it.
func engine(t *testing.T) *engineproto.Client {
	script := filepath.Join(t.TempDir(), "corso-desktop-engine")
	body := "#!/bin/sh\nexec wine '" + filepath.Join(*app, "corso-desktop-engine.exe") + "'\n"

	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}

	return engineproto.NewClient(script)
}

// TestEngineUnderWine: the packaged engine makes a Corso repository at a
// Z:\ path with spaces, reopens it, refuses a wrong passphrase, connects
// from a new connection state; the Linux build of the engine opens the
// same repository, so the format is the same on both.
func TestEngineUnderWine(t *testing.T) {
	eng := engine(t)
	ctx := context.Background()
	dir := t.TempDir()
	folder := filepath.Join(dir, "Corso repository with spaces")
	s := repo.Filesystem{Path: winPath(folder)}
	sec := repo.Secrets{Passphrase: repotest.Passphrase}
	local := repo.Local{ConfigFile: winPath(filepath.Join(dir, "state", "repository.config")), CacheDir: winPath(filepath.Join(dir, "cache"))}

	var steps []repo.Step

	made, err := eng.Initialize(repo.WithProgress(ctx, func(s repo.Step) { steps = append(steps, s) }), s, sec, local)
	if err != nil {
		t.Fatalf("initialize at %s: %v", s.Path, err)
	}

	repotest.RequireCorsoFormat(t, made)

	if len(steps) == 0 {
		t.Error("no progress came back through Wine")
	}

	if _, err := os.Stat(filepath.Join(folder, "kopia.repository.f")); err != nil {
		t.Fatalf("no repository on disk: %v", err)
	}

	if info, err := eng.Reopen(ctx, local, sec); err != nil || info.UniqueID != made.UniqueID {
		t.Fatalf("reopen: %v %v", info, err)
	}

	other := repo.Local{ConfigFile: winPath(filepath.Join(dir, "other", "repository.config")), CacheDir: winPath(filepath.Join(dir, "other", "cache"))}

	_, err = eng.Connect(ctx, s, repo.Secrets{Passphrase: "not the passphrase"}, other)
	repotest.RequireCode(t, err, repo.CodeWrongPassphrase)

	if info, err := eng.Connect(ctx, s, sec, other); err != nil || info.UniqueID != made.UniqueID {
		t.Fatalf("connect: %v %v", info, err)
	}

	if rep, err := eng.Check(ctx, s, repo.S3Secrets{}, repo.CheckRead); err != nil || rep.State != repo.StateRepository {
		t.Fatalf("check: %v %v", rep, err)
	}

	linux, err := kopiaengine.New().Connect(ctx, repo.Filesystem{Path: folder}, sec, repotest.LocalIn(t.TempDir()))
	if err != nil || linux.UniqueID != made.UniqueID {
		t.Fatalf("the Linux engine opening what the Windows one made: %v %v", linux, err)
	}
}

// TestAppUnderWine: the packaged app finds its engine (-selftest prints
// its verdict on the console it was started from) and shows its window.
func TestAppUnderWine(t *testing.T) {
	exe := filepath.Join(*app, "Corso Desktop.exe")

	out, err := wine(t, 2*time.Minute, exe, "-selftest")
	if err != nil || !strings.Contains(out, "self-test: the engine works") {
		t.Fatalf("-selftest: %v\n%s", err, out)
	}

	if os.Getenv("DISPLAY") == "" {
		t.Fatal("no DISPLAY: scripts/wine-test.sh runs this under Xvfb")
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	cmd := exec.CommandContext(ctx, "wine", exe)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	defer cmd.Wait() //nolint:errcheck

	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		info, _ := exec.Command("xwininfo", "-name", "Corso Desktop").Output()
		if strings.Contains(string(info), "IsViewable") {
			break
		}

		if time.Now().After(deadline) {
			t.Fatal("the app's window did not appear within a minute")
		}
	}

	// Started again, it hands over to the first and ends, cleanly.
	if out, err := wine(t, time.Minute, exe); err != nil {
		t.Fatalf("a second start: %v\n%s", err, out)
	}

	if info, _ := exec.Command("xwininfo", "-name", "Corso Desktop").Output(); !strings.Contains(string(info), "IsViewable") {
		t.Fatal("after a second start the first window is gone")
	}

	exec.Command("wineserver", "-k").Run() //nolint:errcheck // closes the app and anything it started
}

// TestWindowsTestBinariesUnderWine builds the tests of the packages whose
// behaviour depends on the OS for Windows and runs them under Wine: the
// UI's create → restart → reopen and connect flows over the packaged
// engine, where the details say the secrets are (the Windows Credential
// Manager) and that a remembered repository reopens after a restart
// without asking, the copied command's quoting in Windows' default shell,
// the keychain itself, the owner-only access list, the one instance per
// user, and the login item (the per-user Run entry) the background switch
// writes.
func TestWindowsTestBinariesUnderWine(t *testing.T) {
	engineExe := winPath(filepath.Join(*app, "corso-desktop-engine.exe"))

	cases := []struct {
		pkg, run string
		mustPass []string
	}{
		{"ui", "^(TestCreateFolderRepositoryThenReopen|TestConnectToExistingFolderRepository|TestDetailsSayWhereSecretsAreInTheSystemKeychain|TestCopiedCommandDialog|TestChangePassphrase)$",
			[]string{"TestCreateFolderRepositoryThenReopen/helper", "TestConnectToExistingFolderRepository/helper", "TestDetailsSayWhereSecretsAreInTheSystemKeychain", "TestCopiedCommandDialog", "TestChangePassphrase/helper"}},
		{"platform/keychain", "^(TestSystemKeychain|TestTooLargeIsRefusedBeforeTheKeychain)$",
			[]string{"TestSystemKeychain", "TestTooLargeIsRefusedBeforeTheKeychain"}},
		{"platform", "^(TestOwnerOnlyACL|TestPrivateOnEveryOS|TestASecondStartShowsTheFirst|TestAWrongTokenAsksNothing|TestAKilledInstanceLeavesNoClaim)$",
			[]string{"TestOwnerOnlyACL", "TestASecondStartShowsTheFirst", "TestAWrongTokenAsksNothing", "TestAKilledInstanceLeavesNoClaim"}},
		{"platform/autostart", "^TestRunEntry$", []string{"TestRunEntry"}},
	}

	for _, c := range cases {
		t.Run(c.pkg, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), strings.ReplaceAll(c.pkg, "/", "_")+".test.exe")

			build := exec.Command("go", "test", "-c", "-tags", "ci,migrated_fynedo,no_emoji", "-o", bin, "github.com/corsodesktop/corso-desktop/"+c.pkg)
			build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")

			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("building %s for Windows: %v\n%s", c.pkg, err, out)
			}

			// CORSO_TEST_SECRET_SERVICE asks the keychain tests for the
			// system store, which on Windows is the Credential Manager.
			t.Setenv("CORSO_TEST_SECRET_SERVICE", "1")
			t.Setenv("CORSO_ENGINE_HELPER", engineExe)

			out, err := wine(t, 5*time.Minute, bin, "-test.v", "-test.count=1", "-test.run", c.run)
			if err != nil {
				t.Fatalf("%s under Wine: %v\n%s", c.pkg, err, out)
			}

			for _, name := range c.mustPass {
				if !strings.Contains(out, "--- PASS: "+name+" ") {
					t.Errorf("%s did not pass under Wine:\n%s", name, out)
				}
			}
		})
	}
}
