#!/usr/bin/env bash
# Reproduces OSS-Fuzz's `helper.py build_fuzzers` + `check_build` on this machine, without
# Docker: exports the environment OSS-Fuzz's `compile` gives build.sh, runs
# fuzz/oss-fuzz/build.sh into a fresh $OUT, then checks the result the way base-runner's
# test_all.py + bad_build_check do:
#   * $OUT is moved to a fresh directory first (catches hard-coded paths);
#   * fuzz targets = regular executable ELF files in $OUT containing LLVMFuzzerTestOneInput
#     (not afl-*, llvm-symbolizer);
#   * libFuzzer: `-seed=1337 -runs=4` must print "Done 4 runs" and must not print "no
#     interesting inputs were found"; fewer than 100 instrumented edges is reported;
#   * AFL++: 35 s of afl-fuzz (timeout -s INT) must print "All set and ready to roll" and
#     must not print "target binary (crashed|terminated)";
#   * `file` says x86-64; objdump -dC counts calls into the sanitizer runtimes: an ASan build
#     needs >= 1000 __asan calls and <= 200 __ubsan, a UBSan (libFuzzer) build >= 169 __ubsan
#     and no __asan;
#   * each target has <name>_seed_corpus.zip (a valid zip), <name>.dict, <name>.options.
# Plus one check of ours that check_build leaves out: the seed corpus replays clean.
#
# Usage: scripts/oss-fuzz-check.sh [--engine libfuzzer|afl] [--sanitizer address|undefined]
#                                  [--clean] [--keep] [-j N]
#   default: the three configurations OSS-Fuzz would build for us: libfuzzer+address,
#   libfuzzer+undefined, afl+address. --engine / --sanitizer pick the matching ones.
#   --clean  rebuild from scratch ($WORK is build/ossfuzz-<engine>-<sanitizer>, kept between
#            runs like helper.py's build/work/<project>; $SRC and $OUT are always fresh)
#   --keep   keep $OUT (printed) instead of deleting it
# Exit status: 0 all checks passed, 1 a build or check failed, 2 bad arguments.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ROOT=$RF_ROOT
ALL_CONFIGS=("libfuzzer/address" "libfuzzer/undefined" "afl/address")
die() { rf_die "$@"; }
need_value() { rf_need_value "$@"; }

engine_filter=""
sanitizer_filter=""
clean=0
keep=0
jobs=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --engine) need_value "$@"; engine_filter=$2; shift 2 ;;
    --sanitizer) need_value "$@"; sanitizer_filter=$2; shift 2 ;;
    --clean) clean=1; shift ;;
    --keep) keep=1; shift ;;
    -j) need_value "$@"; jobs=$2; shift 2 ;;
    -h | --help) rf_usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
case "$engine_filter" in "" | libfuzzer | afl) ;;
  *) die "--engine must be libfuzzer or afl (OSS-Fuzz engines we build), not '$engine_filter'" ;;
esac
case "$sanitizer_filter" in "" | address | undefined) ;;
  thread) die "--sanitizer thread: OSS-Fuzz and ClusterFuzzLite do not run TSan; TSan campaigns are scripts/fuzz.sh --sanitizer thread" ;;
  *) die "--sanitizer must be address or undefined, not '$sanitizer_filter'" ;;
esac
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "-j must be a positive number"
[[ "$engine_filter/$sanitizer_filter" == "afl/undefined" ]] &&
  die "afl + undefined is not an OSS-Fuzz configuration (AFL++ builds are address only)"

configs=()
for c in "${ALL_CONFIGS[@]}"; do
  [[ -n "$engine_filter" && "${c%/*}" != "$engine_filter" ]] && continue
  [[ -n "$sanitizer_filter" && "${c#*/}" != "$sanitizer_filter" ]] && continue
  configs+=("$c")
done

# --- Tools -------------------------------------------------------------------------------------
rf_setup
missing=()
for tool in clang clang++ cmake ninja zip unzip file objdump timeout; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
for c in "${configs[@]}"; do
  if [[ "${c%/*}" == afl ]]; then
    for tool in afl-clang-fast afl-clang-fast++ afl-fuzz; do
      command -v "$tool" >/dev/null || missing+=("$tool")
    done
    [[ -f /usr/lib/afl/libAFLDriver.a ]] || missing+=("/usr/lib/afl/libAFLDriver.a (afl++)")
  fi
