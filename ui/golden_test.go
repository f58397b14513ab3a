package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// TestScreensMatchGolden renders each screen with fixed content and
// compares it with the markup in testdata/. After an intended change,
// review testdata/failed/*.xml and move them over the old files.
func TestScreensMatchGolden(t *testing.T) {
	time.Local = time.UTC // the details show local times

	h := newHarness(t)
	a := h.a
	canvas := a.win.Canvas()

	test.AssertRendersToMarkup(t, "empty.xml", canvas)

	h.tap(a.addBtn)
	test.AssertRendersToMarkup(t, "choose-storage.xml", canvas)

	f := a.flow
	h.tap(f.pickButtons[repo.KindFilesystem])
	h.loop.onUI(func() { f.path.SetText("/srv/corso-repo") })
	test.AssertRendersToMarkup(t, "folder-form.xml", canvas)

	h.loop.onUI(func() { f.kind = repo.KindS3; f.showForm() })
	h.typeInto(f.bucket, "Bad_Bucket")
	h.loop.onUI(func() { canvas.Unfocus() }) // its message shows once it is left
	test.AssertRendersToMarkup(t, "s3-form-invalid.xml", canvas)

	h.loop.onUI(func() { f.kind = repo.KindS3Compatible; f.showForm(); f.noVerify.SetChecked(true) })
	test.AssertRendersToMarkup(t, "s3-compatible-form.xml", canvas)

	// The result screens from fixed reports: this is about how the UI shows
	// them; the checks themselves are tested against MinIO in repo.
	f.settings = repo.S3{Bucket: "corso-backups", Prefix: "tenant-a/", Credentials: repo.Credentials{Source: repo.CredentialsEnvironment}}
	f.report = &repo.Report{State: repo.StateEmpty, Lines: []repo.CheckLine{
		{Name: repo.LineCredentials, Message: "environment variables (AWS_ACCESS_KEY_ID …)"},
		{Name: repo.LineBucket, Message: "corso-backups exists."},
		{Name: repo.LineList, Message: "Nothing under tenant-a/ yet."},
	}}
	h.loop.onUI(f.showReport)
	test.AssertRendersToMarkup(t, "check-empty.xml", canvas)

	denied := &repo.Error{Code: repo.CodeAccessDenied, Action: repo.ActionPutObject}
	f.report = &repo.Report{Err: denied, PolicyJSON: repo.PolicyJSON("corso-backups", false), Lines: []repo.CheckLine{
		{Name: repo.LineBucket, Message: "corso-backups exists."},
		{Name: repo.LineWrite, Status: repo.StatusFailed, Message: "s3:PutObject was refused."},
	}}
	h.loop.onUI(f.showReport)
	test.AssertRendersToMarkup(t, "check-denied.xml", canvas)

	f.report = &repo.Report{State: repo.StateEmpty}
	h.loop.onUI(func() { f.showPassphrase(modeCreate) })
	test.AssertRendersToMarkup(t, "create.xml", canvas)

	h.loop.onUI(func() { f.report.State = repo.StateRepository; f.showPassphrase(modeConnect) })
	test.AssertRendersToMarkup(t, "connect.xml", canvas)

	// Details of a saved repository with known facts.
	e := library.NewEntry("Contoso", f.settings)
	e.ID = "golden"
	a.opts.CorsoConfigPath = "/home/anna/.corso.toml" // the details name it
	a.entries = []library.Entry{e}
	a.selected = e.ID
	a.infos[e.ID] = &repo.Info{
		UniqueID: "4ba322bee2cefd8116a4b2617d09f65d", FormatVersion: 3, KeyDerivation: "scrypt-65536-8-1",
		Encryption: "AES256-GCM-HMAC-SHA256", Hash: "BLAKE2B-256-128", Splitter: "DYNAMIC-4M-BUZHASH", MaxPackSize: 20 << 20,
		Created: time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC), CorsoSettings: true, CredentialsFrom: "profile backup in ~/.aws/credentials",
	}
	// What it holds, as read (a summary without backups: "ago" would date
	// the golden).
	a.contents[e.ID] = &contentsState{result: &repo.Contents{Storage: repo.StorageUse{Bytes: 12_400_000_000, Blobs: 3120}, Maintenance: repo.Maintenance{Owner: "corso@backup-host", Identity: "anna@laptop", LastRun: time.Now().Add(-3 * time.Hour), LastFull: time.Now().Add(-50 * time.Hour)}}}
	h.loop.onUI(a.showMain)

	// Where the secrets are is looked up, not assumed: here the passphrase
	// really is in the (test) keychain.
	if err := h.kc.Set(context.Background(), e.ID+"/passphrase", passphrase); err != nil {
		t.Fatal(err)
	}

	h.loop.onUI(func() { a.locate(e) })
	h.loop.until(t, "the secrets to be located", func() bool { _, ok := a.located[e.ID]; return ok })
	h.loop.until(t, "the CLI's config file to be read", func() bool { _, ok := a.cliFiles[e.ID]; return ok })
	h.loop.onUI(a.showDetails)
	test.AssertRendersToMarkup(t, "details.xml", canvas)
}
