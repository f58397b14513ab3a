package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/corsodesktop/corso-desktop/repo/awsprofile"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
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
	form                                   *widget.Form
	formBox                                *fyne.Container
	rows                                   []*fieldRow
	showAllErrors                          bool

	settings repo.Settings
	report   *repo.Report
	imported *corsoconfig.Config

	mode                passMode
	name, pass, confirm *keyEntry
	remember            *widget.Check
	strength            *widget.ProgressBar
	strengthHint        *widget.Label
	strengthLabel       string
	// strengthCancel stops the rating still waiting or running.
	strengthCancel       context.CancelFunc
	passForm             *widget.Form
	checkButton, primary *widget.Button
	pickButtons          map[repo.Kind]*widget.Button
	passFields           []*keyEntry
	submitButton         *widget.Button
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

	return container.NewPadded(container.NewBorder(top, bottom, nil, nil, container.NewVScroll(body)))
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

func (f *addFlow) newEntry(placeholder string) *keyEntry { return f.a.newEntry(placeholder, false) }

func (f *addFlow) newSecretEntry(placeholder string) *keyEntry {
	return f.a.newEntry(placeholder, true)
}

func defaultFolder() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}

	return filepath.Join(home, "corso-repo")
}

// ensureFields makes the form's widgets once, so values survive going back.
func (f *addFlow) ensureFields() {
	if f.path != nil {
		return
	}

	f.path = f.newEntry("/path/to/folder")
	f.path.SetText(defaultFolder())
	f.bucket = f.newEntry("my-bucket")
	f.prefix = f.newEntry("optional, e.g. tenant-a/")
	f.region = f.newEntry("optional: the bucket's region is asked")
	f.endpoint = f.newEntry("host[:port], e.g. s3.us-west-002.backblazeb2.com")
	f.accessKey = f.newEntry("AKIA…")
	f.secretKey = f.newSecretEntry("secret access key")
	f.token = f.newSecretEntry("optional session token")
	f.caFile = f.newEntry("optional PEM file for a self-signed store")

	f.profile = widget.NewSelectEntry(awsprofile.Names())
	f.profile.SetPlaceHolder("default")

	f.credSource = widget.NewRadioGroup([]string{credsEnvironment, credsProfile, credsKeys}, func(string) { f.rebuildForm() })
	f.credSource.Selected = credsEnvironment
	f.credSource.Required = true

	// A theme icon rather than an emoji: the app carries no emoji font.
	f.tlsWarningText = wrapped("")
	f.tlsWarningText.Importance = widget.WarningImportance
	f.tlsWarning = container.NewBorder(nil, nil, widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon())), nil, f.tlsWarningText)
	f.tlsWarning.Hide()
	f.disableTLS = widget.NewCheck("Disable TLS (for testing only)", func(bool) { f.tlsChanged() })
	f.noVerify = widget.NewCheck("Skip certificate verification (for testing only)", func(bool) { f.tlsChanged() })

	for field, e := range map[string]*keyEntry{
		repo.FieldPath: f.path, repo.FieldBucket: f.bucket, repo.FieldPrefix: f.prefix, repo.FieldRegion: f.region,
		repo.FieldEndpoint: f.endpoint, repo.FieldAccessKey: f.accessKey, repo.FieldCAFile: f.caFile,
	} {
		e.Validator = f.fieldValidator(field)
		e.OnSubmitted = f.submitOnEnter
	}

	f.profile.Validator = f.fieldValidator(repo.FieldProfile)
	f.profile.OnSubmitted = f.submitOnEnter
	f.profile.OnChanged = func(string) { f.revalidate() }
	f.secretKey.Validator = func(s string) error {
		if f.credentials().Source == repo.CredentialsKeys && strings.TrimSpace(s) == "" {
			return errors.New("Enter the secret access key that goes with the access key ID.")
		}

		return nil
	}
	f.secretKey.OnSubmitted = f.submitOnEnter
	f.token.OnSubmitted = f.submitOnEnter
}