done
[[ ${#missing[@]} -eq 0 ]] || {
  echo "oss-fuzz-check.sh: error: missing tools: ${missing[*]} (scripts/setup.sh installs them)" >&2
  exit 1
}

echo "== Local OSS-Fuzz emulation: where this differs from OSS-Fuzz's Docker images"
echo "   - compiler: $(clang --version | head -n 1) (OSS-Fuzz: its pinned trunk clang)"
echo "   - C++ library: libstdc++; OSS-Fuzz adds -stdlib=libc++ to CXXFLAGS (left out here)"
echo "   - Abseil: the system's $(dpkg-query -W -f='${Version}' libabsl-dev 2>/dev/null || echo '?')" \
  "(RACEFUZZ_LOCAL_ABSEIL=1); OSS-Fuzz builds \$SRC/abseil-cpp from source"
echo "   - Boost.Context: the system's static libboost_context.a, as in OSS-Fuzz (Ubuntu 24.04)"
echo "   - AFL++: Debian's $(dpkg-query -W -f='${Version}' afl++ 2>/dev/null || echo '?'), no CMPLOG/LAF" \
  "(OSS-Fuzz: its own AFL++, compile options drawn at random per build)"
echo "   - CFLAGS omit OSS-Fuzz's -Wno-error=... flags for warnings clang 14 does not know"
echo "   - no sandbox: targets run as this user, not in base-runner's read-only container"

# OSS-Fuzz's flags (infra/base-images/base-clang and base-builder Dockerfiles, `compile`).
BASE_CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
SANITIZER_FLAGS_address="-fsanitize=address -fsanitize-address-use-after-scope"
UBSAN_CHECKS="array-bounds,bool,builtin,enum,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr"
SANITIZER_FLAGS_undefined="-fsanitize=$UBSAN_CHECKS,unsigned-integer-overflow -fno-sanitize-recover=$UBSAN_CHECKS"
# base-runner's runtime environment.
RUNNER_ASAN_OPTIONS="alloc_dealloc_mismatch=0:allocator_may_return_null=1:allocator_release_to_os_interval_ms=500:check_malloc_usable_size=0:detect_container_overflow=1:detect_odr_violation=0:detect_leaks=1:detect_stack_use_after_return=1:fast_unwind_on_fatal=0:handle_abort=1:handle_segv=1:handle_sigill=1:max_uar_stack_size_log=16:print_scariness=1:quarantine_size_mb=10:strict_memcmp=1:symbolize=1:use_sigaltstack=1:dedup_token_length=3"
RUNNER_UBSAN_OPTIONS="print_stacktrace=1:print_summary=1:silence_unsigned_overflow=1:symbolize=1:dedup_token_length=3"
FUZZER_ARGS="-rss_limit_mb=2560 -timeout=25"
CALL_INSN='callq?\s+[0-9a-f]+\s+<'

failures=()
timings=()

fail() {
  echo "   BAD BUILD: $*"
  failures+=("$config: $*")
}

# The libfuzzer / afl runs of run_fuzzer, in $OUT, with the .options and .dict applied.
run_libfuzzer() {  # target output-file args...
  local target=$1 output=$2
  shift 2
  local options
  options=$(sed -n 's/^\s*\([a-z_]\+\)\s*=\s*\(.*\)$/-\1=\2/p' "$OUT/$target.options" 2>/dev/null | tr '\n' ' ')
  (cd "$OUT" && env -u OUT ASAN_OPTIONS="$RUNNER_ASAN_OPTIONS" UBSAN_OPTIONS="$RUNNER_UBSAN_OPTIONS" \
    "./$target" $FUZZER_ARGS "$@" $options -dict="$target.dict" </dev/null) >"$output" 2>&1
}

check_libfuzzer_target() {  # target
  local t=$1 log=$checkdir/$1.libfuzzer.log
  run_libfuzzer "$t" "$log" -seed=1337 -runs=4
  if grep -q "ERROR: no interesting inputs were found" "$log"; then
    fail "$t does not seem to have coverage instrumentation"
  fi
  local edges
  edges=$(grep -Po 'INFO: Loaded [0-9]+ module.*\(.*(counters|guards)\):\s+\K[0-9]+' "$log" | head -n 1)
  if [[ -n "$edges" && "$edges" -lt 100 ]]; then
    echo "   note: $t has only $edges instrumented edges (check_build prints 'partial coverage')"
  fi
  if ! grep -q "Done 4 runs" "$log"; then
    fail "$t seems to have either startup crash or exit (log: $log)"
    tail -n 20 "$log" | sed 's/^/      /'
  fi
  echo "   $t: libFuzzer -runs=4 ok (${edges:-?} edges, $(grep -Po 'INFO: \K[0-9]+(?= Extra Counters)' "$log" | head -n 1 || true) extra counters)"
}

check_afl_target() {  # target; runs in the background
  local t=$1 log=$checkdir/$1.afl.log
  local corpus=$checkdir/$t.afl_in fuzzer_out=$checkdir/$t.afl_out
  rm -rf "$corpus" "$fuzzer_out"
  mkdir -p "$corpus"
  echo input >"$corpus/input"  # run_fuzzer: "AFL expects at least 1 file in the input dir"
  (cd "$OUT" && env -u OUT \
    ASAN_OPTIONS="$RUNNER_ASAN_OPTIONS:abort_on_error=1:symbolize=0:detect_odr_violation=0:" \
    UBSAN_OPTIONS="$RUNNER_UBSAN_OPTIONS:symbolize=0" \
    AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_TRY_AFFINITY=1 AFL_FAST_CAL=1 AFL_CMPLOG_ONLY_NEW=1 \
    AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FORKSRV_INIT_TMOUT=30000 \
    AFL_IGNORE_PROBLEMS=1 AFL_IGNORE_UNKNOWN_ENVS=1 \
    timeout --preserve-status -s INT 35s \
    afl-fuzz -m none -t 5000+ -i "$corpus" -o "$fuzzer_out" -x "$t.dict" -- "./$t" \
    </dev/null) >"$log" 2>&1
  return 0
}

report_afl_target() {  # target
  local t=$1 log=$checkdir/$1.afl.log ok=1
  if ! grep -q "All set and ready to roll" "$log"; then
    fail "fuzzing $t with afl-fuzz failed (log: $log)"
    ok=0
  fi
  if grep -Eq "target binary (crashed|terminated)" "$log"; then
    fail "$t seems to have either startup crash or exit under afl-fuzz (log: $log)"
    ok=0
  fi
  if [[ $ok -eq 1 ]]; then
    echo "   $t: afl-fuzz ready to roll, ran 35 s ($(grep -Po 'execs_done\s*:\s*\K[0-9]+' \
      "$checkdir/$t.afl_out/default/fuzzer_stats" 2>/dev/null || echo '?') execs)"
  else
    grep -E "PROGRAM ABORT|ERROR|crashed|terminated" "$log" | tail -n 5 | sed 's/^/      /'
  fi
}

check_sanitizer_calls() {  # target
  local t=$1 dump asan ubsan msan dfsan
  dump=$(objdump -dC "$OUT/$t")
  asan=$(grep -Ec "${CALL_INSN}__asan" <<<"$dump")
  ubsan=$(grep -Ec "${CALL_INSN}__ubsan" <<<"$dump")
  msan=$(grep -Ec "${CALL_INSN}__msan" <<<"$dump")
  dfsan=$(grep -Ec "${CALL_INSN}__dfsan" <<<"$dump")
  echo "   $t: calls __asan $asan, __ubsan $ubsan, __msan $msan, __dfsan $dfsan"
  [[ $msan -le 3 && $dfsan -eq 0 ]] || fail "$t seems to be compiled with MSan/DFSan"
  if [[ "$SANITIZER" == address ]]; then
    [[ $asan -ge 1000 ]] || fail "$t does not seem to be compiled with ASan ($asan < 1000 calls)"
    [[ $ubsan -le 200 ]] || fail "ASan build of $t seems to be compiled with UBSan ($ubsan > 200 calls)"
  elif [[ "$SANITIZER" == undefined && "$FUZZING_ENGINE" == libfuzzer ]]; then
    [[ $asan -eq 0 ]] || fail "UBSan build of $t seems to be compiled with ASan"
    [[ $ubsan -ge 169 ]] || fail "$t does not seem to be compiled with UBSan ($ubsan < 169 calls)"
  fi
}

check_side_files() {  # target
  local t=$1
  if [[ ! -f "$OUT/${t}_seed_corpus.zip" ]]; then
    fail "$t has no ${t}_seed_corpus.zip"
  elif ! unzip -tq "$OUT/${t}_seed_corpus.zip" >/dev/null; then
    fail "${t}_seed_corpus.zip is not a valid zip"
  fi
  [[ -s "$OUT/$t.dict" ]] || fail "$t has no $t.dict"
  if [[ ! -f "$OUT/$t.options" ]]; then
    fail "$t has no $t.options"
  elif ! grep -q '^\[libfuzzer\]' "$OUT/$t.options"; then
    fail "$t.options has no [libfuzzer] section"
  fi
}

# Ours (bad_build_check's seed-corpus check is disabled upstream): the seeds replay clean.
check_seed_corpus() {  # target
  local t=$1 dir=$checkdir/$1.seeds log=$checkdir/$1.seeds.log
  rm -rf "$dir" && mkdir -p "$dir"
  unzip -q -o -d "$dir" "$OUT/${t}_seed_corpus.zip"
  local n
  n=$(find "$dir" -type f | wc -l)
  if [[ "$FUZZING_ENGINE" == libfuzzer ]]; then
    if ! run_libfuzzer "$t" "$log" -runs=0 "$dir"; then
      fail "$t crashes on its seed corpus (log: $log)"
      return
    fi
  else
    # libAFLDriver replays files given as arguments without the fork server.
    if ! (cd "$OUT" && env -u OUT ASAN_OPTIONS="$RUNNER_ASAN_OPTIONS" "./$t" "$dir"/* \
      </dev/null >"$log" 2>&1); then
      fail "$t crashes on its seed corpus (log: $log)"
      return
    fi
  fi
  echo "   $t: $n seeds replay clean"
}

for config in "${configs[@]}"; do
  start=$SECONDS
  export FUZZING_ENGINE=${config%/*} SANITIZER=${config#*/}
  echo
  echo "=== $FUZZING_ENGINE + $SANITIZER"
  export ARCHITECTURE=x86_64 FUZZING_LANGUAGE=c++ PROJECT_NAME=racefuzz
  export SANITIZER_FLAGS_VAR="SANITIZER_FLAGS_$SANITIZER"
  export SANITIZER_FLAGS=${!SANITIZER_FLAGS_VAR}
  unset SANITIZER_FLAGS_VAR
  if [[ "$FUZZING_ENGINE" == libfuzzer ]]; then
    export CC=clang CXX=clang++ CCC=clang++
    export COVERAGE_FLAGS="-fsanitize=fuzzer-no-link"
    export LIB_FUZZING_ENGINE="-fsanitize=fuzzer"
    unset AFL_QUIET ASAN_OPTIONS
  else
    # compile_afl: $CC/$CXX are afl-clang-fast(++), $LIB_FUZZING_ENGINE a copy of libAFLDriver.a.
    export CC=afl-clang-fast CXX=afl-clang-fast++ CCC=afl-clang-fast++
    export COVERAGE_FLAGS=""
    export LIB_FUZZING_ENGINE=/usr/lib/afl/libAFLDriver.a
    export AFL_QUIET=1 ASAN_OPTIONS="detect_leaks=0:symbolize=0:detect_odr_violation=0:abort_on_error=1"
  fi
  export CFLAGS="$BASE_CFLAGS $SANITIZER_FLAGS $COVERAGE_FLAGS"
  export CXXFLAGS="$CFLAGS"  # OSS-Fuzz: "$CFLAGS -stdlib=libc++"
  export WORK=$ROOT/build/ossfuzz-$FUZZING_ENGINE-$SANITIZER
  [[ $clean -eq 1 ]] && rm -rf "$WORK"
  mkdir -p "$WORK"
  export SRC OUT
  SRC=$(mktemp -d /tmp/racefuzz-ossfuzz-src.XXXXXX)
  OUT=$(mktemp -d /tmp/racefuzz-ossfuzz-out.XXXXXX)
  echo "   CC=$CC CXX=$CXX"
  echo "   CXXFLAGS=$CXXFLAGS"
  echo "   LIB_FUZZING_ENGINE=$LIB_FUZZING_ENGINE"
  echo "   SRC=$SRC WORK=$WORK OUT=$OUT"

  buildlog=$WORK/build.log
  # build.sh's cwd is the checkout, as OSS-Fuzz's WORKDIR ($SRC holds nothing else here:
  # Abseil is the system's).
  if ! (cd "$ROOT" && RACEFUZZ_LOCAL_ABSEIL=1 RACEFUZZ_BUILD_JOBS=$jobs \
    bash -eu "$ROOT/fuzz/oss-fuzz/build.sh") >"$buildlog" 2>&1; then
    tail -n 30 "$buildlog" | sed 's/^/      /'
    failures+=("$config: build.sh failed (log: $buildlog)")
    echo "   BUILD FAILED (log: $buildlog)"
    rm -rf "$SRC"
    continue
  fi
  echo "   build.sh ok ($((SECONDS - start)) s; log: $buildlog)"
  unset AFL_QUIET ASAN_OPTIONS

  # test_all.py: move $OUT to a fresh directory, so nothing can rely on the build's paths.
  moved=$(mktemp -d /tmp/not-out.XXXXXX)
  mv "$OUT"/* "$moved"/
  rmdir "$OUT"
  OUT=$moved
  checkdir=$WORK/check
  rm -rf "$checkdir" && mkdir -p "$checkdir"

  targets=()
  for f in "$OUT"/*; do
    name=$(basename "$f")
    [[ -f "$f" && -x "$f" ]] || continue
    [[ "$name" == afl-* || "$name" == llvm-symbolizer || "$name" == jazzer_* ]] && continue
    file "$f" | grep -q ELF || continue
    grep -q LLVMFuzzerTestOneInput "$f" || continue
    targets+=("$name")
  done
  if [[ ${#targets[@]} -eq 0 ]]; then
    fail "No fuzz targets found in $OUT"
  else
    echo "   ${#targets[@]} fuzz targets: ${targets[*]}"
  fi

  if [[ "$FUZZING_ENGINE" == afl ]]; then
    # bad_build_check runs targets in parallel; 35 s each, all at once.
    pids=()
    for t in "${targets[@]}"; do
      check_afl_target "$t" &
      pids+=($!)
    done
  fi
  for t in "${targets[@]}"; do
    file "$OUT/$t" | grep -q "x86-64" || fail "$t is not built for x86-64"
    check_sanitizer_calls "$t"
    check_side_files "$t"
    [[ "$FUZZING_ENGINE" == libfuzzer ]] && check_libfuzzer_target "$t"
    check_seed_corpus "$t"
  done
  if [[ "$FUZZING_ENGINE" == afl ]]; then
    wait "${pids[@]}"
    for t in "${targets[@]}"; do report_afl_target "$t"; done
  fi

  if [[ $keep -eq 1 ]]; then
    echo "   kept OUT=$OUT"
  else
    rm -rf "$OUT"
  fi
  rm -rf "$SRC"
  timings+=("$config: $((SECONDS - start)) s")
done

echo
echo "=== summary"
for t in "${timings[@]}"; do echo "   $t"; done
if [[ ${#failures[@]} -gt 0 ]]; then
  echo "FAILED (${#failures[@]}):"
  for f in "${failures[@]}"; do echo "   $f"; done
  echo "(local emulation: passing here is necessary, not sufficient, for OSS-Fuzz; see above)"
  exit 1
fi
echo "OK: ${#configs[@]} configuration(s) pass the local check_build emulation"
echo "(local emulation: passing here is necessary, not sufficient, for OSS-Fuzz; see above)"
