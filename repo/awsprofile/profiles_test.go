package awsprofile_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/corsodesktop/corso-desktop/repo/awsprofile"
)

// Names runs in the window's process, which does not link the SDK,
// so it names the SDK's default files itself; they must stay the same.
func TestSharedFilesMatchTheSDK(t *testing.T) {
	t.Setenv("HOME", t.TempDir())

	if got, want := awsprofile.SharedConfigFile(), config.DefaultSharedConfigFilename(); got != want {
		t.Errorf("config file %s, SDK %s", got, want)
	}

	if got, want := awsprofile.SharedCredentialsFile(), config.DefaultSharedCredentialsFilename(); got != want {
		t.Errorf("credentials file %s, SDK %s", got, want)
	}
}
