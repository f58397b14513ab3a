package keychain

func unavailableHint() string {
	return " (no Secret Service is running: install and start gnome-keyring or KeePassXC's Secret Service integration)"
}
