#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script for racefuzz: builds every <variant>_fuzzer and
# puts it in $OUT with <name>_seed_corpus.zip, <name>.dict and <name>.options.
#
# Run by OSS-Fuzz's `compile` (as $SRC/build.sh, a copy of this file; cwd $SRC/racefuzz),
# by .clusterfuzzlite/build.sh, and on this machine by scripts/oss-fuzz-check.sh. It honours
# the environment `compile` sets up: CC CXX CFLAGS CXXFLAGS LIB_FUZZING_ENGINE OUT SRC WORK
# SANITIZER FUZZING_ENGINE (and COVERAGE_FLAGS, see below).
#
# Dependencies, the way OSS-Fuzz needs them:
# * Abseil: OSS-Fuzz compiles C++ against libc++, so a distribution's Abseil (built against
#   libstdc++) cannot be linked. Abseil is built here from $SRC/abseil-cpp (a pinned clone
#   made by the Dockerfile) with the same compiler and flags, and installed into $WORK.
#   RACEFUZZ_LOCAL_ABSEIL=1 uses the installed system Abseil instead (for a local check
#   with libstdc++, where the system Abseil does link).
# * Boost.Context: only its fcontext (jump_fcontext / make_fcontext) is used. Those are
#   assembly routines with a plain C ABI, so the distribution's static libboost_context.a
#   links fine into a libc++ program: the linker takes only the assembly members from it.
#   Linked statically, because the fuzzing bots get nothing but $OUT.
#
# Instrumentation follows the project's rule (cmake/Sanitizers.cmake): the engine's coverage
# flags ($COVERAGE_FLAGS, e.g. -fsanitize=fuzzer-no-link) are taken out of CFLAGS/CXXFLAGS
# and given to code under test only; for AFL++ the harness and framework code are kept out
# of the edge map with fuzz/afl_denylist.txt. Sanitizer flags apply to everything.

# --- Where things are ----------------------------------------------------------------------
for var in CC CXX CFLAGS CXXFLAGS LIB_FUZZING_ENGINE OUT SRC WORK SANITIZER FUZZING_ENGINE; do
  if [[ -z "${!var+set}" ]]; then
    echo "build.sh: error: \$$var is not set: run by OSS-Fuzz's compile, ClusterFuzzLite or" \
      "scripts/oss-fuzz-check.sh, which set up the build environment" >&2
    exit 1
  fi
done
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ -n "${RACEFUZZ_ROOT:-}" ]]; then
  ROOT=$RACEFUZZ_ROOT
elif [[ -f "$script_dir/../../fuzz/CMakeLists.txt" ]]; then
  ROOT=$(cd "$script_dir/../.." && pwd)
else
  ROOT=$SRC/racefuzz
fi
if [[ ! -f "$ROOT/fuzz/CMakeLists.txt" ]]; then
  echo "build.sh: error: no racefuzz checkout at $ROOT (set RACEFUZZ_ROOT)" >&2
  exit 1
fi
JOBS=${RACEFUZZ_BUILD_JOBS:-$(nproc)}
ALL_VARIANTS="upstream kref_v1 fixed upstream_tee_fixed kref_v1_tee_fixed fixed_tee_mainline"
# Which variants go to $OUT (default all). Every variant but `fixed` has known bugs, which an
# engine finds within minutes: ClusterFuzzLite's PR fuzzing keeps to `fixed` (a crash there
# is a regression), see .clusterfuzzlite/build.sh.
VARIANTS=${RACEFUZZ_OSS_FUZZ_VARIANTS:-$ALL_VARIANTS}
for variant in $VARIANTS; do
  if [[ " $ALL_VARIANTS " != *" $variant "* ]]; then
    echo "build.sh: error: RACEFUZZ_OSS_FUZZ_VARIANTS: unknown variant '$variant'" \
      "(one of: $ALL_VARIANTS)" >&2
    exit 1
  fi
done

# --- Sanitizer and engine --------------------------------------------------------------------
case "$SANITIZER" in
  address | undefined) racefuzz_sanitizer=$SANITIZER ;;
  # TSan is not run by OSS-Fuzz or ClusterFuzzLite; accepted for `helper.py --sanitizer thread`.
  thread) racefuzz_sanitizer=thread ;;
  coverage | introspector | none) racefuzz_sanitizer=none ;;
  *)
    echo "build.sh: error: SANITIZER=$SANITIZER is not supported (address, undefined," \
      "thread, coverage, none; MSan would need an MSan-built Boost.Context)" >&2
    exit 1
    ;;
esac

