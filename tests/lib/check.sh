# Shared by the shell tests (sourced): `check DESCRIPTION COMMAND...` runs COMMAND and prints
# "ok: DESCRIPTION" or "FAIL: DESCRIPTION", counting failures; `checks_done NAME` prints the
# verdict and returns non-zero when any check failed (the test's exit status).
CHECKS_FAILED=0
check() {
  local what=$1
  shift
  if "$@"; then
    echo "ok: $what"
  else
    echo "FAIL: $what"
    CHECKS_FAILED=$((CHECKS_FAILED + 1))
  fi
}
checks_done() {
  if [[ $CHECKS_FAILED -eq 0 ]]; then
    echo "$1: all checks passed"
  else
    echo "$1: $CHECKS_FAILED check(s) failed"
  fi
  [[ $CHECKS_FAILED -eq 0 ]]
}
