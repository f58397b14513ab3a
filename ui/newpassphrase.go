// A new passphrase typed twice, rated as it is typed: for a new repository
// and for a passphrase change.

package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
)

// newPassphrase is the two fields and the strength meter of a new
// passphrase.
type newPassphrase struct {
	a             *App
	pass, confirm *keyEntry
	strength      *strengthMeter
	strengthText  *widget.Label
	strengthHint  *widget.Label
	// rated is the last rating shown.
	rated rating
	// strengthCancel stops the rating still waiting or running.
	strengthCancel context.CancelFunc
	// known are words an attacker is assumed to know (a name, a bucket).
	known func() []string
	// changed runs after every rating shown, for a submit button.
	changed func()
	// upcoming is where the operation this passphrase is for will go.
	upcoming repo.Upcoming
}

func (a *App) newPassphraseFields(known func() []string, changed func()) *newPassphrase {
	n := &newPassphrase{
		a:            a,
		pass:         a.newEntry("passphrase", true),
		confirm:      a.newEntry("the same passphrase again", true),
		strength:     newStrengthMeter(),
		strengthText: widget.NewLabel(""),
		strengthHint: wrapped(""),
		known:        known,
		changed:      changed,
	}
	n.strengthHint.SizeName = theme.SizeNameCaptionText

	return n
}

// rateAsTyped makes the fields check and rate what is typed.
func (n *newPassphrase) rateAsTyped() {
	n.pass.Validator = n.validateNewPassphrase
	n.pass.OnChanged = func(string) { n.updateStrength() }
	n.confirm.Validator = func(s string) error {
		if s != n.pass.Text {
			return errors.New("The two passphrases differ.")
		}

		return nil
	}
	n.updateStrength()
}

// formItems are the passphrase, its strength and its confirmation.
func (n *newPassphrase) formItems(label string) []*widget.FormItem {
	return []*widget.FormItem{
		{Text: label, Widget: n.pass},
		{Text: "Strength", Widget: container.NewVBox(container.NewBorder(nil, nil, nil, n.strengthText, n.strength), n.strengthHint)},
		{Text: "Confirm", Widget: n.confirm},
	}
}

// lostPassphraseWarning is said wherever a new passphrase is chosen.
func lostPassphraseWarning() *widget.Label {
	warn := wrapped("Write the passphrase down somewhere safe. If it is lost, the backups cannot be decrypted: " +
		"nobody, including Corso, can recover or reset it.")
	warn.Importance = widget.WarningImportance

	return warn
}

// strengthDelay lets typing settle before a passphrase is rated: in the
// release build each rating runs in the engine helper process.
const strengthDelay = 150 * time.Millisecond

// updateStrength rates the passphrase off the UI goroutine; a newer
// keystroke cancels a rating still waiting or running.
func (n *newPassphrase) updateStrength() {
	n.confirm.Validate() //nolint:errcheck

	if n.strengthCancel != nil {
		n.strengthCancel()
	}

	pass, known := n.pass.Text, knownWords(n.known())

	if pass == "" { // rated without the engine: shown at once
		s, _ := n.a.eng.PassphraseStrength(context.Background(), "")
		n.showStrength("", s)

		return
	}

	// Until the new text is rated, no rating of an older one stands
	// beside it (nor a field's tick beside "Very weak").
	n.strength.set(-1)
	n.strengthText.SetText("Rating…")
	n.strengthHint.SetText("")

	ctx, cancel := context.WithCancel(context.Background())
	n.strengthCancel = cancel

	go func() {
		select {
		case <-time.After(strengthDelay):
		case <-ctx.Done():
			return
		}

		s, err := n.a.eng.PassphraseStrength(ctx, pass, known...)
		go n.a.eng.Prepare(n.upcoming) // for the next keystroke or the submit

		n.a.post(func() {
			// Cancelled, on this goroutine, by a newer keystroke.
			if ctx.Err() != nil {
				return
			}

			cancel()

			if err != nil {
				s = repo.Strength{Label: "Not rated", Hint: "The strength could not be rated. " + err.Error()}
			}

			n.showStrength(pass, s)
		})
	}()
}

// knownWords are the names typed elsewhere and each word in them: an
// attacker who knows the bucket "corso" and the prefix "plain/tenant"
// tries "corso plain tenant" too.
func knownWords(names []string) []string {
	var words []string

	for _, n := range names {
		words = append(words, n)
		words = append(words, strings.FieldsFunc(strings.ToLower(n), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })...)
	}

	return words
}

// rating is the strength of one passphrase, as last rated.
type rating struct {
	text string
	// weak: rated below minNewScore; such a passphrase is refused for a
	// new repository.
	weak bool
}

// showStrength shows the rating s of pass and checks the field again: the
// field's tick now also means "not too easy to guess".
func (n *newPassphrase) showStrength(pass string, s repo.Strength) {
	score := s.Score
	if pass == "" {
		score = -1
	}

	n.strength.set(score)
	n.strengthText.SetText(s.Label)
	n.strengthHint.SetText(s.Hint)

	// A rating that failed ("Not rated") refuses nothing.
	n.rated = rating{text: pass, weak: pass != "" && s.Label != "Not rated" && s.Score < minNewScore}

	if pass != "" {
		n.pass.Validate() //nolint:errcheck // shows the verdict on the field
	}

	if n.changed != nil {
		n.changed()
	}
}

// validateNewPassphrase refuses a new passphrase that is too short, or
// rated too easy to guess.
func (n *newPassphrase) validateNewPassphrase(s string) error {
	if err := repo.ValidateNewPassphrase(s); err != nil {
		return err
	}

	if n.rated.text == s && n.rated.weak {
		return fmt.Errorf("Too easy to guess (%s): add more unrelated words.", n.strengthText.Text)
	}

	return nil
}

// ratingDone says whether the passphrase on screen has been rated yet.
func (n *newPassphrase) ratingDone() bool { return n.rated.text == n.pass.Text }

// valid says whether both fields pass and the passphrase was rated (a
// moment after typing stops), so that a weak one cannot slip through
// between a keystroke and its rating.
func (n *newPassphrase) valid() bool {
	return n.ratingDone() && n.pass.Validator(n.pass.Text) == nil && n.confirm.Validator(n.confirm.Text) == nil
}
