// Command pecheck verifies a Windows executable of Corso Desktop: its
// subsystem (the app a GUI program, so no console window opens; the engine
// a console program the app starts without a window), an icon with every
// size from 16 to 256 px, and version information naming the product.
//
//	go run ./scripts/pecheck -subsystem gui "dist/Corso Desktop.exe"
//	go run ./scripts/pecheck -subsystem console corso-desktop-engine.exe
package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/tc-hib/winres"
)

// wantSizes must all be in the icon: what Explorer, the taskbar and the
// title bar draw at 100% to 200% scaling.
var wantSizes = []int{16, 24, 32, 48, 64, 128, 256}

func main() {
	subsystem := flag.String("subsystem", "gui", "gui or console")
	flag.Parse()

	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: pecheck -subsystem gui|console file.exe")
		os.Exit(2)
	}

	if err := check(flag.Arg(0), *subsystem); err != nil {
		fmt.Fprintln(os.Stderr, "pecheck:", flag.Arg(0)+":", err)
		os.Exit(1)
	}

	fmt.Printf("pecheck: %s: %s subsystem, icon %v px, version information present\n", flag.Arg(0), *subsystem, wantSizes)
}

func check(path, subsystem string) error {
	f, err := pe.Open(path)
	if err != nil {
		return err
	}

	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	f.Close()

	if !ok {
		return errors.New("not a 64-bit executable")
	}

	want := map[string]uint16{"gui": pe.IMAGE_SUBSYSTEM_WINDOWS_GUI, "console": pe.IMAGE_SUBSYSTEM_WINDOWS_CUI}[subsystem]
	if oh.Subsystem != want {
		return fmt.Errorf("subsystem is %d, want %d (%s)", oh.Subsystem, want, subsystem)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}

	rs, err := winres.LoadFromEXE(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("resources: %w", err)
	}

	if err := checkIcon(rs); err != nil {
		return err
	}

	return checkVersion(rs)
}

// checkIcon reads the first icon group's directory (GRPICONDIR: 6 bytes,
// then 14 bytes per image, a width of 0 meaning 256).
func checkIcon(rs *winres.ResourceSet) error {
	var group []byte

	rs.Walk(func(typeID, _ winres.Identifier, _ uint16, data []byte) bool {
		if typeID == winres.RT_GROUP_ICON {
			group = data
			return false
		}

		return true
	})

	if len(group) < 6 {
		return errors.New("no icon")
	}

	n := int(binary.LittleEndian.Uint16(group[4:]))

	var sizes []int

	for i := 0; i < n && 6+14*i+14 <= len(group); i++ {
		w := int(group[6+14*i])
		if w == 0 {
			w = 256
		}

		sizes = append(sizes, w)
	}

	for _, s := range wantSizes {
		if !slices.Contains(sizes, s) {
			return fmt.Errorf("the icon has sizes %v; %d px is missing", sizes, s)
		}
	}

	return nil
}

// checkVersion looks for the product name in the version resource (UTF-16).
func checkVersion(rs *winres.ResourceSet) error {
	var info []byte

	rs.Walk(func(typeID, _ winres.Identifier, _ uint16, data []byte) bool {
		if typeID == winres.RT_VERSION {
			info = data
			return false
		}

		return true
	})

	if info == nil {
		return errors.New("no version information")
	}

	units := make([]uint16, len(info)/2)
	for i := range units {
		units[i] = binary.LittleEndian.Uint16(info[2*i:])
	}

	if !strings.Contains(string(utf16.Decode(units)), "Corso Desktop") {
		return errors.New("the version information does not name Corso Desktop")
	}

	return nil
}
