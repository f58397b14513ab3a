// The add flow's object-lock choice for a new S3 repository.

package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
)

// The two modes, and what each means in one sentence: the choices stay
// short so that the form keeps its width; the sentence wraps below them.
const (
	lockGovernance = "Governance"
	lockCompliance = "Compliance"
)

var lockMeaning = map[string]string{
	lockGovernance: "Governance: nobody can delete or overwrite a blob until its lock runs out, except users granted s3:BypassGovernanceRetention.",
	lockCompliance: "Compliance: nobody, not even the account's root user or Corso Desktop, can delete a blob or shorten its lock until it runs out.",
}

// objectLockFields are the object-lock widgets of the add form.
type objectLockFields struct {
	on      *widget.Check
	mode    *widget.RadioGroup
	days    *keyEntry
	extend  *widget.Check
	warning *widget.Label
	// meaning says what the chosen mode does.
	meaning *widget.Label
	// least says the shortest period, which extension raises.
	least   *widget.Label
	box     *fyne.Container
	details *fyne.Container
}

func (f *addFlow) ensureLockFields() {
	if f.lock != nil {
		return
	}

	l := &objectLockFields{}
	l.mode = widget.NewRadioGroup([]string{lockGovernance, lockCompliance}, func(string) { f.lockChanged() })
	l.mode.Horizontal = true
	l.mode.Selected = lockGovernance
	l.meaning = wrapped(lockMeaning[lockGovernance])
	l.days = f.newEntry("days")
	l.days.SetText("30")
	l.days.Validator = func(s string) error {
		if !l.on.Checked {
			return nil
		}

		if _, err := lockDays(s); err != nil {
			return err
		}

		return f.fieldValidator(repo.FieldObjectLock)(s)
	}
	l.days.OnChanged = func(string) { f.revalidate() }
	l.extend = widget.NewCheck("Extend the locks of blobs still in use in maintenance", func(bool) { f.lockChanged() })
	l.extend.SetChecked(true)
	l.warning = wrapped("")
	l.warning.Importance = widget.WarningImportance
	l.on = widget.NewCheck("Protect a new repository with S3 Object Lock (immutable backups)", func(bool) { f.lockChanged() })

	f.lock = l
	l.least = widget.NewLabel("")
	l.details = container.NewVBox(l.mode, l.meaning, container.NewBorder(nil, nil, widget.NewLabel("Lock each blob for"), l.least, f.row(l.days)), l.extend,
		wrapped("(Corso's --extend-retention.)"), l.warning)
	l.box = container.NewVBox(l.on, l.details)
	f.lockChanged()
}

// lockDays reads the retention period in whole days.
func lockDays(s string) (time.Duration, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 36500 {
		return 0, errors.New("Type a whole number of days, at least 1.")
	}

	return time.Duration(n) * 24 * time.Hour, nil
}

// objectLock is the lock the form asks for, nil for none.
func (f *addFlow) objectLock() *repo.ObjectLock {
	l := f.lock
	if l == nil || !l.on.Checked || f.kind == repo.KindFilesystem {
		return nil
	}

	period, _ := lockDays(l.days.Text)
	mode := repo.RetentionGovernance

	if l.mode.Selected == lockCompliance {
		mode = repo.RetentionCompliance
	}

	return &repo.ObjectLock{Mode: mode, Period: period, Extend: l.extend.Checked}
}

// lockChanged shows the choices when the lock is on, and says what the
// chosen mode and extension mean.
func (f *addFlow) lockChanged() {
	l := f.lock
	if l == nil || l.details == nil {
		return
	}

	if !l.on.Checked {
		l.details.Hide()
		f.revalidate()

		return
	}

	l.details.Show()
	l.meaning.SetText(lockMeaning[l.mode.Selected])
	l.least.SetText(fmt.Sprintf("days (at least %d)", repo.ObjectLock{Extend: l.extend.Checked}.MinPeriod()/(24*time.Hour)))

	var warn []string
	if l.mode.Selected == lockCompliance {
		warn = append(warn, "Compliance mode cannot be undone: until each lock runs out, no backup, no blob and not the repository itself can be deleted by anyone, and the storage is billed for all of it. "+
			"Try governance mode first unless a regulation requires compliance.")
	}

	if !l.extend.Checked {
		warn = append(warn, "Without extension, locks of data that backups still use run out, and Corso's maintenance reports the settings as inconsistent.")
	}

	l.warning.SetText(strings.Join(warn, " "))
	l.warning.Hidden = len(warn) == 0
	l.warning.Refresh()
	f.revalidate()
}

// lockItem is the form's object-lock row, for S3 and S3-compatible.
func (f *addFlow) lockItem() *widget.FormItem {
	f.ensureLockFields()

	return &widget.FormItem{Text: "Object lock", Widget: f.lock.box,
		HintText: "Only for a bucket created with Object Lock; checked before anything is written. Not used when connecting to an existing repository."}
}

// fillLock sets the object-lock fields from settings.
func (f *addFlow) fillLock(o *repo.ObjectLock) {
	f.ensureLockFields()

	l := f.lock
	l.on.SetChecked(o != nil)

	if o == nil {
		return
	}

	l.mode.SetSelected(map[string]string{repo.RetentionGovernance: lockGovernance, repo.RetentionCompliance: lockCompliance}[o.Mode])
	l.days.SetText(strconv.Itoa(int(o.Period / (24 * time.Hour))))
	l.extend.SetChecked(o.Extend)
}
