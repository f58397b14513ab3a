# Sourced by the scripts that run the app in a private desktop session:
# start_session starts an Xvfb display and a D-Bus session bus and exports
# DISPLAY and DBUS_SESSION_BUS_ADDRESS; stop_session ends both;
# app_window_viewable waits until the app's window is mapped (its first
# frame is on screen); app_env runs a command with only the variables a
# desktop session gives an app.
start_session() {
	# Xvfb picks a free display and writes its number to fd 3: a display
	# chosen here could belong to a server (or a stale socket) left by
	# another run, and the app would then wait for a window that never comes.
	local fifo
	fifo=$(mktemp -u)
	mkfifo "$fifo"
	# -noreset: by default Xvfb resets whenever its last client leaves,
	# which each xwininfo poll is until the app connects; an app connecting
	# during a reset fails to open the display.
	Xvfb -displayfd 3 -noreset -screen 0 1280x900x24 -nolisten tcp 3>"$fifo" 2>/dev/null &
	XVFB_PID=$!
	local number
	read -r -t 10 number <"$fifo" || true
	rm -f "$fifo"
	[ -n "$number" ] || { echo "Xvfb did not start" >&2; return 1; }
	export DISPLAY=:$number

	# A desktop session has a session bus. Without one, each D-Bus client in
	# the app autolaunches a bus of its own that outlives the app.
	local bus
	bus=$(dbus-daemon --session --fork --print-address=1 --print-pid=1)
	export DBUS_SESSION_BUS_ADDRESS=${bus%%$'\n'*}
	BUS_PID=${bus##*$'\n'}
}

# stop_session waits for Xvfb to exit: a server still cleaning up could
# remove the socket of the next run's server that took its display number.
stop_session() {
	[ -z "${BUS_PID:-}" ] || kill "$BUS_PID" 2>/dev/null || true
	[ -n "${XVFB_PID:-}" ] || return 0
	kill "$XVFB_PID" 2>/dev/null || true
	wait "$XVFB_PID" 2>/dev/null || true
}

# app_env HOME COMMAND...: runs COMMAND with a clean environment holding
# only what a desktop session provides, and HOME as the user's home.
# It execs, so `app_env ... &` leaves the app itself in $!.
app_env() {
	local home=$1
	shift
	exec env -i PATH="$PATH" HOME="$home" DISPLAY="$DISPLAY" XDG_RUNTIME_DIR="$home/run" \
		DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS" "$@"
}

# app_window_viewable TIMEOUT_SECONDS [NAME]: 0 once the window NAME
# (default "Corso Desktop") is viewable.
app_window_viewable() {
	local deadline=$((SECONDS + $1)) name=${2:-Corso Desktop}
	while [ $SECONDS -lt $deadline ]; do
		xwininfo -name "$name" 2>/dev/null | grep -q "Map State: IsViewable" && return 0
		sleep 0.005
	done
	return 1
}

# throwaway_home DIR: a fresh home with the folders a desktop session has.
throwaway_home() {
	mkdir -p "$1/.cache" "$1/.config" "$1/run"
	chmod 700 "$1/run"
}