func (f *addFlow) submitOnEnter(string) { f.check() }

// fieldRow is an entry with its message underneath, wrapped to the form's
// width (a form's own hint line does not wrap, and these sentences are long).
type fieldRow struct {
	input   fyne.Validatable
	message *widget.Label
	touched bool
	box     *fyne.Container
}

func (f *addFlow) row(input fyne.Validatable) fyne.CanvasObject {
	for _, r := range f.rows {
		if r.input == input {
			return r.box
		}
	}

	r := &fieldRow{input: input, message: wrapped("")}
	r.message.Importance = widget.DangerImportance
	r.message.SizeName = theme.SizeNameCaptionText
	r.message.Hide()
	r.box = container.NewVBox(input.(fyne.CanvasObject), r.message)

	if e, ok := input.(*keyEntry); ok {
		prev := e.OnChanged
		e.OnChanged = func(s string) {
			r.touched = true

			if prev != nil {
				prev(s)
			}

			f.revalidate()
		}
	}

	f.rows = append(f.rows, r)

	return r.box
}

// revalidate runs every visible field's check (they depend on each other:
// the endpoint on "Disable TLS", the keys on the credential choice), shows
// the messages of fields the user has touched, and enables Check only
// when all pass.
func (f *addFlow) revalidate() bool {
	if f.form == nil {
		return false
	}

	ok := true

	for _, r := range f.rows {
		if !f.visible(r) {
			continue
		}

		err := r.input.Validate()
		if err != nil {
			ok = false
		}

		if err != nil && (r.touched || f.showAllErrors) {
			r.message.SetText(err.Error())
			r.message.Show()
		} else {
			r.message.Hide()
		}
	}

	if f.checkButton != nil {
		if ok {
			f.checkButton.Enable()
		} else {
			f.checkButton.Disable()
		}
	}

	return ok
}

func (f *addFlow) visible(r *fieldRow) bool {
	for _, it := range f.form.Items {
		if it.Widget == r.box {
			return true
		}
	}

	return false
}

func (f *addFlow) tlsChanged() {
	switch {
	case f.disableTLS.Checked:
		f.tlsWarningText.SetText("TLS is off: keys and data cross the network unencrypted. Use this only for a test server.")
		f.tlsWarning.Show()
	case f.noVerify.Checked:
		f.tlsWarningText.SetText("The server's certificate will not be checked, so anyone in between could pose as it. For testing only; a CA file is the safe way to trust a self-signed store.")
		f.tlsWarning.Show()
	default:
		f.tlsWarning.Hide()
	}

	// A container's Show does not ask its parents for a new layout; a
	// refresh does.
	f.tlsWarning.Refresh()
	f.revalidate()
}

func (f *addFlow) credentials() repo.Credentials {
	switch f.credSource.Selected {
	case credsProfile:
		return repo.Credentials{Source: repo.CredentialsProfile, Profile: strings.TrimSpace(f.profile.Text)}
	case credsKeys:
		return repo.Credentials{Source: repo.CredentialsKeys, AccessKeyID: strings.TrimSpace(f.accessKey.Text)}
	}

	return repo.Credentials{Source: repo.CredentialsEnvironment}
}

// current is the storage as the form describes it, not yet normalised.
func (f *addFlow) current() repo.Settings {
	s3 := repo.S3{Bucket: f.bucket.Text, Prefix: f.prefix.Text, Region: f.region.Text, Credentials: f.credentials()}

	switch f.kind {
	case repo.KindFilesystem:
		return repo.Filesystem{Path: f.path.Text}
	case repo.KindS3Compatible:
		return repo.S3Compatible{S3: s3, Endpoint: f.endpoint.Text, DisableTLS: f.disableTLS.Checked,
			DisableTLSVerification: f.noVerify.Checked, CAFile: f.caFile.Text}
	}

	return s3
}

