#!/usr/bin/env bash
# Source coverage of the dma-heap model (heaps/) reached by a corpus: an llvm-cov HTML
# report and a one-line summary of line and branch coverage.
#
# Usage: scripts/coverage.sh [CORPUS...] [--variants "kref_v1 fixed"] [--html DIR]
#   CORPUS     files or directories of inputs in byte form (default: corpora/seeds and, if
#              present, corpora/regressions). In directories, *.txt, *.expect and *.md files
#              are skipped (the text forms and expectations beside the .bin files).
#   --variants the fuzz targets replayed (default "kref_v1 fixed"); their coverage is merged
#   --html     where the HTML report goes (default build/coverage/html); the merged profile
#              goes beside it, to DIR/../racefuzz.profdata. DIR must be new, empty or an
#              earlier coverage.sh report (marked by the file .racefuzz-coverage-html written
#              there): it is deleted and written again, and any other directory is refused.
#   Relative CORPUS and --html paths are taken from the current directory.
#
# It builds the `coverage` preset into build/ossfuzz-coverage (standalone replay driver,
# -fprofile-instr-generate -fcoverage-mapping on heaps/ and fuzz/'s interleaving dispatch),
# replays every input with LLVM_PROFILE_FILE, merges with llvm-profdata-14 and reports with
# llvm-cov-14, limited to heaps/.
#
# Inputs that find a bug abort the process (the harness's FailurePolicy::kAbort), and a
# profile is normally written only at a normal exit. The coverage build therefore keeps its
# counters in the mapped .profraw file as they change (continuous mode, `%c` in
# LLVM_PROFILE_FILE, with -mllvm -runtime-counter-relocation from cmake/Sanitizers.cmake), so
# an aborted input's coverage up to the abort still counts; the driver is restarted on the
# inputs after it. The summary says how many inputs reported a bug.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ROOT=$RF_ROOT
BUILD=$ROOT/build/ossfuzz-coverage
die() { rf_die "$@"; }

variants="kref_v1 fixed"
html=""
corpus=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --variants) rf_need_value "$@"; variants=$2; shift 2 ;;
    --html) rf_need_value "$@"; html=$2; shift 2 ;;
    -h | --help) rf_usage; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) [[ -e "$1" ]] || die "no such file or directory: $1"; corpus+=("$(realpath -m -- "$1")"); shift ;;
  esac
done
# Paths given are the caller's (made absolute above and here); the defaults are the repository's.
html_given=$html
[[ -n "$html" ]] || html=$ROOT/build/coverage/html
html=$(realpath -m -- "$html")
cd "$ROOT" || exit 2
# The report directory is deleted before it is written: only one this script made (marked), or
# the default, which is its own.
html_marker=.racefuzz-coverage-html
if [[ -e "$html" || -L "$html" ]]; then
  [[ -d "$html" ]] || die "--html $html exists and is not a directory"
  if [[ -n "$html_given" && ! -f "$html/$html_marker" &&
    -n "$(ls -A -- "$html" 2>/dev/null || echo unreadable)" ]]; then
    die "--html $html is not empty and is not an earlier coverage.sh report (no $html_marker in it); give a new or empty directory"
  fi
