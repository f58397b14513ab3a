#!/usr/bin/env bash
# Prints the path of a go command new enough for go.mod, so that `make run`
# and `make test` work on a fresh Debian 12 (whose Go, 1.19, is too old,
# and too old to fetch a newer one itself): the go on PATH when it will do,
# else the toolchain in .tools/go, else that toolchain fetched from the Go
# module proxy (golang.org/toolchain, the zip the go command itself uses
# for GOTOOLCHAIN) and checked against the checksum database. It stops with
# the one command to run instead when none of that works.
set -euo pipefail
cd "$(dirname "$0")/.."
need=$(sed -n 's/^go \([0-9.]*\)$/\1/p' go.mod)
tools=${GO_TOOLS_DIR:-$PWD/.tools}

# new_enough GO: 0 when GO runs and its version is at least $need.
new_enough() {
	local v
	v=$("$1" env GOVERSION 2>/dev/null || "$1" version 2>/dev/null | awk '{print $3}') || return 1
	v=${v#go}
	v=${v%%[-+ ]*}
	[ -n "$v" ] && [ "$(printf '%s\n%s\n' "$need" "$v" | sort -V | head -n1)" = "$need" ]
}

if go=$(command -v go) && new_enough "$go"; then
	echo "$go"
	exit 0
fi

if [ -x "$tools/go/bin/go" ] && new_enough "$tools/go/bin/go"; then
	echo "$tools/go/bin/go"
	exit 0
fi

install_hint() {
	echo "go.sh: Go $need or newer is needed ($*). Install it with:" >&2
	echo "  curl -fsSL https://go.dev/dl/go$need.linux-amd64.tar.gz | sudo tar -C /usr/local -xz && export PATH=/usr/local/go/bin:\$PATH" >&2
	exit 1
}

case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) install_hint "no toolchain for $(uname -m) here" ;;
esac

proxy=${GOPROXY:-https://proxy.golang.org}
proxy=${proxy%%,*}
[ "$proxy" != off ] && [ "$proxy" != direct ] || install_hint "GOPROXY=$proxy: the toolchain cannot be fetched"
# The checksum database, through the proxy as the go command reaches it.
sumdb=${GO_SUMDB_URL:-$proxy/sumdb/sum.golang.org}
version="v0.0.1-go$need.linux-$arch"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "go.sh: fetching Go $need from $proxy (about 70 MB, once) into $tools/go" >&2
curl -fsSL --max-time 600 -o "$work/go.zip" "$proxy/golang.org/toolchain/@v/$version.zip" ||
	install_hint "it could not be fetched from $proxy"
curl -fsSL --max-time 60 -o "$work/sum" "$sumdb/lookup/golang.org/toolchain@$version" ||
	install_hint "its checksum could not be fetched from $sumdb"

# The module's h1: hash (golang.org/x/mod/sumdb/dirhash), compared with the
# checksum database's, then the zip is unpacked.
python3 - "$work/go.zip" "$work/sum" "golang.org/toolchain@$version" "$work/unpacked" <<'PY' || install_hint "the fetched toolchain does not match the checksum database"
import base64, hashlib, sys, zipfile
zpath, sumpath, prefix, dest = sys.argv[1:]
z = zipfile.ZipFile(zpath)
lines = "".join(f"{hashlib.sha256(z.read(n)).hexdigest()}  {n}\n" for n in sorted(z.namelist()) if not n.endswith("/"))
h1 = "h1:" + base64.b64encode(hashlib.sha256(lines.encode()).digest()).decode()
mod, ver = prefix.split("@")
want = [l.split()[2] for l in open(sumpath) if l.split()[:2] == [mod, ver]]
if want != [h1]:
    sys.exit(f"hash {h1}, checksum database {want}")
for info in z.infolist():
    if not info.filename.startswith(prefix + "/") or ".." in info.filename:
        sys.exit(f"unexpected file {info.filename}")
z.extractall(dest)
PY

rm -rf "$tools/go"
mkdir -p "$tools"
mv "$work/unpacked/golang.org/toolchain@$version" "$tools/go"
chmod +x "$tools/go/bin/"* "$tools/go/pkg/tool/"*/* 2>/dev/null || true
new_enough "$tools/go/bin/go" || install_hint "the fetched toolchain does not run"
echo "$tools/go/bin/go"
