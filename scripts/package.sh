#!/usr/bin/env bash
# Adds the engine helper (cmd/corso-desktop-engine) to a package that
# `fyne package` made in dist/: the app runs its repository work in that
# helper, which it finds next to its own executable.
#
#	scripts/package.sh linux    # into dist/Corso Desktop.tar.xz, with its Makefile
#	scripts/package.sh windows  # dist/Corso Desktop-windows.zip: both .exe files
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build_engine() { # GOOS OUTPUT
	GOOS=$1 GOARCH=amd64 CGO_ENABLED=0 "$GO" build -trimpath -ldflags "-s -w" -o "$2" ./cmd/corso-desktop-engine
}

case ${1:-} in
linux)
	tarball="dist/Corso Desktop.tar.xz"
	tar -xJf "$tarball" -C "$work"
	pkg="$work/corso-desktop"
	build_engine linux "$pkg/usr/local/bin/corso-desktop-engine"
	# Fyne's Makefile installs one program; every line that installs or
	# removes it does the same for the engine.
	python3 - "$pkg/Makefile" <<'PY'
import sys
path = sys.argv[1]
out = []
for line in open(path).read().splitlines():
    out.append(line)
    if line.startswith('Exec :='):
        out.append('Engine := "corso-desktop-engine"')
    elif 'bin/$(Exec)' in line and 'sed ' not in line:
        out.append(line.replace('bin/$(Exec)', 'bin/$(Engine)'))
open(path, 'w').write('\n'.join(out) + '\n')
PY
	grep -q 'bin/$(Engine)' "$pkg/Makefile" || { echo "package: the engine was not added to the Makefile" >&2; exit 1; }
	tar -C "$work" --owner=0 --group=0 --numeric-owner -cJf "$tarball" corso-desktop
	;;
windows)
	dir="$work/Corso Desktop"
	mkdir -p "$dir"
	version=$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
	# fyne package embeds one 256 px icon; Windows wants every size it
	# draws, and the engine wants its own icon and version information.
	"$GO" run ./scripts/winres -icon Icon.png -version "$version" "dist/Corso Desktop.exe"
	cp "dist/Corso Desktop.exe" "$dir/"
	build_engine windows "$dir/corso-desktop-engine.exe"
	"$GO" run ./scripts/winres -icon Icon.png -version "$version" -description "Corso Desktop engine" "$dir/corso-desktop-engine.exe"
	"$(command -v python3 || command -v python)" - "$work" "dist/Corso Desktop-windows.zip" <<'PY'
import os, sys, zipfile
root, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dest, 'w', zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(os.path.join(root, 'Corso Desktop'))):
        z.write(os.path.join(root, 'Corso Desktop', name), 'Corso Desktop/' + name)
PY
	;;
*)
	echo "usage: $0 linux|windows" >&2
	exit 2
	;;
esac
