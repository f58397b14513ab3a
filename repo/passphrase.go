package repo

import (
	"unicode/utf8"
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

// ValidateNewPassphrase checks a passphrase for a new repository.
func ValidateNewPassphrase(p string) error {
	if n := utf8.RuneCountInString(p); n < MinNewPassphraseLength {
		return InvalidField(FieldPassphrase, "Use at least %d characters; a few unrelated words work well.", MinNewPassphraseLength)
	}

	return nil
}

// EmptyStrength is the rating of no passphrase at all; no engine is asked.
var EmptyStrength = Strength{Label: "Empty", Hint: "Choose a passphrase: several unrelated words are easy to remember and hard to guess."}
