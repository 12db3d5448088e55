# Shared by every script a user runs (sourced, never run): the error and usage helpers,
# the variants, the package set-up and the one way to configure and build a preset.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"   # from scripts/*.sh
#
# Defines RF_ROOT (the repository), RF_NAME (the calling script's file name, for messages)
# and the rf_* functions below. It changes no shell option: each script keeps its own
# `set -euo pipefail` or `set -uo pipefail`.

RF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RF_SCRIPT=${BASH_SOURCE[1]:-$0}
RF_NAME=$(basename "$RF_SCRIPT")

# The variants of the dma-heap model, as fuzz/CMakeLists.txt builds one target for each.
RF_VARIANTS="upstream kref_v1 fixed upstream_tee_fixed kref_v1_tee_fixed fixed_tee_mainline"

# --- Messages and arguments -------------------------------------------------------------

# A usage error or bad input: exit status 2.
rf_die() {
  echo "$RF_NAME: error: $*" >&2
  exit 2
}

# The comment block at the top of the calling script, up to its `set -...` line.
rf_usage() {
  sed -n '2,/^set -[eu]/p' "$RF_SCRIPT" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# rf_need_value "$@": the option in $1 has a non-empty value in $2.
rf_need_value() { [[ $# -ge 2 && -n "$2" ]] || rf_die "$1 needs a value (see --help)"; }

# rf_positive_int OPTION VALUE
rf_positive_int() {
  [[ "$2" =~ ^[0-9]+$ && "$2" -gt 0 ]] || rf_die "$1 must be a positive number (got '$2')"
}

# rf_nonnegative_int OPTION VALUE
rf_nonnegative_int() { [[ "$2" =~ ^[0-9]+$ ]] || rf_die "$1 must be a number (got '$2')"; }

# rf_check_variants "V..." : every word is a variant of the model.
rf_check_variants() {
  local v
  for v in $1; do
    [[ " $RF_VARIANTS " == *" $v "* ]] || rf_die "unknown variant '$v' (one of: $RF_VARIANTS)"
  done
}

# rf_input_file FILE: one input file a user named (replay, minimise, ...).
rf_input_file() {
  [[ -n "$1" ]] || rf_die "missing FILE (see --help)"
  [[ ! -d "$1" ]] || rf_die "$1 is a directory; give one input file"
  [[ -e "$1" ]] || rf_die "no such file: $1"
  [[ -f "$1" ]] || rf_die "not a regular file: $1"
}

# rf_corpus_files EXTENSION [DIR...]: sets RF_FILES to the DIR/*.EXTENSION files, in order
# (default DIRs: corpora/seeds and corpora/regressions); a missing DIR or no file is an error.
rf_corpus_files() {
  local extension=$1 dir file
  shift
  local -a dirs=("$@")
  [[ ${#dirs[@]} -gt 0 ]] || dirs=("$RF_ROOT/corpora/seeds" "$RF_ROOT/corpora/regressions")
  RF_FILES=()
  for dir in "${dirs[@]}"; do
    [[ -d "$dir" ]] || rf_die "no such input directory: $dir"
    for file in "$dir"/*."$extension"; do [[ -f "$file" ]] && RF_FILES+=("$file"); done
  done
  [[ ${#RF_FILES[@]} -gt 0 ]] || rf_die "no *.$extension inputs in ${dirs[*]}"
}

# --- Packages -------------------------------------------------------------------------

# Installs what racefuzz needs (scripts/setup.sh: a quick no-op when everything is there).
# Once per process tree: a script run by another that already did it skips it
# (RACEFUZZ_SETUP_DONE), and RACEFUZZ_NO_SETUP=1 skips it for a user who manages packages
# by hand. Exit status 1 when the set-up fails, with the command to run.
rf_setup() {
  [[ "${RACEFUZZ_SETUP_DONE:-}" == 1 || "${RACEFUZZ_NO_SETUP:-}" == 1 ]] && return 0
  if ! bash "$RF_ROOT/scripts/setup.sh" >&2; then
    echo "$RF_NAME: error: installing the packages failed; run: bash $RF_ROOT/scripts/setup.sh" >&2
    exit 1
  fi
  export RACEFUZZ_SETUP_DONE=1
}

# --- Builds ---------------------------------------------------------------------------

# rf_build PRESET DIR [-DVAR=VALUE...] [TARGET...]
#
# Configures DIR from the configure preset PRESET of CMakePresets.json when it needs it, then
# builds TARGETs (all when none is given). DIR needs a configure when it has no build.ninja
# (no configure ever finished there: a first configure that failed, or one interrupted,
# leaves a CMakeCache.txt but no build.ninja) or no mark of a finished configure with the
# same -D arguments and CMakePresets.json (.racefuzz-configured, written after cmake
# returns). A directory whose
# configure never finished is configured afresh (`cmake --fresh`): what its cache holds came
# from a run that failed, such as Abseil not found before the packages were installed.
# Everything else is ninja's job: it re-runs cmake itself when a CMakeLists.txt changed.
#
# The output of cmake and ninja goes to DIR/racefuzz-configure.log and
# DIR/racefuzz-build.log. On failure it prints the error itself (the build's first FAILED
# step, or the end of the log) and a command that retries, and returns 1. RF_BUILD_JOBS
# sets ninja's parallelism (default: all cores), RF_BUILD_SHOW=1 shows the build's output
# as it goes as well. RF_SOURCE_DIR builds another source tree
# than this repository (a patched copy).
rf_build() {
  local preset=$1 dir=$2
  shift 2
  local -a defines=() targets=()
  while [[ $# -gt 0 && "$1" == -D* ]]; do defines+=("$1"); shift; done
  targets=("$@")
  local source=${RF_SOURCE_DIR:-$RF_ROOT}
  local mark="$dir/.racefuzz-configured"
  # The presets file too: a preset's cache variables reach the cache only through
  # `cmake --preset`, so a changed CMakePresets.json needs one.
  local want
  want="preset=$preset ${defines[*]} presets=$(cksum <"$source/CMakePresets.json")"
  local configure_log="$dir/racefuzz-configure.log" build_log="$dir/racefuzz-build.log"
  local shown=${dir#"$PWD"/}
  mkdir -p "$dir" || return 1

  if [[ ! -f "$dir/build.ninja" || ! -f "$mark" || "$(cat "$mark")" != "$want" ]]; then
    local -a fresh=()
    [[ -f "$dir/build.ninja" ]] || fresh=(--fresh)
    rm -f "$mark"
    echo "$RF_NAME: configuring $shown (preset $preset${fresh:+, afresh: no configure had finished there})" >&2
    if ! (cd "$source" && cmake --preset "$preset" -B "$dir" "${fresh[@]}" "${defines[@]}") \
      >"$configure_log" 2>&1; then
      echo "$RF_NAME: error: configuring $shown (preset $preset) failed:" >&2
      grep -E -A 12 '^CMake Error' "$configure_log" | head -n 40 >&2 || true
      grep -q '^CMake Error' "$configure_log" || tail -n 30 "$configure_log" >&2
      if grep -q 'Could not find a package configuration file' "$configure_log"; then
        echo "$RF_NAME: a package is missing: run bash $RF_ROOT/scripts/setup.sh" >&2
      fi
      echo "$RF_NAME: full log: $configure_log; fix the error and run the same command" \
        "again (it configures afresh what did not finish)" >&2
      return 1
    fi
    echo "$want" >"$mark"
  fi

  local -a target_args=()
  [[ ${#targets[@]} -eq 0 ]] || target_args=(--target "${targets[@]}")
  # With RF_BUILD_SHOW=1 the build's progress is shown as well (test.sh's long builds).
  local status=0
  if [[ "${RF_BUILD_SHOW:-}" == 1 ]]; then
    cmake --build "$dir" "${target_args[@]}" -j "${RF_BUILD_JOBS:-$(nproc)}" 2>&1 \
      | tee "$build_log" >&2
    status=${PIPESTATUS[0]}
  else
    cmake --build "$dir" "${target_args[@]}" -j "${RF_BUILD_JOBS:-$(nproc)}" >"$build_log" 2>&1 \
      || status=$?
  fi
  if [[ $status -ne 0 ]]; then
    echo "$RF_NAME: error: building ${targets[*]:-everything} in $shown failed:" >&2
    if grep -q '^FAILED:' "$build_log"; then
      sed -n '/^FAILED:/,$p' "$build_log" | head -n 60 >&2
    else
      tail -n 30 "$build_log" >&2
    fi
    echo "$RF_NAME: full log: $build_log; fix the error and run the same command again" >&2
    return 1
  fi
}
