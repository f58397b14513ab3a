package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The release build of the window's process leaves the engine (kopia, the
// AWS SDK, minio-go, zxcvbn) to the corso-desktop-engine helper: linking
// any of them back in costs the idle memory docs/benchmarks.md measures.
func TestReleaseBuildLeavesTheEngineOut(t *testing.T) {
	engine := []string{"github.com/kopia/kopia/", "github.com/aws/aws-sdk-go-v2/", "github.com/minio/minio-go/", "github.com/ccojocar/zxcvbn-go"}

	deps := func(tags string) string {
		out, err := exec.Command("go", "list", "-deps", "-tags", tags, ".").Output()
		if err != nil {
			t.Fatalf("go list -tags %s: %v", tags, err)
		}

		return string(out)
	}

	// The in-process build (tests, `make run`) does link them, so the
	// names above are the right ones to look for.
	inProcess := deps("migrated_fynedo,no_emoji")
	for _, pkg := range engine {
		if !strings.Contains(inProcess, pkg) {
			t.Fatalf("the in-process build no longer links %s: update this test", pkg)
		}
	}

	release := deps("migrated_fynedo,no_emoji,remote_engine")
	for _, pkg := range engine {
		if strings.Contains(release, pkg) {
			t.Errorf("the release build of the app links %s; it belongs in the engine helper", pkg)
		}
	}
}
