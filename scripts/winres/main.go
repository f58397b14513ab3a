// Command winres gives Corso Desktop's Windows executables the resources
// Windows shows: a multi-size icon (16 to 256 px, so Explorer, the taskbar
// and high-DPI screens each get a drawn size instead of a scaled one) and,
// for the engine helper, version information. It rewrites the .exe in place,
// keeping the resources it already has (fyne package's manifest and version
// information in the app).
//
//	go run ./scripts/winres -icon Icon.png -version 0.1.0 "Corso Desktop.exe"
//	go run ./scripts/winres -icon Icon.png -version 0.1.0 -description "Corso Desktop engine" corso-desktop-engine.exe
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/png"
	"os"
	"path/filepath"

	"github.com/tc-hib/winres"
	"github.com/tc-hib/winres/version"
)

// IconSizes are the sizes Windows draws icons at, from the small list view
// to the extra-large tiles.
var IconSizes = []int{256, 128, 96, 64, 48, 40, 32, 24, 20, 16}

func main() {
	iconPath := flag.String("icon", "Icon.png", "square PNG the icon is drawn from")
	ver := flag.String("version", "", "product and file version, e.g. 0.1.0")
	description := flag.String("description", "", "file description; when set, version information is written")
	flag.Parse()

	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: winres -icon Icon.png -version V [-description D] file.exe")
		os.Exit(2)
	}

	if err := run(flag.Arg(0), *iconPath, *ver, *description); err != nil {
		fmt.Fprintln(os.Stderr, "winres:", err)
		os.Exit(1)
	}
}

func run(exe, iconPath, ver, description string) error {
	src, err := os.ReadFile(exe)
	if err != nil {
		return err
	}

	old, err := winres.LoadFromEXE(bytes.NewReader(src))
	if errors.Is(err, winres.ErrNoResources) {
		old, err = &winres.ResourceSet{}, nil
	}

	if err != nil {
		return err
	}

	// A new set: everything but the icons is kept (fyne package's manifest
	// and version information), and the icon groups keep their IDs (fyne's
	// app icon and IDI_APPLICATION), all pointing at the new images.
	rs := &winres.ResourceSet{}
	groups := []winres.Identifier{}

	old.Walk(func(typeID, resID winres.Identifier, langID uint16, data []byte) bool {
		switch typeID {
		case winres.RT_GROUP_ICON:
			groups = append(groups, resID)
		case winres.RT_ICON:
		default:
			err = rs.Set(typeID, resID, langID, data)
		}

		return err == nil
	})

	if err != nil {
		return err
	}

	if len(groups) == 0 {
		groups = []winres.Identifier{winres.ID(1)}
	}

	f, err := os.Open(iconPath)
	if err != nil {
		return err
	}
	defer f.Close()

	img, _, err := image.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", iconPath, err)
	}

	icon, err := winres.NewIconFromResizedImage(img, IconSizes)
	if err != nil {
		return err
	}

	if err := rs.SetIcon(groups[0], icon); err != nil {
		return err
	}

	for _, id := range groups[1:] {
		if err := rs.Set(winres.RT_GROUP_ICON, id, winres.LCIDNeutral, rs.Get(winres.RT_GROUP_ICON, groups[0], winres.LCIDNeutral)); err != nil {
			return err
		}
	}

	if description != "" {
		var vi version.Info
		vi.SetProductVersion(ver)
		vi.SetFileVersion(ver)

		for k, v := range map[string]string{
			version.ProductName:      "Corso Desktop",
			version.FileDescription:  description,
			version.OriginalFilename: filepath.Base(exe),
			version.LegalCopyright:   "Corso Desktop authors",
		} {
			if err := vi.Set(winres.LCIDDefault, k, v); err != nil {
				return err
			}
		}

		rs.SetVersionInfo(vi)
	}

	var out bytes.Buffer
	if err := rs.WriteToEXE(&out, bytes.NewReader(src)); err != nil {
		return err
	}

	return os.WriteFile(exe, out.Bytes(), 0o755)
}
