//go:build !linux

package keychain

func unavailableHint() string { return "" }
