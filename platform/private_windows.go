//go:build windows

package platform

import (
	"errors"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On NTFS, Go's modes only toggle the read-only bit: a new folder takes the
// access rules of the folder it is in. "Only you can read it" is an
// explicit access list instead: one entry, the current user, full control,
// inherited by everything created inside, and protected so that nothing is
// inherited from above.

// PrivacyOfNewFolder says how a folder the app creates at dir is
// protected.
func PrivacyOfNewFolder(dir string) string {
	if !KeepsAccessLists(dir) {
		return "the drive's default access, as this drive keeps no access lists"
	}

	return "an access list that lets only you in"
}

// PrivacyOfNewTree says how the folders and files the app creates are
// protected.
func PrivacyOfNewTree() string {
	return "readable only by you (an access list that lets only you in, inherited by every file; on drives that keep access lists)"
}

// PrivacyOfExistingFolder says what creating a repository in dir does to
// who can read it.
func PrivacyOfExistingFolder(dir string) string {
	switch ok, err := IsPrivate(dir); {
	case !KeepsAccessLists(dir):
		return "this drive keeps no access lists, so anyone who can reach it can read the (encrypted) repository"
	case err == nil && ok:
		return "only you can open it"
	}

	return "its access list will be replaced by one that lets only you in"
}

// KeepsAccessLists says whether the drive that holds path (or would hold
// it) keeps access lists: NTFS does, FAT and exFAT drives do not, and Wine
// says it does but keeps none.
func KeepsAccessLists(path string) bool {
	if windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil {
		return false
	}

	p, err := windows.UTF16PtrFromString(existingParent(path))
	if err != nil {
		return false
	}

	root := make([]uint16, windows.MAX_PATH+1)
	if err := windows.GetVolumePathName(p, &root[0], uint32(len(root))); err != nil {
		return false
	}

	var flags uint32
	if err := windows.GetVolumeInformation(&root[0], nil, 0, nil, nil, &flags, nil, 0); err != nil {
		return false
	}

	return flags&windows.FILE_PERSISTENT_ACLS != 0
}

// existingParent is path or its nearest folder that exists.
func existingParent(path string) string {
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil || filepath.Dir(p) == p {
			return p
		}
	}
}

// MakePrivate gives the folder dir an access list that lets only the
// current user in, for it and everything created in it.
func MakePrivate(dir string) error {
	if ok, err := IsPrivate(dir); err != nil || ok {
		return err
	}

	return setOwnerOnly(dir)
}

// makeNewDirPrivate protects a folder the app has just created.
func makeNewDirPrivate(dir string) error { return setOwnerOnly(dir) }

func currentUser() (*windows.SID, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, err
	}

	return u.User.Sid, nil
}

// ownerOnlyACL lets user, and nobody else, into a folder and everything
// created in it.
func ownerOnlyACL(user *windows.SID) (*windows.ACL, error) {
	return windows.ACLFromEntries([]windows.EXPLICIT_ACCESS{{
		AccessPermissions: windows.GENERIC_ALL,
		AccessMode:        windows.GRANT_ACCESS,
		Inheritance:       windows.SUB_CONTAINERS_AND_OBJECTS_INHERIT,
		Trustee: windows.TRUSTEE{
			TrusteeForm:  windows.TRUSTEE_IS_SID,
			TrusteeType:  windows.TRUSTEE_IS_USER,
			TrusteeValue: windows.TrusteeValueFromSID(user),
		},
	}}, nil)
}

func setOwnerOnly(path string) error {
	user, err := currentUser()
	if err != nil {
		return err
	}

	acl, err := ownerOnlyACL(user)
	if err != nil {
		return err
	}

	// Protected: nothing is inherited from the folders above.
	return windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, acl, nil)
}

// IsPrivate says whether only the current user can open path: every entry
// of its access list that lets someone in (its own or inherited) is the
// current user's.
func IsPrivate(path string) (bool, error) {
	if _, err := os.Stat(path); err != nil {
		return false, err
	}

	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return false, err
	}

	dacl, _, err := sd.DACL()
	if err != nil {
		if errors.Is(err, windows.ERROR_OBJECT_NOT_FOUND) {
			return false, nil // no access list at all: everyone may open it
		}

		return false, err
	}

	if dacl == nil {
		return false, nil // a null access list lets everyone in
	}

	user, err := currentUser()
	if err != nil {
		return false, err
	}

	return onlyLets(dacl, user)
}

// onlyLets says whether every entry of dacl that lets someone in is user's.
func onlyLets(dacl *windows.ACL, user *windows.SID) (bool, error) {
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return false, err
		}

		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE {
			continue // a deny entry takes nobody in
		}

		if sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart)); !sid.Equals(user) {
			return false, nil
		}
	}

	return true, nil
}
