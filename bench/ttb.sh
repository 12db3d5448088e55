#!/usr/bin/env bash
# Time to bug (issue 6; bench/README.md): builds what bench/ttb.py runs, then runs it.
#   scripts/bench.sh ttb --quick   (the default; CI) 2 campaigns per fuzzing strategy, 20 s
#                                  each; 3 searches per schedule-search strategy and bug, 5 s cap
#   scripts/bench.sh ttb --full    3 campaigns per fuzzing strategy, 60 s each; 5 searches per
#                                  schedule-search strategy and bug, 20 s cap
# Other arguments go to bench/ttb.py (e.g. --trials N for both counts, --strategies
# random,pct2); they are checked before anything is built, and only the builds the chosen
# strategies need are made (none for --replot).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
CALLER=$PWD  # bench/ttb.py runs here: its --out and --replot paths are the caller's
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

mode=quick
args=()
for arg in "$@"; do
  case "$arg" in
    --quick) mode=quick ;;
    --full) mode=full ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; python3 bench/ttb.py --help; exit 0 ;;
    *) args+=("$arg") ;;
  esac
done
ttb() { (cd "$CALLER" && python3 "$ROOT/bench/ttb.py" --mode "$mode" --builds "$ROOT/build/bench-" "$@"); }

# The arguments first (ttb.py prints "ttb.py: error: ..." and exits 2), then the builds.
presets=$(ttb "${args[@]}" --check-args) || exit 2

build() {  # preset, targets...: the preset in its own directory, benchmarks on
  local preset=$1
  shift
  rf_build "$preset" "$ROOT/build/bench-$preset" -DRACEFUZZ_BUILD_BENCH=ON "$@" || exit 1
}
if [[ -n "$presets" ]]; then
  rf_setup
  echo "== building ($presets)"
fi
for preset in $presets; do
  case "$preset" in
    asan) build asan racefuzz_ttb kref_v1_fuzzer racefuzz ;;
    libfuzzer-asan) build libfuzzer-asan kref_v1_fuzzer ;;
    afl-asan)
      # Without AFL++, ttb.py says the AFL++ strategies' target is not built.
      if command -v afl-clang-fast++ >/dev/null; then build afl-asan kref_v1_fuzzer; fi ;;
  esac
done

echo "== time to bug, mode $mode (load average $(cut -d' ' -f1-3 /proc/loadavg))"
cd "$CALLER"
exec python3 "$ROOT/bench/ttb.py" --mode "$mode" --builds "$ROOT/build/bench-" "${args[@]}"
