package repotest

import (
	"os"
	"path/filepath"
	"testing"
)

// IsolateAWS hides the developer's own AWS setup from tests and keeps the
// SDK from asking the EC2 metadata service (a non-loopback address) for
// credentials. Call it from TestMain; the returned func undoes the files.
func IsolateAWS() func() {
	empty, _ := os.MkdirTemp("", "corso-desktop-aws-")
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Setenv("AWS_CONFIG_FILE", filepath.Join(empty, "config"))
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(empty, "credentials"))

	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		os.Unsetenv(v)
	}

	return func() { os.RemoveAll(empty) }
}

// Main is TestMain for packages that use this harness: tests run without
// the developer's AWS setup, and shared MinIO servers stop at the end.
// cleanups run after every test, before the process exits.
func Main(m *testing.M, cleanups ...func()) {
	restore := IsolateAWS()
	code := m.Run()

	StopShared()
	restore()

	removeHelper()

	for _, c := range cleanups {
		c()
	}

	os.Exit(code)
}
