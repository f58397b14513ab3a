package ui

import "fyne.io/fyne/v2"

// sessionPreferences keeps Fyne's own preferences (the file dialogs' last
// folder and view) in memory for the session instead of in Fyne's
// preferences.json. Fyne saves that file at quit by truncating it in place
// while its own file watcher may read it back, which logs "Preferences load
// error: EOF" (fyne-io/fyne#2936). The app's settings live in platform;
// the pickers start from the folder already typed in, so nothing a user
// relies on is lost.
//
// Fyne swaps the preferences store only through a cloud provider, so this
// is one that offers nothing but preferences.
type sessionPreferences struct{}

func (sessionPreferences) ProviderName() string { return "session" }
func (sessionPreferences) ProviderDescription() string {
	return "preferences kept for this session only"
}
func (sessionPreferences) ProviderIcon() fyne.Resource { return nil }
func (sessionPreferences) Setup(fyne.App) error        { return nil }
func (sessionPreferences) Cleanup(fyne.App)            {}

// CloudPreferences wraps the store Fyne loaded at start: reads still see
// what an older version saved, and because the app no longer holds Fyne's
// own store, Fyne neither saves it on change nor at quit.
func (sessionPreferences) CloudPreferences(a fyne.App) fyne.Preferences {
	return inMemoryPreferences{a.Preferences()}
}

type inMemoryPreferences struct{ fyne.Preferences }
