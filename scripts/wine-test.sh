#!/usr/bin/env bash
# The Windows package, exercised under Wine (Debian 12's Wine 8) in a
# throwaway prefix under Xvfb: see wintest/doc.go for what it proves.
# Bounded: the prefix is made within 3 minutes, the tests within 15.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/xvfb.sh

zip=$(realpath "${1:-dist/Corso Desktop-windows.zip}")
command -v wine >/dev/null || { echo "wine-test: wine is not installed (make deps installs it)" >&2; exit 1; }

work=$(mktemp -d)
export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEARCH=win64
# No Mono or Gecko: nothing here needs them, and installing them prompts.
export WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
	wineserver -k 2>/dev/null || true
	stop_session
	rm -rf "$work"
}
trap cleanup EXIT

start_session
timeout 180 wineboot -i >/dev/null 2>&1
timeout 60 wineserver -w

# Go's runtime (1.24 and later) takes its random numbers from
# bcryptprimitives.dll's ProcessPrng, which Windows 10 and later have and
# Wine has only since 9.x. For this test alone, a stand-in forwarding to
# RtlGenRandom goes into the throwaway prefix; it is never shipped.
sys32="$WINEPREFIX/drive_c/windows/system32"
if [ ! -e "$sys32/bcryptprimitives.dll" ]; then
	cat >"$work/bcryptprimitives.c" <<'C'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG chunk = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
		if (!SystemFunction036(data, chunk)) return FALSE;
		data += chunk;
		len -= chunk;
	}
	return TRUE;
}
C
	x86_64-w64-mingw32-gcc -shared -O2 -o "$sys32/bcryptprimitives.dll" "$work/bcryptprimitives.c" -ladvapi32
fi

mkdir -p "$work/app"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$work/app"

go test -tags wine -count=1 -timeout 15m ./wintest -args -app "$work/app/Corso Desktop"
echo "wine-test: the Windows package works under Wine"
