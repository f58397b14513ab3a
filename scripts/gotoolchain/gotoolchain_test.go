package gotoolchain

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// need is the Go version go.mod asks for.
func need(t *testing.T) string {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}

	m := regexp.MustCompile(`(?m)^go ([0-9.]+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("no go line in go.mod")
	}

	return string(m[1])
}

// fakeGo writes a go command into dir that says it is version v.
func fakeGo(t *testing.T, dir, v string) {
	t.Helper()

	script := fmt.Sprintf("#!/bin/sh\nif [ \"$1\" = env ]; then echo go%s; else echo 'go version go%s linux/amd64'; fi\n", v, v)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(filepath.Join(dir, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// goSh runs scripts/go.sh with only dirs and the system's tools on PATH.
func goSh(t *testing.T, tools, proxy string, dirs ...string) (string, string, error) {
	cmd := exec.Command("../go.sh")
	cmd.Env = []string{
		"PATH=" + strings.Join(append(dirs, "/usr/bin", "/bin"), ":"),
		"HOME=" + t.TempDir(), "GO_TOOLS_DIR=" + tools, "GOPROXY=" + proxy,
	}

	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()

	return strings.TrimSpace(out.String()), errOut.String(), err
}

// proxy serves a toolchain zip whose go says it is version v, and a
// checksum-database line for it: the right hash, or a wrong one.
func proxy(t *testing.T, v string, rightSum bool) string {
	version := "v0.0.1-go" + v + ".linux-amd64"
	prefix := "golang.org/toolchain@" + version + "/"

	var buf bytes.Buffer

	zw := zip.NewWriter(&buf)
	files := map[string]string{
		prefix + "bin/go":  fmt.Sprintf("#!/bin/sh\nif [ \"$1\" = env ]; then echo go%s; else echo 'go version go%s linux/amd64'; fi\n", v, v),
		prefix + "VERSION": "go" + v + "\n",
	}

	var names []string
	for n := range files {
		names = append(names, n)
	}

	sort.Strings(names)

	var summary strings.Builder

	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}

		w.Write([]byte(files[n])) //nolint:errcheck
		fmt.Fprintf(&summary, "%x  %s\n", sha256.Sum256([]byte(files[n])), n)
	}

	zw.Close()

	sum := sha256.Sum256([]byte(summary.String()))
	if !rightSum {
		sum[0] ^= 1
	}

	h1 := "h1:" + base64.StdEncoding.EncodeToString(sum[:])

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/golang.org/toolchain/@v/" + version + ".zip":
			w.Write(buf.Bytes()) //nolint:errcheck
		case "/sumdb/sum.golang.org/lookup/golang.org/toolchain@" + version:
			fmt.Fprintf(w, "1234\ngolang.org/toolchain %s %s\n\ngo.sum database tree\n", version, h1)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)

	return srv.URL
}

func TestGoToolchain(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the script fetches linux-amd64 toolchains in this test")
	}

	v := need(t)

	t.Run("the system's go is new enough", func(t *testing.T) {
		bin := t.TempDir()
		fakeGo(t, bin, v)

		got, _, err := goSh(t, t.TempDir(), "off", bin)
		if err != nil || got != filepath.Join(bin, "go") {
			t.Fatalf("got %q, %v", got, err)
		}
	})

	t.Run("Debian's 1.19 and no way to fetch", func(t *testing.T) {
		bin := t.TempDir()
		fakeGo(t, bin, "1.19.8")

		_, msg, err := goSh(t, t.TempDir(), "off", bin)
		if err == nil || !strings.Contains(msg, "Go "+v+" or newer is needed") || !strings.Contains(msg, "tar -C /usr/local") {
			t.Fatalf("%v: %s", err, msg)
		}
	})

	t.Run("fetched and checked", func(t *testing.T) {
		bin, tools := t.TempDir(), t.TempDir()
		fakeGo(t, bin, "1.19.8")

		got, msg, err := goSh(t, tools, proxy(t, v, true), bin)
		if err != nil || got != filepath.Join(tools, "go", "bin", "go") {
			t.Fatalf("got %q, %v: %s", got, err, msg)
		}

		// The next run uses it without fetching.
		if again, _, err := goSh(t, tools, "off", bin); err != nil || again != got {
			t.Fatalf("second run: %q, %v", again, err)
		}
	})

	t.Run("a toolchain the checksum database does not know is refused", func(t *testing.T) {
		bin, tools := t.TempDir(), t.TempDir()

		_, msg, err := goSh(t, tools, proxy(t, v, false), bin)
		if err == nil || !strings.Contains(msg, "does not match the checksum database") {
			t.Fatalf("%v: %s", err, msg)
		}

		if _, err := os.Stat(filepath.Join(tools, "go")); err == nil {
			t.Fatal("the refused toolchain was installed")
		}
	})
}
