#!/usr/bin/env bash
# Runs the real app under Xvfb with a throwaway home and walks its main
# screens (corso-desktop -screenshots), taking a PNG of the window at each
# into docs/screenshots/ (or $1).
set -euo pipefail
out=$(realpath -m "${1:-docs/screenshots}")
bin=$(realpath "${BIN:-bin/corso-desktop}")
home=$(mktemp -d)
cleanup() {
	rm -rf "$home"
	# The app has normally quit already; kill failing then is fine.
	kill "${app:-}" 2>/dev/null || true
	stop_session
}
trap cleanup EXIT

. "$(dirname "$0")/xvfb.sh"
start_session
display=$DISPLAY

throwaway_home "$home"
mkdir -p "$out"
# A repository with Corso backups in it, for the contents screens.
fixture="$home/Contoso backups"
fixture_pass="tour fixture passphrase 42"
(cd "$(dirname "$0")/.." && go run ./scripts/corsofixture -dir "$fixture" -passphrase "$fixture_pass" -backups 40)
app_env "$home" FYNE_THEME="${FYNE_THEME:-light}" CORSO_TOUR_BACKUPS="$fixture" CORSO_TOUR_PASSPHRASE="$fixture_pass" \
	"$bin" -screenshots "$out" &
app=$!

deadline=$((SECONDS + 180))
while kill -0 "$app" 2>/dev/null; do
	for marker in "$out"/.ready-*; do
		[ -e "$marker" ] || continue
		name=${marker##*/.ready-}
		win=$(DISPLAY=$display xwininfo -name "Corso Desktop" | awk '/Window id:/ {print $4}')
		DISPLAY=$display import -window "$win" "$out/$name.png"
		rm -f "$marker"
		echo "  $name.png"
	done
	[ $SECONDS -lt $deadline ] || { echo "screenshot tour timed out" >&2; exit 1; }
	sleep 0.1
done
wait "$app"
echo "screenshots in $out"
