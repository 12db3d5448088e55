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

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ROOT=$RF_ROOT

RACEFUZZ=""
PRESET=${RACEFUZZ_PRESET:-}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --racefuzz) rf_need_value "$@"; RACEFUZZ=$2; shift 2 ;;
    --preset) rf_need_value "$@"; PRESET=$2; shift 2 ;;
    -h|--help) rf_usage; exit 0 ;;
    *) rf_die "unknown argument '$1' (see --help)" ;;
  esac
done

if [[ -n "$RACEFUZZ" ]]; then
  [[ -x "$RACEFUZZ" && -f "$RACEFUZZ" ]] || rf_die "racefuzz binary not found: $RACEFUZZ"
  echo "$RACEFUZZ"
  exit 0
fi

if [[ -z "$PRESET" ]]; then
  PRESET=asan
  for preset in asan libfuzzer-asan dev tsan libfuzzer-tsan release; do
    if [[ -x "$ROOT/build/$preset/fuzz/racefuzz" ]]; then PRESET=$preset; break; fi
  done
else
  # The configure presets CMakePresets.json offers (hidden ones are not listed).
  presets=$(cd "$ROOT" && cmake --list-presets=configure 2>/dev/null \
    | sed -n 's/^ *"\([^"]*\)".*/\1/p' | paste -sd' ' -) ||
    rf_die "cannot list the presets of $ROOT/CMakePresets.json (cmake --list-presets)"
  [[ " $presets " == *" $PRESET "* ]] || rf_die "unknown preset '$PRESET' (one of: $presets)"
fi

# Current with the sources: configured and built if needed, quick when nothing changed.
rf_setup
rf_build "$PRESET" "$ROOT/build/$PRESET" racefuzz || exit 1
echo "$ROOT/build/$PRESET/fuzz/racefuzz"
