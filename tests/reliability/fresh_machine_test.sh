#!/usr/bin/env bash
# The fresh-machine path of the README's two commands, as far as a machine that already has
# every package allows: a package reported missing, and a build directory whose configure
# never finished.
#
# In a fresh copy of the tree (the files git tracks or would add, as they are in the working
# tree: no build/, out/ or findings/), with a PATH in front of which stub dpkg-query, dpkg and
# apt-get report libabsl-dev as not installed until `apt-get install` names it (and record
# every call), and build/libfuzzer-asan left by an interrupted configure (`cmake --preset
# libfuzzer-asan`, then build.ninja removed):
#   1. `scripts/test.sh --check skip-seen` (the test command, with the one check that uses
#      that build) must call `apt-get install ... libabsl-dev`, reconfigure and pass;
#   2. the same state again (build.ninja removed, libabsl-dev missing), then
#      `scripts/fuzz.sh --time 10` (the main command) must call `apt-get install ...
#      libabsl-dev`, reconfigure, build and succeed with findings/ written.
# The stubs install nothing: the package is really there, only the check is told otherwise.
#
# Usage: tests/reliability/fresh_machine_test.sh   (scripts/test.sh --check fresh-machine)
# Needs root, as scripts/setup.sh does (as another user it would run the real apt-get
# through sudo).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[[ $(id -u) -eq 0 ]] || { echo "fresh_machine_test: needs root (scripts/setup.sh does)" >&2; exit 1; }
MISSING=libabsl-dev
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CLONE=$TMP/racefuzz
STUBS=$TMP/stubs
CALLS=$TMP/package-calls.log
mkdir -p "$CLONE" "$STUBS"

# --- The fresh copy ----------------------------------------------------------------------
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [[ -e "$f" ]] && printf '%s\0' "$f"; done \
    | xargs -0 cp --parents -t "$CLONE")
else
  (cd "$ROOT" && tar --exclude=./build --exclude=./out --exclude=./findings -cf - .) | tar -xf - -C "$CLONE"
fi

# --- The package stubs ---------------------------------------------------------------------
# dpkg-query says the package is not installed until the apt-get stub "installs" it.
cat >"$STUBS/dpkg-query" <<EOF
#!/usr/bin/env bash
echo "dpkg-query \$*" >>"$CALLS"
for arg in "\$@"; do
  if [[ "\$arg" == "$MISSING" && ! -f "$TMP/installed" ]]; then
    echo "dpkg-query: no packages found matching $MISSING" >&2
    exit 1
  fi
done
exec /usr/bin/dpkg-query "\$@"
EOF
cat >"$STUBS/dpkg" <<EOF
#!/usr/bin/env bash
echo "dpkg \$*" >>"$CALLS"
exec /usr/bin/dpkg "\$@"
EOF
cat >"$STUBS/apt-get" <<EOF
#!/usr/bin/env bash
echo "apt-get \$*" >>"$CALLS"
[[ " \$* " == *" install "*" $MISSING "* || " \$* " == *" install "*" $MISSING" ]] && touch "$TMP/installed"
exit 0
EOF
chmod +x "$STUBS"/*

source "$ROOT/tests/lib/check.sh"

# An interrupted configure of build/libfuzzer-asan and a package reported missing.
interrupted_state() {
  (cd "$CLONE" && cmake --preset libfuzzer-asan >/dev/null 2>&1)
  rm -f "$CLONE/build/libfuzzer-asan/build.ninja" "$TMP/installed" "$CALLS"
}
# Runs one of the README's commands in the copy as a new user would (no set-up done yet).
run_in_copy() {  # log, command...
  local log=$1
  shift
  (cd "$CLONE" && env -u RACEFUZZ_SETUP_DONE -u RACEFUZZ_NO_SETUP PATH="$STUBS:$PATH" \
    timeout -s KILL 1200 "$@") >"$log" 2>&1
}
installed_missing() { grep -qE "^apt-get .*install .*$MISSING" "$CALLS" 2>/dev/null; }

# 1. The test command.
interrupted_state
stub_says_missing() { ! PATH="$STUBS:$PATH" dpkg-query -W "$MISSING" >/dev/null 2>&1; }
check "the stub reports $MISSING missing" stub_says_missing
rm -f "$CALLS"
status=0
run_in_copy "$TMP/test.out" bash scripts/test.sh --check skip-seen || status=$?
tail -n 6 "$TMP/test.out" | sed 's/^/  | /'
check "test.sh passes from an interrupted configure (exit $status)" test "$status" -eq 0
check "test.sh ends with its totals" grep -qE '^1 passed, 0 failed$' "$TMP/test.out"
check "test.sh called apt-get install for $MISSING" installed_missing
check "test.sh configured the interrupted build (build.ninja is back)" \
  test -f "$CLONE/build/libfuzzer-asan/build.ninja"

# 2. The main command.
interrupted_state
status=0
run_in_copy "$TMP/fuzz.out" bash scripts/fuzz.sh --time 10 || status=$?
tail -n 8 "$TMP/fuzz.out" | sed 's/^/  | /'
check "fuzz.sh succeeds from an interrupted configure (exit $status)" test "$status" -eq 0
check "fuzz.sh called apt-get install for $MISSING" installed_missing
check "fuzz.sh said it configured the interrupted build afresh" grep -q 'afresh' "$TMP/fuzz.out"
check "fuzz.sh printed its findings table" grep -q '^known as' "$TMP/fuzz.out"
reports=$(find "$CLONE/findings" -name report.txt 2>/dev/null | wc -l)
check "fuzz.sh wrote findings/ ($reports finding(s) with a report)" test "$reports" -gt 0

checks_done fresh_machine_test