fi
rf_check_variants "$variants"
if [[ ${#corpus[@]} -eq 0 ]]; then
  corpus=(corpora/seeds)
  [[ -d corpora/regressions ]] && corpus+=(corpora/regressions)
fi
rf_setup
for tool in llvm-profdata-14 llvm-cov-14 python3 cmake ninja; do
  command -v "$tool" >/dev/null || { echo "coverage.sh: error: $tool not found" >&2; exit 1; }
done

# --- Inputs ------------------------------------------------------------------------------------
inputs=()
for c in "${corpus[@]}"; do
  if [[ -d "$c" ]]; then
    while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find "$c" -type f \
      ! -name '*.txt' ! -name '*.expect' ! -name '*.md' ! -name '.*' -print0 | sort -z)
  else
    inputs+=("$c")
  fi
done
[[ ${#inputs[@]} -gt 0 ]] || die "no inputs in ${corpus[*]}"

# --- Build -------------------------------------------------------------------------------------
targets=()
for v in $variants; do targets+=("${v}_fuzzer"); done
echo "== building ${targets[*]} (preset coverage, $BUILD)"
rf_build coverage "$BUILD" -DRACEFUZZ_BUILD_TESTS=OFF "${targets[@]}" || exit 1

# --- Replay ------------------------------------------------------------------------------------
work=$(mktemp -d /tmp/racefuzz-coverage.XXXXXX)
trap 'rm -rf "$work"' EXIT
profiles=$work/profiles
mkdir -p "$profiles"
bug_inputs=0

replay() {  # variant
  local v=$1 bin=$BUILD/fuzz/${1}_fuzzer
  local -a remaining=("${inputs[@]}")
  local round=0 log status
  while [[ ${#remaining[@]} -gt 0 ]]; do
    round=$((round + 1))
    log=$work/$v.$round.log
    # %c: continuous mode (counters survive an abort); %p: one file per process.
    # (braces: keep the shell's "Aborted" notices out of the output; aborts are expected)
    { LLVM_PROFILE_FILE="$profiles/$v.%c%p.profraw" timeout 600 "$bin" "${remaining[@]}" \
      </dev/null >"$log" 2>&1; } 2>/dev/null
    status=$?
    [[ $status -eq 0 ]] && break
    # The driver names each input before running it: drop those it got to. The last one
    # reported a bug (or the driver failed on it).
    local -A started=()
    local line
    while IFS= read -r line; do started[$line]=1; done < <(sed -n 's/^Running: //p' "$log")
    if [[ ${#started[@]} -eq 0 ]]; then
      tail -n 20 "$log" >&2
      echo "coverage.sh: error: ${v}_fuzzer exited with status $status before any input" >&2
      exit 1
    fi
    bug_inputs=$((bug_inputs + 1))
    local -a next=()
    local f
    for f in "${remaining[@]}"; do [[ -z "${started[$f]:-}" ]] && next+=("$f"); done
    remaining=("${next[@]}")
    unset started
  done
}

start=$SECONDS
for v in $variants; do
  echo "== replaying ${#inputs[@]} inputs on ${v}_fuzzer"
  replay "$v"
done
echo "   replayed in $((SECONDS - start)) s; $bug_inputs input runs reported a bug (counted up to the report)"

# --- Merge and report --------------------------------------------------------------------------
find "$profiles" -name '*.profraw' >"$work/profiles.list"
if ! llvm-profdata-14 merge -sparse -f "$work/profiles.list" -o "$work/racefuzz.profdata"; then
  echo "coverage.sh: error: llvm-profdata-14 merge failed" >&2
  exit 1
fi
objects=()
for t in "${targets[@]}"; do
  [[ ${#objects[@]} -eq 0 ]] && objects+=("$BUILD/fuzz/$t") || objects+=(-object "$BUILD/fuzz/$t")
done
# heaps/ only: the source filter is the directory. The build maps the source directory to ""
# (-ffile-prefix-map), so file names are relative; -compilation-dir anchors them here.
paths=(-compilation-dir="$ROOT" "$ROOT/heaps")
rm -rf "$html"
mkdir -p "$html"
echo "scripts/coverage.sh wrote this report (--html); it deletes and rewrites it on a rerun." \
  >"$html/$html_marker"
llvm-cov-14 show "${objects[@]}" -instr-profile="$work/racefuzz.profdata" -format=html \
  -output-dir="$html" -show-branches=count -show-line-counts-or-regions "${paths[@]}" ||
  { echo "coverage.sh: error: llvm-cov-14 show failed" >&2; exit 1; }
llvm-cov-14 export "${objects[@]}" -instr-profile="$work/racefuzz.profdata" -summary-only \
  "${paths[@]}" >"$work/summary.json" ||
  { echo "coverage.sh: error: llvm-cov-14 export failed" >&2; exit 1; }
cp "$work/racefuzz.profdata" "$html/../racefuzz.profdata"

python3 - "$work/summary.json" "${#inputs[@]}" "$variants" "$html" <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))["data"][0]
files = [f["filename"] for f in data["files"]]
t = data["totals"]
def part(name, key):
    s = t[key]
    return f"{name} {s['covered']}/{s['count']} ({s['percent']:.1f}%)"
print(f"coverage of heaps/ ({len(files)} files) by {sys.argv[2]} inputs on {sys.argv[3]}: "
      + ", ".join([part("lines", "lines"), part("branches", "branches"),
                   part("functions", "functions"), part("regions", "regions")]))
print(f"HTML report: {sys.argv[4]}/index.html")
EOF
