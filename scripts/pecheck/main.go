// Command pecheck verifies a Windows build of Corso Desktop: a GUI-subsystem
// executable (no console window) that carries an icon and version info.
//
//	go run ./scripts/pecheck "dist/Corso Desktop.exe"
package main

import (
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// Resource type IDs (winuser.h).
const (
	rtGroupIcon = 14
	rtVersion   = 16
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pecheck file.exe")
		os.Exit(2)
	}

	if err := check(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "pecheck:", err)
		os.Exit(1)
	}

	fmt.Println("pecheck: GUI subsystem, icon and version resources present")
}

func check(path string) error {
	f, err := pe.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()

	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		return errors.New("not a 64-bit executable")
	}

	if oh.Subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
		return fmt.Errorf("subsystem is %d, want %d (Windows GUI): a console window would open", oh.Subsystem, pe.IMAGE_SUBSYSTEM_WINDOWS_GUI)
	}

	types, err := resourceTypes(f)
	if err != nil {
		return err
	}

	for _, want := range []uint32{rtGroupIcon, rtVersion} {
		if !types[want] {
			return fmt.Errorf("no resource of type %d (14 = icon group, 16 = version info)", want)
		}
	}

	return nil
}

// resourceTypes lists the type IDs in the root of the resource directory.
func resourceTypes(f *pe.File) (map[uint32]bool, error) {
	s := f.Section(".rsrc")
	if s == nil {
		return nil, errors.New("no .rsrc section: no icon or version info embedded")
	}

	data, err := s.Data()
	if err != nil {
		return nil, err
	}

	// IMAGE_RESOURCE_DIRECTORY: 12 bytes, then named and ID entry counts.
	if len(data) < 16 {
		return nil, errors.New("resource section too short")
	}

	named := int(binary.LittleEndian.Uint16(data[12:]))
	ids := int(binary.LittleEndian.Uint16(data[14:]))
	types := map[uint32]bool{}

	for i := 0; i < named+ids; i++ {
		off := 16 + 8*i
		if off+8 > len(data) {
			return nil, errors.New("resource directory truncated")
		}

		name := binary.LittleEndian.Uint32(data[off:])
		if name&0x80000000 == 0 {
			types[name] = true
		}
	}

	return types, nil
}
