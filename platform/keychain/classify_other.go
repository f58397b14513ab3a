//go:build windows || darwin

package keychain

func classifyPlatform(error) (Code, bool) { return 0, false }
