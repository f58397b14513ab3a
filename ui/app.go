// Package ui holds Corso Desktop's Fyne screens. It holds a repo.Engine
// value (chosen by cmd/corso-desktop) for every repository operation and
// never imports an engine's implementation, kopia or the AWS SDK. Everything slow
// (network, scrypt, the keychain) runs on a goroutine and comes back to
// the UI goroutine through post.
package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/corsodesktop/corso-desktop/platform"
	"github.com/corsodesktop/corso-desktop/platform/keychain"
	"github.com/corsodesktop/corso-desktop/repo"
	"github.com/corsodesktop/corso-desktop/repo/corsoconfig"
	"github.com/corsodesktop/corso-desktop/repo/health"
	"github.com/corsodesktop/corso-desktop/repo/library"
)

// AppID is the reverse-DNS identity the OS keys settings and keychain by.
const AppID = "io.github.corsodesktop.CorsoDesktop"

// Title is the main window's title.
const Title = "Corso Desktop"

// Options are what the app is built from; zero values mean the user's own.
type Options struct {
	// Engine runs every repository operation; cmd/corso-desktop chooses
	// which (the helper process in the app, in-process in tests).
	Engine   repo.Engine
	Dirs     platform.Dirs
	Keychain keychain.Keychain
	// CorsoConfigPath is the Corso CLI's config file; "" means corsoconfig.DefaultPath().
	CorsoConfigPath string
	// Post runs f on the UI goroutine; nil means fyne.Do. Tests pass their
	// own event loop to measure how long the UI goroutine is held.
	Post func(f func())
	// Care sets how the repositories are looked after while nobody looks.
	Care CareOptions
	// Background starts the app in the tray, its window hidden until asked
	// for (the login item's start).
	Background bool
	// Autostart is the login item's switch; nil means platform/autostart.
	Autostart Autostart
}

// App is the main window and everything it shows.
type App struct {
	fa   fyne.App
	win  fyne.Window
	opts Options
	eng  repo.Engine
	lib  *library.Library
	post func(func())

	entries  []library.Entry
	selected string

	infos   map[string]*repo.Info
	opening map[string]bool
	// located is where each repository's secrets were last found.
	located map[string]library.Located
	// contents is what each opened repository holds, as last read;
	// backups is the backups view when it is shown.
	contents map[string]*contentsState
	backups  *backupsView
	// items is the items view of one backup when it is shown.
	items *itemsView
	// itemsOpen is the items view whose session is open: leaving it for
	// any other view than its comparison closes the session.
	itemsOpen *itemsView
	// visible is the list as shown: entries filtered by listFilter, in
	// listOrder.
	visible     []library.Entry
	listFilter  string
	listOrder   string
	orderSelect *widget.Select
	filterEntry *keyEntry
	// listRow is the highlighted row, -1 for none; selecting is set while
	// the app, not the user, moves the highlight.
	listRow   int
	selecting bool

	root    *fyne.Container
	list    *widget.List
	details *fyne.Container
	// detailsScroll scrolls the details shown last.
	detailsScroll *container.Scroll
	importBtn     *widget.Button
	addBtn        *widget.Button
	// lastError and lastInfo are what showError and showInfo last showed,
	// for tests.
	lastError error
	lastInfo  string
	// changeForm is the passphrase change dialog last shown.
	changeForm *passChangeForm
	// maintForm is the maintenance dialog last shown.
	maintForm *maintenanceForm
	// handoff is the shell and form copied commands use; cliDialog the
	// command dialog last shown; cliFiles what each repository's CLI
	// config file was last found to hold.
	handoff   handoffChoice
	cliDialog *cliCommand
	cliFiles  map[string]corsoconfig.FileState
	// care is what the app last learned of each repository's health
	// (UI goroutine); careShared is what its goroutine shares.
	care map[string]*careState
	careShared
	// tray is the desktop's system tray, nil where there is none; hidden:
	// started at login, the window waits for the tray to show it.
	tray   desktop.App
	hidden bool
	// forgetForm is the Forget confirmation last shown; scheduleForm,
	// backgroundForm and verifyForm the care dialogs' last.
	forgetForm     *dialog.CustomDialog
	scheduleForm   *dialog.FormDialog
	backgroundForm *widget.Check
	verifyForm     *widget.RadioGroup
	// noticeText and noticeBox show notices; noticeSeq tells the latest.
	noticeText *widget.Label
	noticeBox  *fyne.Container
	noticeSeq  int
	// refused are the repositories whose stored passphrase no longer opens
	// them.
	refused map[string]bool
	// lastNotice is the passing notice last shown, lastConfirm the last
	// question asked, for tests.
	lastNotice, lastConfirm string

	flow   *addFlow
	busy   *task
	dialog dialog.Dialog
}