func (f *addFlow) s3Secrets() repo.S3Secrets {
	if f.credentials().Source != repo.CredentialsKeys {
		return repo.S3Secrets{}
	}

	return repo.S3Secrets{SecretAccessKey: strings.TrimSpace(f.secretKey.Text), SessionToken: strings.TrimSpace(f.token.Text)}
}

// fieldValidator checks the whole storage the way repo will and returns
// this field's part of the verdict, so the message sits next to the field.
func (f *addFlow) fieldValidator(field string) fyne.StringValidator {
	return func(string) error {
		_, err := f.current().Normalized()

		var fe repo.FieldErrors
		if errors.As(err, &fe) {
			if msg := fe.For(field); msg != "" {
				return errors.New(msg)
			}
		}

		return nil
	}
}

// Step 2: where exactly.
func (f *addFlow) showForm() {
	f.back, f.step = f.showPicker, 2
	go f.a.eng.Prepare() // Check comes next
	f.ensureFields()
	f.formBox = container.NewVBox()
	f.checkButton = widget.NewButtonWithIcon("Check", theme.SearchIcon(), f.check)
	f.checkButton.Importance = widget.HighImportance
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), f.showPicker)
	f.rebuildForm()
	f.a.setView(f.frame(2, kindName(f.kind), f.formIntro(), f.formBox, back, f.checkButton))
	f.a.win.Canvas().Focus(f.firstField())
}

func (f *addFlow) firstField() fyne.Focusable {
	if f.kind == repo.KindFilesystem {
		return f.path
	}

	return f.bucket
}

func (f *addFlow) formIntro() string {
	switch f.kind {
	case repo.KindFilesystem:
		return "Missing folders are created, readable only by you (folders 0700, files 0600)."
	case repo.KindS3Compatible:
		return "The bucket must exist already. Several repositories can share it under different prefixes."
	}

	return "The bucket must exist already; Corso Desktop never creates it. Several repositories can share it under different prefixes."
}

func (f *addFlow) rebuildForm() {
	if f.formBox == nil {
		return
	}

	items := []*widget.FormItem{}
	item := func(label string, w fyne.CanvasObject, hint string) {
		items = append(items, &widget.FormItem{Text: label, Widget: w, HintText: hint})
	}

	if f.kind == repo.KindFilesystem {
		item("Folder", f.row(f.path), "An empty folder for a new repository, or an existing one's.")
		item("", widget.NewButtonWithIcon("Choose folder…", theme.FolderOpenIcon(), f.pickFolder), "")
	} else {
		if f.kind == repo.KindS3Compatible {
			item("Endpoint", f.row(f.endpoint), "The store's S3 address: host or host:port.")
		}

		item("Bucket", f.row(f.bucket), "")
		item("Prefix", f.row(f.prefix), "Lets several repositories share one bucket.")
		item("Region", f.row(f.region), "Leave empty: the bucket says where it is. A region typed here is compared with the bucket's own when you press Check.")
		item("Credentials", f.credSource, "")

		switch f.credSource.Selected {
		case credsProfile:
			item("Profile", f.row(f.profile), "From ~/.aws/config and ~/.aws/credentials.")
		case credsKeys:
			item("Access key ID", f.row(f.accessKey), "")
			item("Secret access key", f.row(f.secretKey), "Never written to a file: kept in the keychain when you choose Remember at the last step, otherwise in memory until the app quits.")
			item("Session token", f.token, "Only for temporary credentials.")
		}

		if f.kind == repo.KindS3Compatible {
			item("TLS", container.NewVBox(f.disableTLS, f.noVerify, f.tlsWarning), "")
			item("CA certificate", f.row(f.caFile), "Trusts a self-signed store with verification on.")
			item("", widget.NewButtonWithIcon("Choose CA file…", theme.FileIcon(), f.pickCAFile), "")
		}
	}

	f.form = &widget.Form{Items: items}
	f.formBox.Objects = []fyne.CanvasObject{f.form}
	f.formBox.Refresh()
	f.tlsChanged()
}

