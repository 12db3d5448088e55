#!/usr/bin/env bash
# Prints the path of a built `racefuzz` command line, building one if needed: the one given
# with --racefuzz, else the first of build/{asan,dev,libfuzzer-asan,...}/fuzz/racefuzz, else
# it builds preset $RACEFUZZ_PRESET (default asan). Used by the other scripts.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ "${1:-}" == --racefuzz ]]; then
  [[ -x "${2:-}" ]] || { echo "racefuzz binary not found: ${2:-}" >&2; exit 2; }
  echo "$2"
  exit 0
fi
PRESET=${RACEFUZZ_PRESET:-asan}
for preset in "$PRESET" asan libfuzzer-asan dev tsan libfuzzer-tsan release; do
  if [[ -x "$ROOT/build/$preset/fuzz/racefuzz" ]]; then
    # Keep it current with the sources (quick when nothing changed).
    cmake --build "$ROOT/build/$preset" --target racefuzz >/dev/null 2>&1 || true
    echo "$ROOT/build/$preset/fuzz/racefuzz"
    exit 0
  fi
done
echo "building racefuzz (preset $PRESET) ..." >&2
[[ -f "$ROOT/build/$PRESET/CMakeCache.txt" ]] || (cd "$ROOT" && cmake --preset "$PRESET" >/dev/null)
cmake --build "$ROOT/build/$PRESET" --target racefuzz >&2
echo "$ROOT/build/$PRESET/fuzz/racefuzz"