// New builds the app's main window. It reads the saved repositories (a
// small local file) but never touches the keychain or the network.
func New(fa fyne.App, opts Options) *App {
	if opts.Engine == nil {
		panic("ui.New: Options.Engine is required")
	}

	if opts.Dirs == (platform.Dirs{}) {
		if d, err := platform.UserDirs(); err == nil {
			opts.Dirs = d
		}
	}

	if opts.Keychain == nil {
		opts.Keychain = keychain.System{}
	}

	if opts.CorsoConfigPath == "" {
		opts.CorsoConfigPath = corsoconfig.DefaultPath()
	}

	fa.SetCloudProvider(sessionPreferences{})

	a := &App{fa: fa, opts: opts, eng: opts.Engine, post: opts.Post, listOrder: orderName, infos: map[string]*repo.Info{}, opening: map[string]bool{},
		located: map[string]library.Located{}, contents: map[string]*contentsState{}, handoff: defaultHandoff(), cliFiles: map[string]corsoconfig.FileState{}, refused: map[string]bool{},
		care: map[string]*careState{}, careShared: careShared{notified: map[string]time.Time{}}}
	if a.post == nil {
		a.post = fyne.Do
	}

	a.win = fa.NewWindow(Title)
	a.win.SetMaster()
	a.win.Canvas().SetOnTypedKey(a.typedKey)
	a.addShortcuts()

	lib, err := library.Open(context.Background(), opts.Dirs, opts.Keychain)
	a.lib = lib

	a.root = container.NewStack()
	a.win.SetContent(container.NewStack(a.root, a.noticeLayer()))
	a.win.Resize(fyne.NewSize(960, 640))

	a.reload()
	a.showMain()

	if err != nil {
		a.showError("Saved repositories", err)
	}

	// A release app copied without its engine says so at once.
	if err := a.eng.Problem(); err != nil {
		a.showError("Corso Desktop is incomplete", err)
	}

	careCtx, stopCare := context.WithCancel(context.Background())
	fa.Lifecycle().SetOnStopped(stopCare)
	a.startCare(careCtx)
	a.setUpTray()

	return a
}

// Window is the main window.
func (a *App) Window() fyne.Window { return a.win }

// ShowAndRun shows the window and runs the event loop until it closes.
// Started in the background (at login), the window stays hidden where a
// tray can show it, and the loop runs until the tray's Quit.
func (a *App) ShowAndRun() {
	if a.hidden {
		a.fa.Run()
		return
	}

	a.win.ShowAndRun()
}

func (a *App) typedKey(ev *fyne.KeyEvent) {
	if ev.Name != fyne.KeyEscape {
		return
	}

	switch {
	case a.busy != nil:
		a.busy.cancelTask()
	case a.dialog != nil:
		a.dialog.Hide()
	case a.flow != nil:
		// Leaves the add flow (Back steps back within it).
		a.showMain()
	}
}

// reload reads the saved list again (another instance may have changed it).
func (a *App) reload() {
	entries, err := a.lib.List(context.Background())
	if err != nil {
		a.showError("Saved repositories", err)
		return
	}

	a.entries = entries
	a.arrange()
	a.refreshTray()
}

