#!/usr/bin/env bash
# Soak test: long libFuzzer campaigns on every variant of the model that should be clean,
# under ASan and TSan. The fixed variants must stay clean: any crash, hang or OOM is either a
# bug in the model or a false positive of the harness, and is reported.
#
# Usage: scripts/soak.sh [--time SECONDS] [--variants "V..."] [--sanitizers "S..."]
#        [--jobs N] [--build-prefix PREFIX] [--out DIR]
#   --time          seconds per (variant, sanitizer) campaign; default 3600 (one CPU-hour
#                   each with --jobs 1). CI: --time 60.
#   --variants      default: fixed (core fixed + tee fixed, the only variant with no known
#                   bug)
#   --sanitizers    default: "address thread"
#   --jobs N        libFuzzer -fork=N workers (crashes do not stop the campaign)
#   --build-prefix  build directories are PREFIX-asan / PREFIX-tsan (default
#                   build/libfuzzer, i.e. the presets' own directories)
#   --out           default out/soak
# Findings are saved as OUT/<sanitizer>-<variant>/artifacts/* with a replay log, the program
# in text form and the signature. Every finding fails the soak.
# Exit: 0 every campaign clean, 1 a finding, 2 a usage or build error.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ROOT=$RF_ROOT

TIME=3600
VARIANTS=fixed
SANITIZERS="address thread"
JOBS=1
PREFIX="$ROOT/build/libfuzzer"
OUT="$ROOT/out/soak"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --time) rf_need_value "$@"; TIME=$2; shift 2 ;;
    --variants) rf_need_value "$@"; VARIANTS=$2; shift 2 ;;
    --sanitizers) rf_need_value "$@"; SANITIZERS=$2; shift 2 ;;
    --jobs) rf_need_value "$@"; JOBS=$2; shift 2 ;;
    --build-prefix) rf_need_value "$@"; PREFIX=$2; shift 2 ;;
    --out) rf_need_value "$@"; OUT=$2; shift 2 ;;
    -h|--help) rf_usage; exit 0 ;;
    *) rf_die "unknown argument '$1' (see --help)" ;;
  esac
done
rf_positive_int --time "$TIME"
rf_positive_int --jobs "$JOBS"
rf_check_variants "$VARIANTS"
for s in $SANITIZERS; do
  [[ $s == address || $s == thread ]] || rf_die "unknown sanitizer '$s' (address or thread)"
done

PREFIX=$(realpath -m "$PREFIX")
OUT=$(realpath -m "$OUT")
declare -A SUFFIX=([address]=asan [thread]=tsan)
# Build everything first, so a build error never wastes a campaign.
rf_setup
for s in $SANITIZERS; do
  build="$PREFIX-${SUFFIX[$s]}"
  targets=(racefuzz)
  for v in $VARIANTS; do targets+=("${v}_fuzzer"); done
  rf_build "libfuzzer-${SUFFIX[$s]}" "$build" "${targets[@]}" || exit 2
  grep -q 'RACEFUZZ_FUZZ_ENGINE:STRING=libfuzzer' "$build/CMakeCache.txt" \
    || rf_die "$build is not a libFuzzer build"
done

mkdir -p "$OUT"
SUMMARY=()
findings=0
for s in $SANITIZERS; do
  build="$PREFIX-${SUFFIX[$s]}"
  for v in $VARIANTS; do
    dir="$OUT/$s-$v"
    rm -rf "$dir"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp "$ROOT"/corpora/seeds/*.bin "$dir/corpus/"
    echo "== soak: ${v}_fuzzer, libFuzzer + $s, ${TIME}s, $JOBS job(s); log ${dir#$ROOT/}/fuzz.log"
    # A campaign that outlives its time by two minutes is killed and counted as a finding:
    # a hang (for instance in the engine's crash handling) must fail the soak, not CI's clock.
    engine_status=0
    (cd "$dir" && timeout -k 10 $((TIME + 120)) "$build/fuzz/${v}_fuzzer" corpus \
        -dict="$ROOT/corpora/racefuzz.dict" \
        -max_total_time="$TIME" -fork="$JOBS" -ignore_crashes=1 -ignore_timeouts=1 \
        -ignore_ooms=1 -artifact_prefix=artifacts/ -max_len=512 -timeout=10 \
        -print_final_stats=1) >"$dir/fuzz.log" 2>&1 || engine_status=$?
    # A campaign whose first job never ended (a hang) printed no status line: not an error here.
    execs=$(grep -oE '^#[0-9]+' "$dir/fuzz.log" | tail -n 1 | tr -d '#' || true)
    found=0
    if [[ $engine_status -eq 124 || $engine_status -eq 137 ]]; then
      echo "   the campaign did not end within ${TIME}s + 120s and was killed (a hang)"
      found=1
    fi
    for crash in "$dir"/artifacts/crash-* "$dir"/artifacts/timeout-* "$dir"/artifacts/oom-*; do
      [[ -f "$crash" && "$crash" != *.* ]] || continue
      status=0
      "$build/fuzz/${v}_fuzzer" "$crash" >"$crash.log" 2>&1 || status=$?
      crashed=""
      [[ $status -ne 0 ]] && crashed=--crashed
      sig=$("$build/fuzz/racefuzz" signature $crashed "$crash.log" 2>/dev/null || echo unknown)
      echo "$sig" >"$crash.signature"
      "$build/fuzz/racefuzz" decode "$crash" >"$crash.txt" 2>/dev/null || true
      found=$((found + 1))
      echo "   FINDING ${crash#$ROOT/}: $sig (replay: scripts/reproduce.sh ${crash#$ROOT/} --variant $v)"
    done
    findings=$((findings + found))
    SUMMARY+=("$(printf '%-10s %-20s %6ss %12s execs  %s' "$s" "$v" "$TIME" \
      "${execs:-?}" "$([[ $found -eq 0 ]] && echo clean || echo "$found FINDING(S)")")")
  done
done
echo
echo "== soak summary"
printf '%s\n' "${SUMMARY[@]}"
if [[ $findings -gt 0 ]]; then
  echo "== $findings finding(s) on variants that should be clean: a model bug or a harness false positive"
  exit 1
fi
echo "== every campaign clean"
