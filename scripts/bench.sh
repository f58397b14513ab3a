#!/usr/bin/env bash
# Benchmarks of the repository engine against plain kopia, side by side in
# one run (interleaved by -count), summarised by benchstat medians; then
# peak RSS of each benchmark in a process of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-6}
out=$(realpath -m "${BENCH_OUT:-bench.txt}")
bin=$(mktemp -d)/kopiaengine.test
trap 'rm -rf "$(dirname "$bin")"' EXIT

go test -c -o "$bin" ./repo/kopiaengine
cd repo/kopiaengine # the test binary finds .tools/minio from here

# One process per round so each implementation runs next to its peer in
# every round instead of all of one after all of the other.
: > "$out"
for ((i = 1; i <= count; i++)); do
	"$bin" -test.run '^$' -test.bench 'BenchmarkInitialize|BenchmarkConnect|BenchmarkCheckWrite' \
		-test.benchtime 5x | tee -a "$out"
done

echo
go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da -col /impl -row .name,/kind "$out" 2>/dev/null ||
	go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da "$out"

echo
echo "Peak RSS (one process per benchmark, 5 iterations):"
for b in Initialize Connect; do
	for kind in filesystem minio; do
		for impl in plain-kopia corso-desktop; do
			rss=$(python3 - "$bin" "Benchmark$b/^kind=$kind\$/^impl=$impl\$" <<'PY'
import resource, subprocess, sys
subprocess.run([sys.argv[1], "-test.run", "^$", "-test.bench", sys.argv[2], "-test.benchtime", "5x"],
               check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
)
			printf '  %-10s %-10s %-13s %4s MiB\n' "$b" "$kind" "$impl" "$rss"
		done
	done
done

# Over a network (issue 14): every operation a user waits for through a
# proxy that puts MinIO 0, 20, 50 and 100 ms away (and 50 ms with HTTPS's
# handshake), plain kopia alongside.
echo
echo "Over a network (requests, sequential round trips and new connections per operation):"
"$bin" -test.run '^$' -test.bench 'BenchmarkLatency' -test.benchtime 7x -test.timeout 60m | tee -a "$out"

# What a repository holds, at scale (issue 16): 10,000 Corso backups and
# 100,000 blobs on MinIO; the storage summary and the backups list timed
# apart, and the helper's peak memory.
echo
echo "Contents at scale (targets: list < 2 s, summary < 5 s, helper < 200 MiB next to MinIO; at 50 ms, summary <= 1.5 s, list <= 1 s):"
"$bin" -test.run '^$' -test.bench 'BenchmarkContentsAtScale' -test.benchtime 3x -test.timeout 30m | tee -a "$out"

# Full verification of a 2 GiB repository (issue 24): the engine against
# the store's raw read and kopia's own content verification, same rounds.
echo
echo "Full verification (targets: >= 80 % of the raw read, <= 100 % of kopia's time):"
"$bin" -test.run '^$' -test.bench 'BenchmarkVerifyFull' -test.benchtime 3x -test.timeout 60m | tee -a "$out"

# Listing 100,000 objects in 1 to 22 ranges side by side, next to MinIO
# and over 50 ms with the store's 20 ms per request (issue 26): how many
# ranges the storage summary lists in.
echo
echo "Listing in ranges side by side (the storage summary uses four):"
go test ./repo/preflight -run '^$' -bench '^BenchmarkListRanges$' -benchtime 3x -timeout 60m | tee -a "$out"

# The longest time one piece of UI work holds the event loop during a
# create (target: under 50 ms), from the headless UI tests' harness.
echo
echo "UI goroutine hold during a create (target < 50 ms):"
go test -tags ci,migrated_fynedo,no_emoji ./ui -run '^$' -bench '^BenchmarkUIGoroutineHold$' -benchtime 5x | tee -a "$out"

# Inside one backup of a million items (issue 25): the first screen and
# every item read as the app reads them (a session in the helper, asked
# as the view asks), next to MinIO and at 50 ms; a search and a sort over
# the pipe; the helper's peak and what the window holds; then the
# session's searches over the million without the pipe.
echo
echo "Inside a backup of 1,000,000 items (targets: first screen <= 2 s, helper <= 400 MiB, window unchanged; search <= 200 ms):"
"$bin" -test.run '^$' -test.bench 'BenchmarkDetailsAtScale' -test.benchtime 2x -test.timeout 60m | tee -a "$out"
go test ./repo/itemindex -run '^$' -bench '^BenchmarkItemsSearch$' -benchtime 5x | tee -a "$out"
