#!/usr/bin/env bash
# Smoke test of a release binary: start it under Xvfb with a fresh, empty
# home, wait for its window, start it again (the second start must hand
# over to the first and end), close it as a logout would (SIGTERM) and
# require a clean exit (status 0) with nothing on stderr.
set -euo pipefail
here=$(dirname "$0")
. "$here/xvfb.sh"
bin=$(realpath "$1")
home=$(mktemp -d)
trap 'stop_session; rm -rf "$home"' EXIT

start_session
# A home as fresh as a new user's: no ~/.cache or ~/.config yet (the app
# makes what it needs, and must not complain on the terminal that it could
# not).
mkdir -p "$home/run"
chmod 700 "$home/run"

app_env "$home" "$bin" >"$home/out" 2>"$home/err" &
app=$!

if ! app_window_viewable 30; then
	kill -9 $app 2>/dev/null || true
	echo "smoke: no window appeared within 30 s" >&2
	cat "$home/err" >&2
	exit 1
fi

# Started again, the app finds itself running: the second start asks the
# first to show its window and ends at once, cleanly, and the first keeps
# its one window.
windows() { xwininfo -root -tree | grep -c '"Corso Desktop"' || true; }
before=$(windows)
second=0
(app_env "$home" timeout 20 "$bin") >"$home/out2" 2>"$home/err2" || second=$?

if [ $second -ne 0 ] || [ -s "$home/err2" ]; then
	echo "smoke: a second start ended with status $second" >&2
	cat "$home/err2" >&2
	kill -9 $app 2>/dev/null || true
	exit 1
fi

if ! kill -0 $app 2>/dev/null || [ "$(windows)" != "$before" ]; then
	echo "smoke: after a second start the first is gone or there are $(windows) windows (were $before)" >&2
	kill -9 $app 2>/dev/null || true
	exit 1
fi

kill -TERM $app
status=0
wait $app || status=$?

if [ $status -ne 0 ]; then
	echo "smoke: exit status $status" >&2
	cat "$home/err" >&2
	exit 1
fi

if [ -s "$home/err" ]; then
	echo "smoke: the app wrote to stderr:" >&2
	cat "$home/err" >&2
	exit 1
fi

echo "smoke: window shown, a second start handed to it, closed cleanly"
