#!/usr/bin/env bash
# Start-up and idle-memory benchmark of the release binary under Xvfb:
# time from exec to the window being viewable (first frame), and resident
# memory after 3 s idle with five saved repositories, against the smallest
# Fyne app built the same way (scripts/peer), alternating in each round.
# Prints medians and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/xvfb.sh
rounds=${1:-7}
work=$(mktemp -d)
trap 'stop_session; rm -rf "$work"' EXIT

go build -tags "${TAGS:-migrated_fynedo,no_emoji}",release -trimpath -ldflags "-s -w" -o "$work/corso-desktop" ./cmd/corso-desktop
go build -trimpath -ldflags "-s -w" -o "$work/corso-desktop-engine" ./cmd/corso-desktop-engine
go build -tags "${TAGS:-migrated_fynedo,no_emoji}",release -trimpath -ldflags "-s -w" -o "$work/peer" ./scripts/peer
start_session

seed_home() {
	local home=$1
	throwaway_home "$home"
	mkdir -p "$home/.config/corso-desktop"
	python3 - "$home" >"$home/.config/corso-desktop/repositories.json" <<'PY'
import json, sys
home = sys.argv[1]
repos = [{"id": "bench%d" % i, "name": "Tenant %d" % i, "kind": "s3",
          "s3": {"bucket": "corso-bench", "prefix": "tenant-%d/" % i, "credentials": {"source": "environment"}},
          "rememberPassphrase": True} for i in range(4)]
repos.append({"id": "bench-fs", "name": "Local", "kind": "filesystem",
              "filesystem": {"path": home + "/repo"}, "rememberPassphrase": True})
print(json.dumps({"schema": 1, "repositories": repos}))
PY
}

# measure BIN WINDOW_NAME: prints "startup_ms rss_kib"
measure() {
	local bin=$1 name=$2 home="$work/home-$RANDOM"
	seed_home "$home"
	local t0=$(date +%s%N)
	app_env "$home" "$bin" 2>/dev/null &
	local pid=$!
	app_window_viewable 30 "$name" || { echo "no window" >&2; kill -9 $pid; return 1; }
	local t1=$(date +%s%N)
	sleep 3
	local rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
	# Idle means the window alone: no engine helper may be running.
	if pgrep -P $pid >/dev/null; then
		echo "an engine process runs while the app is idle" >&2
		kill -9 $pid
		return 1
	fi
	kill -TERM $pid; wait $pid || true
	echo "$(( (t1 - t0) / 1000000 )) $rss"
	rm -rf "$home"
}

: >"$work/app.txt"; : >"$work/peer.txt"
for ((i = 1; i <= rounds; i++)); do
	measure "$work/corso-desktop" "Corso Desktop" >>"$work/app.txt"
	measure "$work/peer" "Fyne peer" >>"$work/peer.txt"
done

python3 - "$work/app.txt" "$work/peer.txt" "$rounds" <<'PY'
import statistics, sys
def load(p):
    rows = [tuple(map(int, l.split())) for l in open(p) if l.strip()]
    return [r[0] for r in rows], [r[1] / 1024 for r in rows]
a_ms, a_rss = load(sys.argv[1]); p_ms, p_rss = load(sys.argv[2])
m = statistics.median
print(f"rounds: {sys.argv[3]} (alternating), Xvfb, release builds")
print(f"{'':28}{'Corso Desktop':>15}{'Fyne peer':>12}{'ratio':>8}")
print(f"{'first frame, median (ms)':28}{m(a_ms):>15.0f}{m(p_ms):>12.0f}{m(a_ms)/m(p_ms):>8.2f}")
print(f"{'first frame, max (ms)':28}{max(a_ms):>15.0f}{max(p_ms):>12.0f}")
print(f"{'idle RSS, median (MiB)':28}{m(a_rss):>15.1f}{m(p_rss):>12.1f}{m(a_rss)/m(p_rss):>8.2f}")
print(f"{'idle RSS, max (MiB)':28}{max(a_rss):>15.1f}{max(p_rss):>12.1f}")
PY
