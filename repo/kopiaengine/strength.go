package kopiaengine

import (
	"context"

	"github.com/ccojocar/zxcvbn-go"

	"github.com/corsodesktop/corso-desktop/repo"
)

// PassphraseStrength estimates how hard p is to guess, with zxcvbn, taking
// words the user already typed (the repository name, the bucket) as known
// to an attacker. (ctx is for the release build, where this runs in the
// engine helper: zxcvbn's dictionaries take 8 MiB from the moment they load.)
func (*Engine) PassphraseStrength(ctx context.Context, p string, known ...string) (repo.Strength, error) {
	if p == "" {
		return repo.EmptyStrength, nil
	}

	// zxcvbn's cost grows quickly with length; past 100 characters the score
	// is at its top anyway.
	if len(p) > 100 {
		return repo.Strength{Score: 4, Label: strengthLabels[4], Hint: "An offline attack would take centuries."}, nil
	}

	m := zxcvbn.PasswordStrength(p, known)
	s := repo.Strength{Score: m.Score, Label: strengthLabels[m.Score]}

	// zxcvbn says "instant" for anything under a second.
	took := m.CrackTimeDisplay
	if took == "instant" {
		took = "less than a second"
	}

	switch {
	case m.Score < 3:
		s.Hint = "An offline attack could guess it in " + took + ". Add more unrelated words."
	default:
		s.Hint = "An offline attack would take " + took + "."
	}

	return s, nil
}

var strengthLabels = [...]string{"Very weak", "Weak", "Fair", "Strong", "Very strong"}
