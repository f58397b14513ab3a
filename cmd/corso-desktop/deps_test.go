package main

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/corsodesktop/corso-desktop/"

// deps lists every package pkg links, directly or not.
func deps(t *testing.T, pkg string) string {
	t.Helper()

	out, err := exec.Command("go", "list", "-deps", "-tags", "migrated_fynedo,no_emoji", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}

	return string(out)
}

// The window's process leaves the engine (kopia, the AWS SDK, minio-go,
// zxcvbn) to the corso-desktop-engine helper: linking any of them back in
// costs the idle memory docs/benchmarks.md measures. No build tag decides
// this; main hands the UI the helper's client.
func TestAppLeavesTheEngineOut(t *testing.T) {
	engine := []string{"github.com/kopia/kopia/", "github.com/aws/aws-sdk-go-v2/", "github.com/minio/minio-go/", "github.com/ccojocar/zxcvbn-go"}

	// The helper does link them, so the names above are the right ones.
	helper := deps(t, "../corso-desktop-engine")
	for _, pkg := range engine {
		if !strings.Contains(helper, pkg) {
			t.Fatalf("the engine helper no longer links %s: update this test", pkg)
		}
	}

	app := deps(t, ".")
	for _, pkg := range engine {
		if strings.Contains(app, pkg) {
			t.Errorf("the app links %s; it belongs in the engine helper", pkg)
		}
	}
}

// TestDependenciesPointDown holds every package to the arrows of
// docs/architecture.md: cmd → ui → repo (the Engine interface) ←
// implementations → location vocabulary, platform. Each package's doc
// comment says the same.
func TestDependenciesPointDown(t *testing.T) {
	never := map[string][]string{
		"repo":               {"repo/", "platform", "ui", "cmd/", "fyne.io/", "github.com/kopia/", "github.com/aws/"},
		"repo/shellcmd":      {"repo", "platform", "ui", "cmd/", "fyne.io/"},
		"repo/awsprofile":    {"repo", "platform", "ui", "cmd/", "fyne.io/", "github.com/aws/"},
		"repo/corsoconfig":   {"repo/preflight", "repo/kopiaengine", "repo/engineproto", "repo/library", "ui", "cmd/", "fyne.io/", "github.com/kopia/", "github.com/aws/"},
		"repo/corsoselect":   {"repo/preflight", "repo/kopiaengine", "repo/engineproto", "repo/library", "repo/corsoconfig", "repo/itemindex", "platform", "ui", "cmd/", "fyne.io/", "github.com/kopia/", "github.com/aws/"},
		"repo/itemindex":     {"repo/preflight", "repo/kopiaengine", "repo/engineproto", "repo/library", "repo/corsoconfig", "platform", "ui", "cmd/", "fyne.io/", "github.com/kopia/", "github.com/aws/"},
		"repo/library":       {"repo/preflight", "repo/kopiaengine", "repo/engineproto", "repo/corsoconfig", "ui", "cmd/", "fyne.io/", "github.com/kopia/", "github.com/aws/"},
		"repo/preflight":     {"repo/kopiaengine", "repo/engineproto", "repo/library", "repo/corsoconfig", "ui", "cmd/", "fyne.io/"},
		"repo/kopiaengine":   {"repo/engineproto", "repo/library", "repo/corsoconfig", "ui", "cmd/", "fyne.io/"},
		"repo/engineproto":   {"repo/preflight", "repo/dialahead", "repo/kopiaengine", "repo/library", "repo/corsoconfig", "ui", "cmd/", "fyne.io/", "github.com/kopia/", "github.com/aws/"},
		"repo/health":        {"repo/preflight", "repo/kopiaengine", "repo/engineproto", "repo/library", "repo/corsoconfig", "platform", "ui", "cmd/", "fyne.io/", "github.com/kopia/", "github.com/aws/"},
		"repo/dialahead":     {"repo", "platform", "ui", "cmd/", "fyne.io/", "github.com/kopia/", "github.com/aws/"},
		"platform":           {"repo", "ui", "cmd/", "fyne.io/"},
		"platform/autostart": {"repo", "ui", "cmd/", "fyne.io/"},
		"platform/tray":      {"repo", "ui", "cmd/", "fyne.io/"},
		"ui":                 {"repo/preflight", "repo/kopiaengine", "repo/engineproto", "repo/dialahead", "cmd/", "github.com/kopia/", "github.com/aws/"},
	}

	for pkg, forbidden := range never {
		for _, dep := range strings.Fields(deps(t, module+pkg)) {
			if dep == module+pkg {
				continue
			}

			for _, f := range forbidden {
				if matches(dep, f) {
					t.Errorf("%s imports %s; it must never (docs/architecture.md)", pkg, dep)
				}
			}
		}
	}
}

// matches says whether dep is the forbidden f: a path ending in "/" is a
// prefix (of this module's packages, or of a third party's), any other is
// one of this module's packages and those under it.
func matches(dep, f string) bool {
	rel, ours := strings.CutPrefix(dep, module)
	if strings.HasSuffix(f, "/") {
		return strings.HasPrefix(rel, f) && (ours || !strings.HasPrefix(f, "repo/") && !strings.HasPrefix(f, "cmd/"))
	}

	return ours && (rel == f || strings.HasPrefix(rel, f+"/"))
}
