#!/usr/bin/env bash
# Checks the packages in dist/: the Linux .tar.xz unpacks, its .desktop
# entry validates, its Makefile installs and uninstalls the app and its
# engine helper, the installed app finds and uses that helper (-selftest)
# and passes the smoke test and the screenshot tour; the Windows .exe is a GUI-subsystem program
# and its engine a console one, both with every icon size and version info, zipped together.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tarball="dist/Corso Desktop.tar.xz"
tar -xJf "$tarball" -C "$work"
pkg="$work/corso-desktop"
desktop="$pkg/usr/local/share/applications/io.github.corsodesktop.CorsoDesktop.desktop"

desktop-file-validate "$desktop"
grep -q '^Exec=corso-desktop$' "$desktop"
grep -q '^Icon=io.github.corsodesktop.CorsoDesktop$' "$desktop"

root="$work/root"
make -s -C "$pkg" install DESTDIR="$root" PREFIX=/usr
for f in usr/bin/corso-desktop usr/bin/corso-desktop-engine usr/share/applications/io.github.corsodesktop.CorsoDesktop.desktop \
	usr/share/pixmaps/io.github.corsodesktop.CorsoDesktop.png; do
	[ -e "$root/$f" ] || { echo "package: install did not create $f" >&2; exit 1; }
done
[ -x "$root/usr/bin/corso-desktop" ] && [ -x "$root/usr/bin/corso-desktop-engine" ]

# The installed app runs its repository work in the installed engine.
"$root/usr/bin/corso-desktop" -selftest

scripts/smoke.sh "$root/usr/bin/corso-desktop"
# The installed app creates a folder repository, meets a wrong passphrase
# and checks again, all through the installed engine (the screenshot tour).
BIN="$root/usr/bin/corso-desktop" scripts/screenshots.sh "$work/tour" >/dev/null

make -s -C "$pkg" uninstall DESTDIR="$root" PREFIX=/usr
left=$(find "$root" -type f | wc -l)
[ "$left" -eq 0 ] || { echo "package: uninstall left $left files" >&2; exit 1; }
echo "package-linux: unpacks, validates, installs, runs, uninstalls"

go run ./scripts/pecheck -subsystem gui "dist/Corso Desktop.exe"
python3 - "dist/Corso Desktop-windows.zip" <<'PY'
import sys, zipfile
names = sorted(zipfile.ZipFile(sys.argv[1]).namelist())
want = ["Corso Desktop/Corso Desktop.exe", "Corso Desktop/corso-desktop-engine.exe"]
if names != want:
    sys.exit(f"package: the Windows zip holds {names}, want {want}")
PY
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "dist/Corso Desktop-windows.zip" "$work/win"
go run ./scripts/pecheck -subsystem gui "$work/win/Corso Desktop/Corso Desktop.exe"
go run ./scripts/pecheck -subsystem console "$work/win/Corso Desktop/corso-desktop-engine.exe"
echo "package-windows: the .zip holds the app and its engine"
