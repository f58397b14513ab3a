# Sourced by the scripts that run the app under Xvfb: start_xvfb starts a
# private display and exports DISPLAY; app_window_viewable waits until the
# app's window is mapped (its first frame is on screen).
start_xvfb() {
	# Xvfb picks a free display and writes its number to fd 3: a display
	# chosen here could belong to a server (or a stale socket) left by
	# another run, and the app would then wait for a window that never comes.
	local fifo
	fifo=$(mktemp -u)
	mkfifo "$fifo"
	Xvfb -displayfd 3 -screen 0 1280x900x24 -nolisten tcp 3>"$fifo" 2>/dev/null &
	XVFB_PID=$!
	local number
	read -r -t 10 number <"$fifo" || true
	rm -f "$fifo"
	[ -n "$number" ] || { echo "Xvfb did not start" >&2; return 1; }
	export DISPLAY=:$number
}

stop_xvfb() { kill "${XVFB_PID:-}" 2>/dev/null || true; }

# app_window_viewable TIMEOUT_SECONDS: 0 once "Corso Desktop" is viewable.
app_window_viewable() {
	local deadline=$((SECONDS + $1))
	while [ $SECONDS -lt $deadline ]; do
		xwininfo -name "Corso Desktop" 2>/dev/null | grep -q "Map State: IsViewable" && return 0
		sleep 0.02
	done
	return 1
}

# throwaway_home DIR: a fresh home with the folders a desktop session has.
throwaway_home() {
	mkdir -p "$1/.cache" "$1/.config" "$1/run"
	chmod 700 "$1/run"
}
