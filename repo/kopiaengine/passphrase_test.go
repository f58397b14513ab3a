package kopiaengine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/repotest"
)

func strength(t *testing.T, p string, known ...string) repo.Strength {
	t.Helper()

	s, err := eng.PassphraseStrength(context.Background(), p, known...)
	if err != nil {
		t.Fatal(err)
	}

	return s
}

func TestPassphraseStrength(t *testing.T) {
	weak := strength(t, "password1")
	strong := strength(t, "vivid otter juggles seventeen lanterns")

	if weak.Score > 1 || strong.Score < 3 {
		t.Fatalf("weak=%+v strong=%+v", weak, strong)
	}

	if !strings.Contains(weak.Hint, "Add more") {
		t.Fatalf("a weak passphrase gets no advice: %q", weak.Hint)
	}

	// Words the user typed elsewhere count as known.
	if named := strength(t, "acmebackups2026", "acmebackups"); named.Score >= strength(t, "qzv8#rT0kw!pLmn").Score {
		t.Fatalf("the repository's own name should weaken a passphrase: %+v", named)
	}

	if got := strength(t, strings.Repeat("long words ", 30)); got.Score != 4 {
		t.Fatalf("very long passphrase scored %d", got.Score)
	}
}

func TestValidateNewPassphrase(t *testing.T) {
	repotest.RequireCode(t, repo.ValidateNewPassphrase("short"), repo.CodeInvalidField)

	if err := repo.ValidateNewPassphrase("ümlaut12"); err != nil {
		t.Fatalf("eight characters (not bytes) must do: %v", err)
	}
}
