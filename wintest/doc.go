// Package wintest proves the Windows package works: scripts/wine-test.sh
// unpacks `Corso Desktop-windows.zip` into a throwaway Wine prefix under
// Xvfb and runs this package's test (build tag wine) against it. The
// engine .exe from the zip creates, connects and reopens a folder
// repository at a drive-letter path and refuses a wrong passphrase; the
// app .exe passes its -selftest and shows its window; and the UI's own
// flows, the keychain and the private-folder code run as Windows test
// binaries under Wine, against the Windows Credential Manager and the
// packaged engine.
package wintest
