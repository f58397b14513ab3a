# Sourced by the scripts that run the app under Xvfb: start_xvfb starts a
# private display and exports DISPLAY; app_window_viewable waits until the
# app's window is mapped (its first frame is on screen).
start_xvfb() {
	display=:$((100 + RANDOM % 400))
	Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp 2>/dev/null &
	XVFB_PID=$!
	for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.05; done
	export DISPLAY=$display
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