func (a *App) entry(id string) (library.Entry, bool) {
	for _, e := range a.entries {
		if e.ID == id {
			return e, true
		}
	}

	return library.Entry{}, false
}

func (a *App) setView(o fyne.CanvasObject) {
	if v := a.itemsOpen; v != nil && o != v.view && o != v.compareView {
		v.close()
		a.itemsOpen = nil
	}

	a.root.Objects = []fyne.CanvasObject{o}
	a.root.Refresh()
}

// showMain shows the list and details, or the first-run explanation.
func (a *App) showMain() {
	a.flow = nil

	add := widget.NewButtonWithIcon("Add repository", theme.ContentAddIcon(), a.startAdd)
	add.Importance = widget.HighImportance
	a.addBtn = add
	a.importBtn = widget.NewButtonWithIcon(importLabel, theme.DownloadIcon(), a.importCorsoConfig)

	if len(a.entries) == 0 {
		a.setView(a.emptyState(add))
		return
	}

	title := widget.NewLabelWithStyle("Repositories", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	background := widget.NewButtonWithIcon("In the background…", theme.HistoryIcon(), a.showBackground)
	top := container.NewVBox(container.NewBorder(nil, nil, title, container.NewHBox(background, a.importBtn, add)), a.listControls())

	a.arrange()
	a.list = widget.NewList(
		func() int { return len(a.visible) },
		newListRow,
		func(i widget.ListItemID, o fyne.CanvasObject) { a.updateListRow(a.visible[i], o) },
	)

	a.details = container.NewStack()
	split := container.NewHSplit(a.list, container.NewPadded(a.details))
	split.Offset = 0.36

	a.setView(container.NewBorder(container.NewPadded(top), nil, nil, nil, split))

	if _, ok := a.entry(a.selected); !ok {
		a.selected = a.entries[0].ID
	}

	for i, e := range a.visible {
		if e.ID == a.selected {
			a.list.Select(i)
			a.listRow = i
		}
	}

	a.selectEntry(a.selected)

	// Set only now: the selection above is not a user's pick, and only a
	// user's pick starts the engine ahead of what may follow.
	a.list.OnSelected = func(i widget.ListItemID) {
		a.listRow = i
		if a.selecting {
			return // keepSelection moving the highlight, not a pick
		}

		a.selectEntry(a.visible[i].ID)
		go a.eng.Prepare(a.upcoming(a.visible[i]))
	}
}

func (a *App) emptyState(add *widget.Button) fyne.CanvasObject {
	title := widget.NewLabelWithStyle("No repositories yet", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	body := wrapped("A repository is where Corso keeps encrypted backups of a Microsoft 365 tenant: " +
		"a folder on this computer or a network drive, or a bucket in Amazon S3 or any S3-compatible store. " +
		"Everything in it is encrypted with keys derived from a passphrase that only you know.")
	body.Alignment = fyne.TextAlignCenter

	next := wrapped("Add a repository to create a new one or connect to one you already have. " +
		"If you used the Corso command line before, import its settings from its .corso.toml.")
	next.Alignment = fyne.TextAlignCenter

	does := wrapped("Corso Desktop sets repositories up, checks them, shows the backups in them and runs their maintenance. " +
		"It takes no backup itself: the Corso CLI does, for example:")
	does.Alignment = fyne.TextAlignCenter
	example := widget.NewLabelWithStyle("corso backup create exchange --mailbox adele@contoso.com", fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	upkeep := wrapped("Corso schedules no maintenance. Corso Desktop runs it for each repository whose passphrase it has, while it is open: " +
		fmt.Sprintf("metadata every %d backups and complete every %s by default, as Corso's documentation recommends; each repository's details change or turn off its schedule.",
			health.DefaultMetadataEvery, daysText(health.DefaultCompleteEvery)))
	upkeep.Alignment = fyne.TextAlignCenter
	upkeep.SizeName = theme.SizeNameCaptionText

	buttons := container.NewCenter(container.NewHBox(add, a.importBtn))
	box := container.NewVBox(
		container.NewCenter(widget.NewIcon(theme.StorageIcon())),
		title, body, next, buttons, widget.NewSeparator(), does, example, upkeep)

	return container.NewCenter(container.NewGridWrap(fyne.NewSize(600, box.MinSize().Height), box))
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord

	return l
}

func kindIcon(k repo.Kind) fyne.Resource {
	switch k {
	case repo.KindFilesystem:
		return theme.FolderIcon()
	case repo.KindS3Compatible:
		return theme.ComputerIcon()
	}

	return theme.StorageIcon()
}

func kindName(k repo.Kind) string {
	switch k {
	case repo.KindFilesystem:
		return "Local or network folder"
	case repo.KindS3Compatible:
		return "S3-compatible storage"
	}

	return "Amazon S3"
}

// detailed is an error with technical details behind its sentence.
type detailed interface{ Details() string }

// showError shows err's sentence, with its technical details (never a
// secret: neither repo nor platform put one in an error) behind an expander.
func (a *App) showError(title string, err error) {
	if err == nil || repo.CodeOf(err) == repo.CodeCanceled || errors.Is(err, context.Canceled) {
		return
	}

	a.lastError = err
	content := container.NewVBox(wrapped(err.Error()))

	var d detailed
	if errors.As(err, &d) && d.Details() != "" {
		text := wrapped(d.Details())
		text.TextStyle = fyne.TextStyle{Monospace: true}
		content.Add(widget.NewAccordion(widget.NewAccordionItem("Details", text)))
	}

	a.showDialog(dialog.NewCustom(title, "Close", container.NewGridWrap(fyne.NewSize(460, content.MinSize().Height+60), content), a.win))
}

func (a *App) showDialog(d dialog.Dialog) {
	a.dialog = d
	d.SetOnClosed(func() {
		if a.dialog == d {
			a.dialog = nil
		}
	})
	d.Show()
}

// notice shows text for a few seconds at the bottom of the window,
// without stopping anything: for what needs no answer ("Copied"). It is a
// plain label in a layer above the view, not an overlay, so that it takes
// no tap, no key and no focus from the window.
func (a *App) notice(text string) {
	a.lastNotice = text
	a.noticeText.SetText(text)
	a.noticeBox.Show()
	a.noticeSeq++

	seq := a.noticeSeq

	time.AfterFunc(4*time.Second, func() {
		a.post(func() {
			if a.noticeSeq == seq {
				a.noticeBox.Hide()
			}
		})
	})
}

// noticeLayer is the layer notices appear in, at the bottom of the window.
func (a *App) noticeLayer() fyne.CanvasObject {
	a.noticeText = widget.NewLabel("")
	a.noticeText.Wrapping = fyne.TextWrapWord
	a.noticeText.Alignment = fyne.TextAlignCenter

	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	bg.CornerRadius = theme.InputRadiusSize()
	bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	bg.StrokeWidth = 1

	a.noticeBox = container.NewStack(bg, container.NewPadded(a.noticeText))
	a.noticeBox.Hide()

	return container.NewBorder(nil, container.NewPadded(container.NewCenter(container.NewGridWrap(fyne.NewSize(520, 0), a.noticeBox))), nil, nil)
}

func (a *App) showInfo(title, text string) {
	a.lastInfo = text
	a.showDialog(dialog.NewCustom(title, "Close", container.NewGridWrap(fyne.NewSize(460, 120), wrapped(text)), a.win))
}

// entryAt is the saved repository at the same location as s, if any.
func (a *App) entryAt(s repo.Settings) (library.Entry, bool) {
	for _, e := range a.entries {
		if repo.SameLocation(e.Settings(), s) {
			return e, true
		}
	}

	return library.Entry{}, false
}