func (f *addFlow) pickFolder() {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err == nil && u != nil {
			f.path.SetText(u.Path())
		}
	}, f.a.win)
	d.SetLocation(pickerStart(f.path.Text))
	f.a.showDialog(d)
}

func (f *addFlow) pickCAFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err == nil && r != nil {
			f.caFile.SetText(r.URI().Path())
			r.Close()
		}
	}, f.a.win)
	d.SetLocation(pickerStart(f.caFile.Text))
	f.a.showDialog(d)
}

// pickerStart is the folder a picker opens in: the nearest existing folder
// on the way to what is typed (~ expanded as the form does), else the home
// folder. The path a user typed is where they mean to browse, and the
// default ~/corso-repo does not exist yet.
func pickerStart(typed string) fyne.ListableURI {
	dir := ""
	if n, err := (repo.Filesystem{Path: typed}).Normalized(); err == nil {
		dir = n.(repo.Filesystem).Path
	} else if home, err := os.UserHomeDir(); err == nil {
		dir = home
	}

	for dir != "" {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
				return l
			}
		}

		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}

	return nil
}

// Step 3: prove the location and say what is there.
func (f *addFlow) check() {
	if !f.revalidate() {
		f.showAllErrors = true
		f.revalidate()

		return
	}

	s, err := f.current().Normalized()
	if err != nil {
		return
	}

	f.settings = s
	secrets := f.s3Secrets()

	var rep *repo.Report

	f.a.run("Checking "+s.Describe(), checkingText(s), func(ctx context.Context) error {
		var err error
		rep, err = f.a.eng.Check(ctx, s, secrets, repo.CheckWrite)

		return err
	}, func(err error) {
		if err != nil {
			f.a.showError("Check", err)
			return
		}

		f.report = rep
		f.showReport()
	})
}

func checkingText(s repo.Settings) string {
	if s.Kind() == repo.KindFilesystem {
		return "Checking the folder…"
	}

	return "Checking credentials, endpoint and bucket…"
}

func statusIcon(st repo.Status) fyne.Resource {
	switch st {
	case repo.StatusOK:
		return theme.ConfirmIcon()
	case repo.StatusWarning:
		return theme.WarningIcon()
	case repo.StatusFailed:
		return theme.ErrorIcon()
	}

	return theme.MoreHorizontalIcon()
}

