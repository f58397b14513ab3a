// Package awsprofile lists the profiles in the user's AWS config and
// credentials files, for the profile picker. It runs in the window's
// process, so it reads the files itself and must never import the AWS SDK.
package awsprofile

import (
	"os"
	"path/filepath"
	"strings"
)

// Names lists the profile names in the user's AWS config and
// credentials files, for a picker.
func Names() []string {
	seen := map[string]bool{}

	var names []string

	for _, f := range []string{sharedConfigFile(), sharedCredentialsFile()} {
		if env := sharedFileFromEnv(f); env != "" {
			f = env
		}

		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}

		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "[") || !strings.HasSuffix(line, "]") {
				continue
			}

			name := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "["), "]"))
			name = strings.TrimSpace(strings.TrimPrefix(name, "profile "))

			if name != "" && !strings.HasPrefix(name, "sso-session ") && !strings.HasPrefix(name, "services ") && !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
	}

	return names
}

func sharedFileFromEnv(defaultPath string) string {
	if defaultPath == sharedConfigFile() {
		return os.Getenv("AWS_CONFIG_FILE")
	}

	return os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
}

// sharedConfigFile and sharedCredentialsFile are the AWS SDK's default
// shared files (config.DefaultSharedConfigFilename and
// DefaultSharedCredentialsFilename, which a test compares them with). They
// are spelled out here because the window's process does not link the SDK.
func sharedConfigFile() string { return filepath.Join(awsHome(), ".aws", "config") }

func sharedCredentialsFile() string { return filepath.Join(awsHome(), ".aws", "credentials") }

func awsHome() string {
	home, _ := os.UserHomeDir()
	return home
}
