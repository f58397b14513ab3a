// The add flow, step 1–2: the kind of storage and its settings form.

package ui

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/awsprofile"
)

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

	// A relative path would be taken from the app's working folder, which
	// nobody sees: refused at the field, where a full one is asked for.
	pathChecks := f.path.Validator
	f.path.Validator = func(s string) error {
		if p := strings.TrimSpace(s); p != "" && !filepath.IsAbs(p) && !strings.HasPrefix(p, "~") {
			return errors.New("Type the folder's full path (starting with " + absolutePathStart() + ", or ~ for your home folder): a relative path would be taken from Corso Desktop's working folder, which you cannot see.")
		}

		return pathChecks(s)
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

// absolutePathStart is how a full path starts on this system.
func absolutePathStart() string {
	if runtime.GOOS == "windows" {
		return `a drive letter such as C:\`
	}

	return "/"
}

// fieldRow is an entry with its message underneath, wrapped to the form's
// width (a form's own hint line does not wrap, and these sentences are long).
type fieldRow struct {
	input   fyne.Validatable
	message *widget.Label
	// touched: typed into or left; focused: being typed into now.
	touched, focused bool
	box              *fyne.Container
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
		// A field's message changes only when the field is left, so that
		// nothing moves under the pointer while typing; leaving an empty
		// field says what it needs beside the field's red mark.
		e.focused = func(in bool) {
			r.focused = in
			if !in {
				r.touched = true
				f.revalidate()
			}
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

		switch {
		case r.focused && !f.showAllErrors:
			// Typed into now: its message waits for the field to be left.
		case err != nil && (r.touched || f.showAllErrors):
			r.message.SetText(err.Error())
			r.message.Show()
		default:
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
	if l := f.lock; l != nil && r.input == l.days {
		// Inside the object-lock row, shown while the lock is on.
		return l.on.Checked && f.kind != repo.KindFilesystem
	}

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
	s3 := repo.S3{Bucket: f.bucket.Text, Prefix: f.prefix.Text, Region: f.region.Text, Credentials: f.credentials(), ObjectLock: f.objectLock()}

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
	go f.a.eng.Prepare(repo.Upcoming{}) // Check comes next; where, not yet known
	f.ensureFields()
	f.formBox = container.NewVBox()
	f.checkButton = widget.NewButtonWithIcon("Check", theme.SearchIcon(), f.check)
	f.checkButton.Importance = widget.HighImportance
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), f.showPicker)
	f.rebuildForm()
	f.a.setView(f.frame(2, kindName(f.kind), f.formIntro(), f.formBox, back, f.checkButton))
	f.a.win.Canvas().Focus(f.firstField())
}

// firstField is the form's first field, where typing starts.
func (f *addFlow) firstField() fyne.Focusable {
	switch f.kind {
	case repo.KindFilesystem:
		return f.path
	case repo.KindS3Compatible:
		return f.endpoint
	}

	return f.bucket
}

func (f *addFlow) formIntro() string {
	intro := f.kindIntro()
	if f.imported != nil {
		intro = "Filled in from " + f.imported.Path + ", the Corso CLI's config file. " + intro
	}

	return intro
}

func (f *addFlow) kindIntro() string {
	switch f.kind {
	case repo.KindFilesystem:
		return "Missing folders are created, " + platform.PrivacyOfNewTree() + "."
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

		items = append(items, f.lockItem())
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
	d.SetFilter(caFileFilter)
	f.a.showDialog(d)
}

// caFileFilter shows the files a CA certificate comes in. (Hidden folders,
// where tools keep their CAs, are one tick away in the picker's menu, and
// the picker opens at the folder of what is typed.)
var caFileFilter = storage.NewExtensionFileFilter([]string{".pem", ".crt", ".cer", ".ca-bundle"})

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

// fill puts settings s, and typed S3 secrets, into the form's fields: an
// imported .corso.toml, or a saved repository's bucket for another one.
func (f *addFlow) fill(s repo.Settings, secrets repo.S3Secrets) {
	var s3 repo.S3

	switch v := s.(type) {
	case repo.Filesystem:
		f.path.SetText(v.Path)
		return
	case repo.S3:
		s3 = v
	case repo.S3Compatible:
		s3 = v.S3
		f.endpoint.SetText(v.Endpoint)
		f.disableTLS.SetChecked(v.DisableTLS)
		f.noVerify.SetChecked(v.DisableTLSVerification)
		f.caFile.SetText(v.CAFile)
	}

	f.bucket.SetText(s3.Bucket)
	f.prefix.SetText(s3.Prefix)
	f.region.SetText(s3.Region)
	f.fillLock(s3.ObjectLock)

	switch c := s3.Credentials; c.Source {
	case repo.CredentialsKeys:
		f.credSource.SetSelected(credsKeys)
		f.accessKey.SetText(c.AccessKeyID)
		f.secretKey.SetText(secrets.SecretAccessKey)
		f.token.SetText(secrets.SessionToken)
	case repo.CredentialsProfile:
		f.credSource.SetSelected(credsProfile)
		f.profile.SetText(c.Profile)
	default:
		f.credSource.SetSelected(credsEnvironment)
	}
}