// reportLines is one row per check: icon, name, what was found.
func reportLines(rep *repo.Report) fyne.CanvasObject {
	rows := container.NewVBox()

	for _, l := range rep.Lines {
		name := widget.NewLabelWithStyle(l.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		msg := wrapped(l.Message)
		rows.Add(container.NewBorder(nil, nil, container.NewHBox(widget.NewIcon(statusIcon(l.Status)), container.NewGridWrap(fyne.NewSize(150, name.MinSize().Height), name)), nil, msg))
	}

	return rows
}

// policyBox shows the minimal IAM policy, ready to copy.
func (a *App) policyBox(policy string) fyne.CanvasObject {
	text := widget.NewMultiLineEntry()
	text.SetText(policy)
	text.TextStyle = fyne.TextStyle{Monospace: true}
	text.SetMinRowsVisible(8)
	text.OnChanged = func(string) { text.SetText(policy) } // read-only but selectable

	copyBtn := widget.NewButtonWithIcon("Copy policy", theme.ContentCopyIcon(), func() {
		a.fa.Clipboard().SetContent(policy)
	})

	return container.NewVBox(
		wrapped("Grant these permissions to the user or role whose keys you use (this is the smallest policy that works):"),
		text, container.NewHBox(copyBtn))
}

func (f *addFlow) showReport() {
	f.back, f.step = f.showForm, 3
	rep := f.report
	body := container.NewVBox(reportLines(rep))

	again := widget.NewButtonWithIcon("Check again", theme.ViewRefreshIcon(), f.check)
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), f.showForm)
	buttons := []fyne.CanvasObject{back, again}

	var summary string

	switch {
	case rep.Err != nil:
		summary = rep.Err.Error()

		if rep.PolicyJSON != "" {
			body.Add(f.a.policyBox(rep.PolicyJSON))
		}
	case rep.State == repo.StateEmpty:
		summary = "The location is empty and ready: create a new repository here."
		f.primary = widget.NewButtonWithIcon("Create repository…", theme.ContentAddIcon(), func() { f.showPassphrase(modeCreate) })
	case rep.State == repo.StateRepository:
		summary = "A repository is already here: connect to it with its passphrase."
		f.primary = widget.NewButtonWithIcon("Connect…", theme.LoginIcon(), func() { f.showPassphrase(modeConnect) })
	case rep.State == repo.StateHalfMade:
		summary = "A repository was being created here and the creation was interrupted. Finish it, or clear what was left to start again."
		clear := widget.NewButtonWithIcon("Clear it…", theme.DeleteIcon(), f.clearHalfMade)
		clear.Importance = widget.DangerImportance
		buttons = append(buttons, clear)
		f.primary = widget.NewButtonWithIcon("Finish creating…", theme.ConfirmIcon(), func() { f.showPassphrase(modeFinish) })
	default:
		summary = "Something else is stored here, so a repository cannot be created. Choose an empty location."
	}

	if rep.Err == nil && rep.State != repo.StateNotEmpty && f.primary != nil {
		f.primary.Importance = widget.HighImportance
		buttons = append(buttons, f.primary)
	} else {
		f.primary = nil
	}

	head := wrapped(summary)
	if rep.Err != nil || rep.State == repo.StateNotEmpty {
		head.Importance = widget.DangerImportance
	}

	body.Objects = append([]fyne.CanvasObject{head, widget.NewSeparator()}, body.Objects...)

	if f.imported != nil && len(f.imported.SecretKeys) > 0 {
		body.Add(f.importedSecretsNote())
	}

	f.a.setView(f.frame(3, "check", f.settings.Describe(), body, buttons...))
}

func (f *addFlow) importedSecretsNote() fyne.CanvasObject {
	l := wrapped(fmt.Sprintf("%s still holds secrets in plain text (%s). Corso Desktop copies them where you choose at the last step "+
		"(the keychain, or memory until it quits) and never changes that file: remove them from it yourself and give the CLI "+
		"the passphrase through CORSO_PASSPHRASE.",
		f.imported.Path, strings.Join(f.imported.SecretKeys, ", ")))
	l.Importance = widget.WarningImportance

	return l
}

func (f *addFlow) clearHalfMade() {
	d := dialog.NewConfirm("Clear the interrupted repository?",
		"This removes the repository files the interrupted creation wrote at "+f.settings.Describe()+". Nothing else is touched.",
		func(ok bool) {
			if !ok {
				return
			}

			s, secrets := f.settings, f.s3Secrets()
			f.a.run("Clearing", string(repo.StepClearing), func(ctx context.Context) error {
				return f.a.eng.Clear(ctx, s, secrets)
			}, func(err error) {
				if err != nil {
					f.a.showError("Clear", err)
					return
				}

				f.check()
			})
		}, f.a.win)
	f.a.showDialog(d)
}

func (f *addFlow) defaultName() string {
	switch s := f.settings.(type) {
	case repo.Filesystem:
		return filepath.Base(s.Path)
	case repo.S3:
		return strings.TrimSuffix(s.Bucket+"/"+s.Prefix, "/")
	case repo.S3Compatible:
		return strings.TrimSuffix(s.Bucket+"/"+s.Prefix, "/")
	}

	return "Repository"
}

