package preflight_test

import (
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo/preflight"
)

// hashedNameSeeds are names kopia writes and near misses of each part of
// their shape.
var hashedNameSeeds = []string{
	"p0123456789abcdef", "q0123456789abcdef0123456789abcdef", "s0123456789abcdef-s0123456789abcdef",
	"n0123456789abcdef-s0123456789abcdef-c1", "m0123456789abcdef-c12", "l0123456789abcdef0",
	"p0123456789abcde", "P0123456789abcdef", "x0123456789abcdef", "p0123456789abcdeF", "p0123456789abcdefg",
	"p0123456789abcdef-s0123456789abcde", "p0123456789abcdef-s0123456789abcdef-", "p0123456789abcdef-c",
	"p0123456789abcdef-c1x", "p0123456789abcdef-c1-s0123456789abcdef", "p0123456789abcdef-s-c1",
	"p0123456789abcdef\n", "p0123456789abcdef.f", "dir/p0123456789abcdef", "p", "", "é0123456789abcdef",
	"p0123456789abcdef-s0123456789abcdef-c1-c2", "p0123456789abcdef-c٣",
}

// TestHashedBlobIDIsTheExpression: kopia's pack and session names are
// recognised without the regular expression exactly as with it.
func TestHashedBlobIDIsTheExpression(t *testing.T) {
	matched := 0

	for _, id := range hashedNameSeeds {
		want := preflight.HashedBlobIDExpression.MatchString(id)
		if got := preflight.IsHashedBlobID(id); got != want {
			t.Errorf("%q: %v, the expression %v", id, got, want)
		}

		if want {
			matched++
		}
	}

	if matched < 6 || matched == len(hashedNameSeeds) {
		t.Fatalf("%d of %d seeds match: the cases test too little", matched, len(hashedNameSeeds))
	}
}

func FuzzHashedBlobIDIsTheExpression(f *testing.F) {
	for _, id := range hashedNameSeeds {
		f.Add(id)
	}

	f.Fuzz(func(t *testing.T, id string) {
		if got, want := preflight.IsHashedBlobID(id), preflight.HashedBlobIDExpression.MatchString(id); got != want {
			t.Errorf("%q: %v, the expression %v", id, got, want)
		}
	})
}

// TestKopiaBlobKindByName: each kind of kopia's names, and names that only
// look like them, which are the user's.
func TestKopiaBlobKindByName(t *testing.T) {
	hash := strings.Repeat("0123456789abcdef", 2)

	cases := map[string]preflight.BlobKind{
		"kopia.repository":                      preflight.BlobFormat,
		"kopia.blobcfg":                         preflight.BlobCfg,
		"kopia.maintenance":                     preflight.BlobBookkeeping,
		".storageconfig":                        preflight.BlobBookkeeping,
		"xn0_" + hash:                           preflight.BlobIndex,
		"xr0_3_" + hash + "-s" + hash + "-c1":   preflight.BlobIndex,
		"xe12":                                  preflight.BlobIndex,
		"xw3":                                   preflight.BlobIndex,
		"p" + hash:                              preflight.BlobContent,
		"q" + hash + "-s" + hash:                preflight.BlobContent,
		"s" + hash:                              preflight.BlobContent,
		"_log_20240101123456_abc_1_2_3_" + hash: preflight.BlobContent,
		"kopia.notes":                           preflight.BlobForeign,
		"x" + hash:                              preflight.BlobForeign,
		"xn0" + hash:                            preflight.BlobForeign,
		"xe":                                    preflight.BlobForeign,
		"p" + hash + ".jpg":                     preflight.BlobForeign,
		"_log_x":                                preflight.BlobForeign,
		"photos/p" + hash:                       preflight.BlobForeign,
		"":                                      preflight.BlobForeign,
		"P" + hash:                              preflight.BlobForeign,
	}

	for id, want := range cases {
		if got := preflight.KopiaBlobKind(id); got != want {
			t.Errorf("%q: kind %d, want %d", id, got, want)
		}
	}
}
