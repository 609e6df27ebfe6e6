#!/usr/bin/env bash
# Runs every test: the cmocka binaries under $BUILD/tests, the bad-input corpus (tests/bad) and
# the end-to-end scripts (tests/e2e/run_*.sh).  Prints one closing line "N passed, N failed".
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/.."
export GLASSBOX="$PWD/$BUILD/glassbox" GB_TEST_SHARED="${GB_TEST_SHARED:-$PWD/../shared}"
pass=0 fail=0 skip=0 failed=()

count() { # name, log file, exit code
    local p f s
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$2" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$2" | tail -1)
    s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$2" | tail -1)
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0})); skip=$((skip + ${s:-0}))
    if [ "$3" != 0 ] && [ "${f:-0}" = 0 ]; then fail=$((fail + 1)); fi
    if [ "$3" != 0 ]; then failed+=("$1"); sed 's/^/    /' "$2"; fi
}

log=$(mktemp); trap 'rm -f "$log"' EXIT
for t in $(find "$BUILD/tests" -type f -name 'test_*' ! -name '*.d' ! -name '*.o' | sort); do
    "$t" >"$log" 2>&1; rc=$?
    printf '%-48s %s\n' "${t#$BUILD/}" "$([ $rc = 0 ] && echo ok || echo FAIL)"
    count "$t" "$log" $rc
done

for s in tests/*/run_*.sh; do
    [ -f "$s" ] || continue
    case $s in tests/bench/*) continue ;; esac # make bench runs those
    bash "$s" >"$log" 2>&1; rc=$?
    # driver scripts print their own "N passed, N failed" line
    line=$(grep -E '^[a-z -]*:? ?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    p=$(echo "$line" | sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.*passed, \([0-9][0-9]*\) failed.*/\1/p')
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
    if [ $rc != 0 ]; then
        [ "${f:-0}" = 0 ] && fail=$((fail + 1))
        failed+=("$s"); sed 's/^/    /' "$log" | tail -60
    fi
    printf '%-48s %s\n' "$s" "$([ $rc = 0 ] && echo ok || echo FAIL) ${line}"
done

if [ ${#failed[@]} -gt 0 ]; then echo "failing: ${failed[*]}"; fi
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