cflags=$CFLAGS
cxxflags=$CXXFLAGS
sut_coverage_flags=""
coverage_flags=${COVERAGE_FLAGS:-}
if [[ "$SANITIZER" != coverage && -n "${coverage_flags// /}" &&
  "$cxxflags" == *"$coverage_flags"* ]]; then
  cflags=${cflags/"$coverage_flags"/}
  cxxflags=${cxxflags/"$coverage_flags"/}
  sut_coverage_flags=$coverage_flags
fi

if [[ "$FUZZING_ENGINE" == afl ]]; then
  # afl-clang-fast instruments whatever it compiles: keep Abseil and our framework out.
  denylist=$WORK/racefuzz_afl_denylist.txt
  cp "$ROOT/fuzz/afl_denylist.txt" "$denylist"
  echo 'src: *abseil-cpp/*' >>"$denylist"
  export AFL_LLVM_DENYLIST=$denylist
fi

echo "build.sh: racefuzz at $ROOT; SANITIZER=$SANITIZER FUZZING_ENGINE=$FUZZING_ENGINE"
echo "build.sh: coverage flags for code under test only: ${sut_coverage_flags:-(none)}"

# --- Abseil ----------------------------------------------------------------------------------
cmake_prefix=""
if [[ "${RACEFUZZ_LOCAL_ABSEIL:-0}" == 1 ]]; then
  echo "build.sh: RACEFUZZ_LOCAL_ABSEIL=1: using the installed Abseil, not \$SRC/abseil-cpp"
else
  if [[ ! -f "$SRC/abseil-cpp/CMakeLists.txt" ]]; then
    echo "build.sh: error: no Abseil checkout at $SRC/abseil-cpp (the Dockerfile clones it;" \
      "or set RACEFUZZ_LOCAL_ABSEIL=1 to use an installed Abseil)" >&2
    exit 1
  fi
  absl_prefix=$WORK/abseil-install
  cmake -S "$SRC/abseil-cpp" -B "$WORK/abseil-build" -G Ninja \
    -DCMAKE_BUILD_TYPE= \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
    -DCMAKE_C_FLAGS="$cflags" -DCMAKE_CXX_FLAGS="$cxxflags" \
    -DCMAKE_CXX_STANDARD=20 -DABSL_PROPAGATE_CXX_STD=ON \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DBUILD_TESTING=OFF -DABSL_BUILD_TESTING=OFF -DABSL_ENABLE_INSTALL=ON \
    -DCMAKE_INSTALL_PREFIX="$absl_prefix"
  cmake --build "$WORK/abseil-build" -j "$JOBS"
  cmake --install "$WORK/abseil-build"
  cmake_prefix=$absl_prefix
fi

# --- The fuzz targets ------------------------------------------------------------------------
build=$WORK/racefuzz-build
# Record the checkout as the compilation directory (not $build), so that any relative path in
# debug info or coverage mappings resolves to $SRC/racefuzz/... in OSS-Fuzz's reports.
cxxflags="$cxxflags -ffile-compilation-dir=$ROOT"
cmake -S "$ROOT" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$cxxflags" \
  ${cmake_prefix:+-DCMAKE_PREFIX_PATH="$cmake_prefix"} \
  -DBoost_USE_STATIC_LIBS=ON \
  -DRACEFUZZ_SANITIZER="$racefuzz_sanitizer" \
  -DRACEFUZZ_FUZZ_ENGINE=oss-fuzz \
  -DRACEFUZZ_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DRACEFUZZ_OSS_FUZZ_COVERAGE_FLAGS="$sut_coverage_flags" \
  -DRACEFUZZ_BUILD_TESTS=OFF -DRACEFUZZ_BUILD_BENCH=OFF
targets=()
for variant in $VARIANTS; do targets+=("${variant}_fuzzer"); done
cmake --build "$build" -j "$JOBS" --target "${targets[@]}"

# --- $OUT: targets, seed corpora, dictionaries, options --------------------------------------
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
cp "$ROOT"/corpora/seeds/*.bin "$seeds/"
for variant in $VARIANTS; do
  name=${variant}_fuzzer
  cp "$build/fuzz/$name" "$OUT/$name"
  # The same seeds suit every variant: they are clean programs, the bugs are for the
  # engine to find (corpora/seeds/). -j: names only, no directories.
  rm -f "$OUT/${name}_seed_corpus.zip"
  zip -q -j "$OUT/${name}_seed_corpus.zip" "$seeds"/*.bin
  cp "$ROOT/corpora/racefuzz.dict" "$OUT/$name.dict"
  # max_len: header (2) + 63 operations x 4 bytes + schedule bytes (fuzz/README.md).
  # timeout: an input is one execution of at most 100000 scheduling steps, milliseconds.
  cat >"$OUT/$name.options" <<'EOF'
[libfuzzer]
max_len = 512
timeout = 10
EOF
done
echo "build.sh: done; $OUT holds $(echo $VARIANTS | wc -w) fuzz targets"