// Step 4: the passphrase, a name, and whether to remember it.
func (f *addFlow) showPassphrase(mode passMode) {
	f.back, f.step = f.showReport, 4
	go f.a.eng.Prepare() // the rating, then Create or Connect
	f.mode = mode

	newRepo := mode == modeCreate || (mode == modeFinish && f.report.HalfMade == repo.HalfMadeBeforeFormat)

	f.name = f.newEntry("a name for this list")
	f.name.SetText(f.defaultName())
	f.name.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("Give the repository a name for the list.")
		}

		return nil
	}

	f.pass = f.newSecretEntry("passphrase")
	f.confirm = f.newSecretEntry("the same passphrase again")
	f.remember = widget.NewCheck("Remember in the keychain", nil)
	f.remember.SetChecked(true)
	f.strength = widget.NewProgressBar()
	f.strength.Max = 4
	f.strength.TextFormatter = func() string { return f.strengthLabel }
	f.strengthHint = wrapped("")
	f.strengthHint.SizeName = theme.SizeNameCaptionText

	if f.imported != nil && f.imported.Secrets.Passphrase != "" {
		f.pass.SetText(f.imported.Secrets.Passphrase)
		f.confirm.SetText(f.imported.Secrets.Passphrase)
	}

	items := []*widget.FormItem{{Text: "Name", Widget: f.name}}

	if newRepo {
		f.pass.Validator = repo.ValidateNewPassphrase
		f.pass.OnChanged = func(s string) { f.updateStrength() }
		f.confirm.Validator = func(s string) error {
			if s != f.pass.Text {
				return errors.New("The two passphrases differ.")
			}

			return nil
		}
		items = append(items,
			&widget.FormItem{Text: "Passphrase", Widget: f.pass},
			&widget.FormItem{Text: "Strength", Widget: container.NewVBox(f.strength, f.strengthHint)},
			&widget.FormItem{Text: "Confirm", Widget: f.confirm})
		f.updateStrength()
	} else {
		f.pass.Validator = func(s string) error {
			if s == "" {
				return errors.New("Enter the repository's passphrase.")
			}

			return nil
		}
		items = append(items, &widget.FormItem{Text: "Passphrase", Widget: f.pass})
	}

	items = append(items, &widget.FormItem{Text: "", Widget: f.remember,
		HintText: "Off: the passphrase is kept in memory until you quit, then asked for again."})

	submit := map[passMode]string{modeCreate: "Create repository", modeConnect: "Connect", modeFinish: "Finish creating"}[mode]
	f.passForm = &widget.Form{Items: items}
	f.submitButton = widget.NewButtonWithIcon(submit, theme.ConfirmIcon(), f.submitPassphrase)
	f.submitButton.Importance = widget.HighImportance
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), f.showReport)

	fields := []*keyEntry{f.name, f.pass}
	if newRepo {
		fields = append(fields, f.confirm)
	}

	f.passFields = fields

	for _, e := range fields {
		prev := e.OnChanged
		e.OnChanged = func(s string) {
			if prev != nil {
				prev(s)
			}

			f.updateSubmit()
		}
		e.OnSubmitted = func(string) { f.submitPassphrase() }
	}

	f.updateSubmit()

	body := container.NewVBox(f.passForm)

	if newRepo {
		warn := wrapped("Write the passphrase down somewhere safe. If it is lost, the backups cannot be decrypted: " +
			"nobody, including Corso, can recover or reset it.")
		warn.Importance = widget.WarningImportance
		body.Objects = append([]fyne.CanvasObject{warn}, body.Objects...)
	}

	title := map[passMode]string{modeCreate: "create", modeConnect: "connect", modeFinish: "finish creating"}[mode]
	f.a.setView(f.frame(4, title, f.settings.Describe(), body, back, f.submitButton))
	f.a.win.Canvas().Focus(f.pass)
}

// strengthDelay lets typing settle before a passphrase is rated: in the
// release build each rating runs in the engine helper process.
const strengthDelay = 150 * time.Millisecond

