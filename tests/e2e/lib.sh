# shellcheck shell=bash
# lib.sh - what the end-to-end scripts (tests/e2e/run_*.sh) share; each sources it first:
#   . "$(dirname "$0")/lib.sh"
# It stops on unset variables, moves to the project root, and sets GB (the binary tested:
# $GLASSBOX, which tests/run.sh exports, or build/glassbox), tmp (a folder removed on exit) and
# the counters that ok and bad keep; finish prints the closing line that tests/run.sh reads.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck disable=SC2034 # GB is for the scripts that source this file
GB=${GLASSBOX:-build/glassbox}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# finish NAME: prints "NAME: N passed, N failed"; fails when any check did.
finish() { echo "$1: $pass passed, $fail failed"; [ "$fail" = 0 ]; }
