#!/usr/bin/env bash
# Runs every test: the cmocka binaries under $BUILD/tests, the bad-input corpus (tests/bad) and
# the end-to-end scripts (tests/e2e/run_*.sh).  Prints one line per test (name, wall seconds,
# ok/FAIL) and one closing line "N passed, N failed, N skipped".
#
# JOBS tests run at once (default: the number of cores; JOBS=1 runs them one after another).
# Each writes its output to its own log, and the lines are printed in the same order whatever
# the finishing order, a failing test's output next to its line.  The tests isolate themselves
# (mktemp folders, no fixed paths or ports); the longest start first so that none is left
# running alone at the end, and the few that time themselves run alone after the others.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/.."
export GLASSBOX="$PWD/$BUILD/glassbox" GB_TEST_SHARED="${GB_TEST_SHARED:-$PWD/../shared}"
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
case $JOBS in '' | *[!0-9]* | 0) echo "tests/run.sh: JOBS is a positive number, not '$JOBS'" >&2; exit 2 ;; esac

# Started first: the longest tests by the time column (make test and make check), so the
# parallel run does not end on one of them alone.  Only the start order: not the printed one.
FIRST="tests/fault/run_fault.sh tests/e2e/run_e2e.sh tests/stat/test_examples
       tests/fuzz/run_fuzz.sh tests/stat/test_mixture tests/stat/test_priors
       tests/e2e/run_draws_hash.sh tests/e2e/run_draws_hash_fisher.sh tests/stdlib/test_tree_prior
       tests/runtime/sampler/test_run tests/e2e/run_predict_tree.sh tests/bad/run_bad.sh"
# Run alone, after every other test: they time themselves (a page's rendering in Chromium).
ALONE="tests/e2e/run_browser.sh"

names=()
for t in $(find "$BUILD/tests" -type f -name 'test_*' ! -name '*.d' ! -name '*.o' | sort); do
    names+=("$t")
done
for s in tests/*/run_*.sh; do
    [ -f "$s" ] || continue
    case $s in tests/bench/*) continue ;; esac # make bench runs those
    names+=("$s")
done

out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

# run_one I: runs test I, its output in $out/I.log, then "exit-code seconds" in $out/I.done
run_one() {
    local t=${names[$1]} t0 t1 rc
    t0=$(date +%s.%N)
    case $t in
        *.sh) bash "$t" >"$out/$1.log" 2>&1 ;;
        *) "$t" >"$out/$1.log" 2>&1 ;;
    esac
    rc=$?; t1=$(date +%s.%N)
    # awk, not bc: bc is not on a fresh Debian machine
    echo "$rc $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" >"$out/$1.tmp" &&
        mv "$out/$1.tmp" "$out/$1.done"
}

# the start order: FIRST, then the rest in name order, then ALONE
order=() alone=()
for f in $FIRST; do
    for i in "${!names[@]}"; do
        t=${names[$i]#"$BUILD/"}
        [ "$t" = "$f" ] && order+=("$i")
    done
done
for i in "${!names[@]}"; do
    t=${names[$i]#"$BUILD/"}
    case " $(echo $FIRST) " in *" $t "*) continue ;; esac
    case " $ALONE " in *" $t "*) alone+=("$i"); continue ;; esac
    order+=("$i")
done

# the scheduler, in the background: at most JOBS tests at once, then ALONE one at a time
(
    running=0
    for i in "${order[@]}"; do
        if [ $running -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
        run_one "$i" &
        running=$((running + 1))
    done
    wait
    for i in ${alone[@]+"${alone[@]}"}; do run_one "$i"; done
) &
sched=$!
# on exit or interruption, end the scheduler and what it started: background jobs of a script
# ignore SIGINT, so a Ctrl-C would otherwise leave them running
kill_tree() {
    local c
    # pgrep (procps) may be absent on a fresh machine: then only the scheduler is stopped
    if command -v pgrep >/dev/null; then
        for c in $(pgrep -P "$1"); do kill_tree "$c"; done
    fi
    kill -TERM "$1" 2>/dev/null
}
trap 'kill_tree $sched; rm -rf "$out"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass=0 fail=0 skip=0 failed=()
# count_cmocka NAME LOG RC
count_cmocka() {
    local p f s
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$2" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$2" | tail -1)
    s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$2" | tail -1)
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0})); skip=$((skip + ${s:-0}))
    if [ "$3" != 0 ] && [ "${f:-0}" = 0 ]; then fail=$((fail + 1)); fi
    if [ "$3" != 0 ]; then failed+=("$1"); sed 's/^/    /' "$2"; fi
}

# the report, in name order, each line as soon as its test and those before it are done
for i in "${!names[@]}"; do
    t=${names[$i]} log=$out/$i.log
    until [ -f "$out/$i.done" ]; do
        kill -0 $sched 2>/dev/null || [ -f "$out/$i.done" ] || { echo "tests/run.sh: $t never ran" >&2; break; }
        sleep 0.2
    done
    rc=1 secs=0; [ -f "$out/$i.done" ] && read -r rc secs <"$out/$i.done"
    case $t in
        *.sh)
            # driver scripts print their own "N passed, N failed" line
            line=$(grep -E '^[a-z_ ()-]*:? ?[0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null | tail -1)
            p=$(echo "$line" | sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p')
            f=$(echo "$line" | sed -n 's/.*passed, \([0-9][0-9]*\) failed.*/\1/p')
            pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
            if [ "$rc" != 0 ]; then
                [ "${f:-0}" = 0 ] && fail=$((fail + 1))
                failed+=("$t"); sed 's/^/    /' "$log" 2>/dev/null | tail -60
            fi
            printf '%-48s %7.1fs %s\n' "$t" "$secs" "$([ "$rc" = 0 ] && echo ok || echo FAIL) ${line}"
            ;;
        *)
            printf '%-48s %7.1fs %s\n' "${t#"$BUILD/"}" "$secs" "$([ "$rc" = 0 ] && echo ok || echo FAIL)"
            count_cmocka "$t" "$log" "$rc"
            ;;
    esac
done
wait $sched

if [ ${#failed[@]} -gt 0 ]; then echo "failing: ${failed[*]}"; fi
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