// updateStrength rates the passphrase off the UI goroutine; a newer
// keystroke cancels a rating still waiting or running.
func (f *addFlow) updateStrength() {
	f.confirm.Validate() //nolint:errcheck

	if f.strengthCancel != nil {
		f.strengthCancel()
	}

	pass, known := f.pass.Text, []string{f.name.Text, f.defaultName()}

	if pass == "" { // rated without the engine: shown at once
		s, _ := f.a.eng.PassphraseStrength(context.Background(), "")
		f.showStrength(s)

		return
	}

	ctx, cancel := context.WithCancel(context.Background())
	f.strengthCancel = cancel

	go func() {
		select {
		case <-time.After(strengthDelay):
		case <-ctx.Done():
			return
		}

		s, err := f.a.eng.PassphraseStrength(ctx, pass, known...)
		go f.a.eng.Prepare() // for the next keystroke or the submit

		f.a.post(func() {
			// Cancelled, on this goroutine, by a newer keystroke.
			if ctx.Err() != nil {
				return
			}

			cancel()

			if err != nil {
				s = repo.Strength{Label: "Not rated", Hint: "The strength could not be rated. " + err.Error()}
			}

			f.showStrength(s)
		})
	}()
}

func (f *addFlow) showStrength(s repo.Strength) {
	f.strengthLabel = s.Label
	f.strength.SetValue(float64(s.Score))
	f.strength.Refresh()
	f.strengthHint.SetText(s.Hint)
}

// passValid says whether every passphrase-step field passes its check,
// without marking untouched fields.
func (f *addFlow) passValid() bool {
	for _, e := range f.passFields {
		if e.Validator != nil && e.Validator(e.Text) != nil {
			return false
		}
	}

	return true
}

func (f *addFlow) updateSubmit() {
	if f.submitButton == nil {
		return
	}

	if f.passValid() {
		f.submitButton.Enable()
	} else {
		f.submitButton.Disable()
	}
}

func (f *addFlow) submitPassphrase() {
	if !f.passValid() {
		f.passForm.Validate() //nolint:errcheck // shows each field's message
		return
	}

	a := f.a
	entry := library.NewEntry(strings.TrimSpace(f.name.Text), f.settings)

	// A repository already in the list is connected as that entry, never
	// added a second time under another ID.
	existing, duplicate := a.entryAt(f.settings)
	if duplicate && f.mode != modeCreate {
		entry = existing
	}

	entry.RememberPassphrase = f.remember.Checked

	if f.imported != nil {
		entry.CorsoRepoID, entry.CorsoConfigFile = f.imported.RepoID, f.imported.Path
	}

	secrets := repo.Secrets{Passphrase: f.pass.Text, S3: f.s3Secrets()}
	local := a.lib.Local(entry.ID)
	mode, s := f.mode, f.settings

	var (
		info       *repo.Info
		keychainEr error
	)

	title := map[passMode]string{modeCreate: "Creating the repository", modeConnect: "Connecting", modeFinish: "Finishing the repository"}[mode]

	a.run(title, string(repo.StepChecking), func(ctx context.Context) error {
		var err error

		switch mode {
		case modeCreate:
			info, err = f.a.eng.Initialize(ctx, s, secrets, local)
		case modeConnect:
			info, err = f.a.eng.Connect(ctx, s, secrets, local)
		case modeFinish:
			info, err = f.a.eng.Finish(ctx, s, secrets, local)
		}

		if err != nil {
			return err
		}

		entry.State, entry.UniqueID = library.StateConnected, info.UniqueID
		if err := a.lib.Save(ctx, entry); err != nil {
			return err
		}

		_, keychainEr = a.lib.StoreSecrets(ctx, entry, secrets)

		return nil
	}, func(err error) {
		if err != nil {
			a.showError(title, err)
			return
		}

		a.infos[entry.ID] = info
		a.reload()
		a.selected = entry.ID
		a.showMain()
		a.locate(entry)

		if duplicate && mode != modeCreate {
			a.showInfo("Already in your list", "This repository was already saved as \""+entry.Name+"\", so that entry was connected and selected instead of adding it a second time.")
		}

		if keychainEr != nil && keychain.CodeOf(keychainEr) != keychain.CodeNotFound {
			a.showError("Passphrase kept for this session only", keychainEr)
		}
	})
}
