package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
)

// Credential choices as the form shows them.
const (
	credsEnvironment = "From the environment (AWS variables, default profile, SSO)"
	credsProfile     = "An AWS profile"
	credsKeys        = "Access keys I type in"
)

// What the passphrase step is for.
type passMode int

const (
	modeCreate passMode = iota
	modeConnect
	modeFinish
)

// addFlow is the guided "Add repository" flow: storage, form, check,
// passphrase. It lives in the main window, so Escape steps back.
type addFlow struct {
	a    *App
	kind repo.Kind
	back func()
	// step is the screen shown, 1 to 4.
	step int

	path, bucket, prefix, region, endpoint *keyEntry
	accessKey, secretKey, token, caFile    *keyEntry
	profile                                *widget.SelectEntry
	credSource                             *widget.RadioGroup
	disableTLS, noVerify                   *widget.Check
	tlsWarning                             *fyne.Container
	tlsWarningText                         *widget.Label
	lock                                   *objectLockFields
	form                                   *widget.Form
	formBox                                *fyne.Container
	rows                                   []*fieldRow
	showAllErrors                          bool

	settings repo.Settings
	report   *repo.Report
	imported *corsoconfig.Config
	// alreadySaved says, at the check step, that the location is saved.
	alreadySaved *widget.Label

	mode     passMode
	name     *keyEntry
	remember *widget.Check
	// The passphrase fields; newRepo: the passphrase is a new one.
	*newPassphrase
	newRepo              bool
	passForm             *widget.Form
	checkButton, primary *widget.Button
	pickButtons          map[repo.Kind]*widget.Button
	passFields           []*keyEntry
	submitButton         *widget.Button
	// scroll is the shown step's scroller.
	scroll *container.Scroll
}

func (a *App) startAdd() {
	a.flow = &addFlow{a: a}
	a.flow.showPicker()
}

// frame lays out one step: heading, body, and the step's buttons.
func (f *addFlow) frame(step int, title, intro string, body fyne.CanvasObject, buttons ...fyne.CanvasObject) fyne.CanvasObject {
	heading := widget.NewLabelWithStyle(fmt.Sprintf("Add repository — step %d of 4: %s", step, title), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewVBox(heading)

	if intro != "" {
		top.Add(wrapped(intro))
	}

	top.Add(widget.NewSeparator())

	var bottom fyne.CanvasObject
	if len(buttons) > 0 {
		bottom = container.NewVBox(widget.NewSeparator(), container.NewHBox(append([]fyne.CanvasObject{layout.NewSpacer()}, buttons...)...))
	}

	scroll, s := wheelScroll(body)
	f.scroll = s

	return container.NewPadded(container.NewBorder(top, bottom, nil, nil, scroll))
}

func (f *addFlow) cancelButton() *widget.Button {
	return widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), f.a.showMain)
}

// Step 1: which storage.
func (f *addFlow) showPicker() {
	f.back, f.step = f.a.showMain, 1
	f.pickButtons = map[repo.Kind]*widget.Button{}

	choice := func(k repo.Kind, text string) fyne.CanvasObject {
		b := widget.NewButtonWithIcon(kindName(k), kindIcon(k), func() { f.kind = k; f.showForm() })
		b.Alignment = widget.ButtonAlignLeading
		f.pickButtons[k] = b

		return container.NewVBox(b, wrapped(text))
	}

	body := container.NewVBox(
		choice(repo.KindS3, "A bucket in Amazon S3. The bucket must exist already; Corso Desktop checks it and never creates one."),
		choice(repo.KindS3Compatible, "Any store that speaks the S3 API: MinIO, Backblaze B2, Google Cloud Storage, Wasabi, Ceph and others."),
		choice(repo.KindFilesystem, "A folder on this computer, an external disk or a network share. Good for trying Corso out."),
	)

	f.a.setView(f.frame(1, "choose the storage", "Where should the encrypted backups live?", body, f.cancelButton()))
}
