// Package tray says whether the desktop shows tray icons, so that an app
// started in the background does not hide its only window on a desktop
// where nothing could show it again.
package tray

// Available says whether this desktop shows tray icons now.
func Available() bool { return available() }
