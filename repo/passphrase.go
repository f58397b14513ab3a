package repo

import (
	"unicode/utf8"

	"github.com/ccojocar/zxcvbn-go"
)

// MinNewPassphraseLength is the shortest passphrase Create accepts. Connect
// accepts whatever the repository was made with.
const MinNewPassphraseLength = 8

// Strength rates a new passphrase for a strength indicator.
type Strength struct {
	// Score is zxcvbn's 0 (guessable in seconds) to 4 (very strong).
	Score int
	// Label is one or two words for next to the bar.
	Label string
	// Hint says how long an offline attack would take and what to do.
	Hint string
}

var strengthLabels = [...]string{"Very weak", "Weak", "Fair", "Strong", "Very strong"}

// PassphraseStrength estimates how hard p is to guess, with zxcvbn, taking
// words the user already typed (the repository name, the bucket) as known
// to an attacker.
func PassphraseStrength(p string, known ...string) Strength {
	if p == "" {
		return Strength{Label: "Empty", Hint: "Choose a passphrase: several unrelated words are easy to remember and hard to guess."}
	}

	// zxcvbn's cost grows quickly with length; past 100 characters the score
	// is at its top anyway.
	if len(p) > 100 {
		return Strength{Score: 4, Label: strengthLabels[4], Hint: "An offline attack would take centuries."}
	}

	m := zxcvbn.PasswordStrength(p, known)
	s := Strength{Score: m.Score, Label: strengthLabels[m.Score]}

	switch {
	case m.Score < 3:
		s.Hint = "An offline attack could guess it in " + m.CrackTimeDisplay + ". Add more unrelated words."
	default:
		s.Hint = "An offline attack would take " + m.CrackTimeDisplay + "."
	}

	return s
}

// ValidateNewPassphrase checks a passphrase for a new repository.
func ValidateNewPassphrase(p string) error {
	if n := utf8.RuneCountInString(p); n < MinNewPassphraseLength {
		return invalidField(FieldPassphrase, "Use at least %d characters; a few unrelated words work well.", MinNewPassphraseLength)
	}

	return nil
}
