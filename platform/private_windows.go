//go:build windows

package platform

// PrivacyOfNewFolder says how a folder the app creates is protected: on
// Windows it takes the access rules of the folder it is created in.
func PrivacyOfNewFolder() string {
	return "the access rules of the folder it is in (Windows permissions are not changed)"
}

// MakePrivate changes nothing on Windows yet: NTFS access rules are not
// Unix modes.
func MakePrivate(string) error { return nil }

// PrivacyOfExistingFolder says what creating a repository in dir does to
// who can read it.
func PrivacyOfExistingFolder(string) string {
	return "its Windows access rules are left as they are"
}
