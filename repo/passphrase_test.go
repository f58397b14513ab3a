package repo_test

import (
	"strings"
	"testing"

	"github.com/corsodesktop/corso-desktop/repo"
)

func TestPassphraseStrength(t *testing.T) {
	weak := repo.PassphraseStrength("password1")
	strong := repo.PassphraseStrength("vivid otter juggles seventeen lanterns")

	if weak.Score > 1 || strong.Score < 3 {
		t.Fatalf("weak=%+v strong=%+v", weak, strong)
	}

	if !strings.Contains(weak.Hint, "Add more") {
		t.Fatalf("a weak passphrase gets no advice: %q", weak.Hint)
	}

	// Words the user typed elsewhere count as known.
	if named := repo.PassphraseStrength("acmebackups2026", "acmebackups"); named.Score >= repo.PassphraseStrength("qzv8#rT0kw!pLmn").Score {
		t.Fatalf("the repository's own name should weaken a passphrase: %+v", named)
	}

	if got := repo.PassphraseStrength(strings.Repeat("long words ", 30)); got.Score != 4 {
		t.Fatalf("very long passphrase scored %d", got.Score)
	}
}

func TestValidateNewPassphrase(t *testing.T) {
	requireCode(t, repo.ValidateNewPassphrase("short"), repo.CodeInvalidField)

	if err := repo.ValidateNewPassphrase("ümlaut12"); err != nil {
		t.Fatalf("eight characters (not bytes) must do: %v", err)
	}
}
