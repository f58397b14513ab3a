// Package autostart makes the app start at login, in the tray without its
// window, and stops it: an XDG autostart entry on Linux, a per-user Run
// entry (the Startup apps Windows lists) on Windows, a LaunchAgent on
// macOS. It never imports repo or Fyne.
package autostart

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// ID names the login item, as the OS keys it.
const ID = "io.github.corsodesktop.CorsoDesktop"

// Name is what the OS shows for it.
const Name = "Corso Desktop"

// Item is what starts at login: the program and its arguments.
type Item struct {
	Program string
	Args    []string
}

// desktopEntry is the XDG autostart file for it (Desktop Entry
// Specification: Exec's arguments quoted, with ", `, $ and \ escaped).
func desktopEntry(it Item) []byte {
	words := make([]string, 0, 1+len(it.Args))
	for _, w := range append([]string{it.Program}, it.Args...) {
		words = append(words, execQuote(w))
	}

	var b bytes.Buffer

	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Name=" + Name + "\n")
	b.WriteString("Comment=Keeps Corso repositories healthy: scheduled maintenance, in the tray\n")
	b.WriteString("Exec=" + strings.Join(words, " ") + "\n")
	b.WriteString("Icon=" + ID + "\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")

	return b.Bytes()
}

// execQuote quotes one word of an Exec line.
func execQuote(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t\n\"'\\><~|&;$*?#()`=%") {
		return w
	}

	var b strings.Builder

	b.WriteByte('"')

	for _, r := range w {
		switch r {
		case '"', '`', '$', '\\':
			b.WriteByte('\\')
		}

		b.WriteRune(r)
	}

	b.WriteByte('"')

	return strings.ReplaceAll(b.String(), "%", "%%")
}

// launchAgent is the macOS LaunchAgent property list for it.
func launchAgent(it Item) []byte {
	var b bytes.Buffer

	str := func(s string) {
		b.WriteString("<string>")
		xml.EscapeText(&b, []byte(s)) //nolint:errcheck // a bytes.Buffer
		b.WriteString("</string>")
	}

	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString(`<plist version="1.0">` + "\n<dict>\n")
	b.WriteString("\t<key>Label</key>")
	str(ID)
	b.WriteString("\n\t<key>ProgramArguments</key>\n\t<array>")

	for _, a := range append([]string{it.Program}, it.Args...) {
		str(a)
	}

	b.WriteString("</array>\n\t<key>RunAtLoad</key><true/>\n\t<key>ProcessType</key>")
	str("Interactive")
	b.WriteString("\n</dict>\n</plist>\n")

	return b.Bytes()
}

// runValue is the Windows Run entry's command line: the program quoted as
// Windows quotes a path, then the arguments (which hold no space).
func runValue(it Item) string {
	return `"` + it.Program + `"` + prefixed(it.Args)
}

func prefixed(args []string) string {
	if len(args) == 0 {
		return ""
	}

	return " " + strings.Join(args, " ")
}
