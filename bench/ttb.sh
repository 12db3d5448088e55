#!/usr/bin/env bash
# Time to bug (issue 6; bench/README.md): builds what bench/ttb.py runs, then runs it.
#   scripts/bench.sh ttb --quick   3 trials, 20 s per fuzzing campaign, 5 s per search (CI)
#   scripts/bench.sh ttb --full    5 trials, 60 s per campaign, 30 s per search
# Other arguments go to bench/ttb.py (e.g. --trials N, --strategies random,pct2).
set -euo pipefail
CALLER=$PWD  # bench/ttb.py runs here: its --out and --replot paths are the caller's
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

mode=quick
args=()
for arg in "$@"; do
  case "$arg" in
    --quick) mode=quick ;;
    --full) mode=full ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; python3 bench/ttb.py --help; exit 0 ;;
    *) args+=("$arg") ;;
  esac
done

build() {  # preset, targets...
  local preset=$1 dir=$ROOT/build/bench-$1
  shift
  cmake --preset "$preset" -B "$dir" -DRACEFUZZ_BUILD_BENCH=ON >/dev/null
  cmake --build "$dir" -j2 --target "$@" | grep -E '^(FAILED|error)' || true
}
echo "== building (asan: drivers and replay target; libfuzzer-asan; afl-asan)"
build asan racefuzz_ttb kref_v1_fuzzer racefuzz
build libfuzzer-asan kref_v1_fuzzer
if command -v afl-clang-fast++ >/dev/null; then
  build afl-asan kref_v1_fuzzer
fi

echo "== time to bug, mode $mode (load average $(cut -d' ' -f1-3 /proc/loadavg))"
cd "$CALLER"
exec python3 "$ROOT/bench/ttb.py" --mode "$mode" --builds "$ROOT/build/bench-" "${args[@]}"
