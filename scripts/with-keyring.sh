#!/usr/bin/env bash
# Runs a command inside its own D-Bus session with gnome-keyring's Secret
# Service started and its login keyring unlocked, so keychain tests use a
# real keychain without touching the user's own: the keyring lives in a
# throwaway XDG_DATA_HOME that is removed afterwards.
set -euo pipefail

if [ "${1:-}" != "--inside" ]; then
	data=$(mktemp -d)
	trap 'rm -rf "$data"' EXIT
	status=0
	XDG_DATA_HOME="$data" dbus-run-session -- "$0" --inside "$@" || status=$?
	exit $status
fi
shift

# gnome-keyring reads the unlock password on stdin; the login keyring is
# created with it on first use.
eval "$(printf 'corso-desktop-tests' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
export CORSO_TEST_SECRET_SERVICE=1
exec "$@"
