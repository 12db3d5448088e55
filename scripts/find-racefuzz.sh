#!/usr/bin/env bash
# Prints the path of a built `racefuzz` command line (fuzz/racefuzz), building it if needed.
# Used by the other scripts (reproduce.sh, minimize.sh, encode-seeds.sh).
#
# Usage: scripts/find-racefuzz.sh [--racefuzz PATH | --preset P]
#   --racefuzz PATH  that binary; it must exist
#   --preset P       build/P/fuzz/racefuzz, configured and built if needed (kept current with
#                    the sources if built); P must be a configure preset of CMakePresets.json
#                    (all of them build racefuzz), and no other build stands in for it
#   neither          the first built of build/{asan,libfuzzer-asan,dev,tsan,libfuzzer-tsan,
#                    release}/fuzz/racefuzz, else preset asan, built
# RACEFUZZ_PRESET=P in the environment is the same as --preset P.
# Exit status: 0 (the path on standard output), 1 the build failed, 2 a usage error or an
# unknown preset.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() {
  echo "find-racefuzz.sh: error: $*" >&2
  exit 2
}
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

RACEFUZZ=""
PRESET=${RACEFUZZ_PRESET:-}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --racefuzz) [[ $# -ge 2 && -n "$2" ]] || die "--racefuzz needs a path"; RACEFUZZ=$2; shift 2 ;;
    --preset) [[ $# -ge 2 && -n "$2" ]] || die "--preset needs a value"; PRESET=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

if [[ -n "$RACEFUZZ" ]]; then
  [[ -x "$RACEFUZZ" && -f "$RACEFUZZ" ]] || die "racefuzz binary not found: $RACEFUZZ"
  echo "$RACEFUZZ"
  exit 0
fi

# The build of one preset, current with the sources (quick when nothing changed).
update() {  # preset
  cmake --build "$ROOT/build/$1" --target racefuzz >/dev/null 2>&1 || true
  echo "$ROOT/build/$1/fuzz/racefuzz"
  exit 0
}

if [[ -z "$PRESET" ]]; then
  for preset in asan libfuzzer-asan dev tsan libfuzzer-tsan release; do
    [[ -x "$ROOT/build/$preset/fuzz/racefuzz" ]] && update "$preset"
  done
  PRESET=asan
else
  # The configure presets CMakePresets.json offers (hidden ones are not listed).
  presets=$(cd "$ROOT" && cmake --list-presets=configure 2>/dev/null \
    | sed -n 's/^ *"\([^"]*\)".*/\1/p' | paste -sd' ' -) ||
    die "cannot list the presets of $ROOT/CMakePresets.json (cmake --list-presets)"
  [[ " $presets " == *" $PRESET "* ]] || die "unknown preset '$PRESET' (one of: $presets)"
  [[ -x "$ROOT/build/$PRESET/fuzz/racefuzz" ]] && update "$PRESET"
fi

echo "building racefuzz (preset $PRESET) ..." >&2
if [[ ! -f "$ROOT/build/$PRESET/CMakeCache.txt" ]]; then
  (cd "$ROOT" && cmake --preset "$PRESET" >/dev/null) || {
    echo "find-racefuzz.sh: error: cmake --preset $PRESET failed" >&2
    exit 1
  }
fi
cmake --build "$ROOT/build/$PRESET" --target racefuzz >&2 || {
  echo "find-racefuzz.sh: error: build failed: cmake --build build/$PRESET --target racefuzz" >&2
  exit 1
}
echo "$ROOT/build/$PRESET/fuzz/racefuzz"
