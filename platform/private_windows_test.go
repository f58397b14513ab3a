package platform

import (
	"testing"

	"golang.org/x/sys/windows"
)

// TestOwnerOnlyACL holds the access list MakePrivate writes to its promise
// without the file system: one entry, the current user's, inherited by
// everything inside; and a list that also lets Everyone in is not private.
func TestOwnerOnlyACL(t *testing.T) {
	user, err := currentUser()
	if err != nil {
		t.Fatal(err)
	}

	acl, err := ownerOnlyACL(user)
	if err != nil {
		t.Fatal(err)
	}

	if acl.AceCount != 1 {
		t.Fatalf("%d entries, want 1", acl.AceCount)
	}

	var ace *windows.ACCESS_ALLOWED_ACE
	if err := windows.GetAce(acl, 0, &ace); err != nil {
		t.Fatal(err)
	}

	if ace.Header.AceFlags&(windows.OBJECT_INHERIT_ACE|windows.CONTAINER_INHERIT_ACE) != windows.OBJECT_INHERIT_ACE|windows.CONTAINER_INHERIT_ACE {
		t.Errorf("entry flags %#x: files and folders inside would not inherit it", ace.Header.AceFlags)
	}

	if ok, err := onlyLets(acl, user); err != nil || !ok {
		t.Fatalf("the owner-only list is not seen as private: %v", err)
	}

	everyone, err := windows.CreateWellKnownSid(windows.WinWorldSid)
	if err != nil {
		t.Fatal(err)
	}

	shared, err := windows.ACLFromEntries([]windows.EXPLICIT_ACCESS{{
		AccessPermissions: windows.GENERIC_READ,
		AccessMode:        windows.GRANT_ACCESS,
		Trustee:           windows.TRUSTEE{TrusteeForm: windows.TRUSTEE_IS_SID, TrusteeType: windows.TRUSTEE_IS_WELL_KNOWN_GROUP, TrusteeValue: windows.TrusteeValueFromSID(everyone)},
	}}, acl)
	if err != nil {
		t.Fatal(err)
	}

	if ok, _ := onlyLets(shared, user); ok {
		t.Fatal("a list that lets Everyone read is seen as private")
	}
}
