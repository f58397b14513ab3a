package keychain

// StoreName is what the OS keychain is called on goos, for sentences
// that say where a secret is kept.
func StoreName(goos string) string {
	switch goos {
	case "darwin":
		return "the macOS login Keychain"
	case "windows":
		return "Windows Credential Manager"
	}

	return "your desktop's keyring (Secret Service)"
}
