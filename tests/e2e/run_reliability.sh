#!/usr/bin/env bash
# Runs that must not lose or corrupt work: the same seed gives byte-identical draws across runs
# and thread counts (the files differ only in the Elapsed Time lines); SIGINT mid-run keeps whole
# rows, says so, and exits 130 (SIGTERM 143); a second SIGINT keeps them too; a full disk
# (/dev/full) is a clear error, not a crash.  tests/e2e/run_stops.sh has the finer cases.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
M=(examples/eight_schools.gb --data examples/eight_schools.json)

# reproducibility: threads 1 and 2, and a second run, byte for byte
for t in 1 2; do
    mkdir -p "$tmp/t$t"
    "$GB" run "${M[@]}" --seed 7 --threads $t --warmup 300 --draws 300 --quiet \
        --output "$tmp/draws.csv" > /dev/null 2>&1 && mv "$tmp"/draws_*.csv "$tmp/t$t/"
done
# the files without their three timing lines (" seconds (Warm-up)" ...), which vary
same_draws() { cmp -s <(grep -v ' seconds (' "$1") <(grep -v ' seconds (' "$2"); }
same=1
for c in 1 2 3 4; do same_draws "$tmp/t1/draws_$c.csv" "$tmp/t2/draws_$c.csv" || same=0; done
[ -s "$tmp/t1/draws_1.csv" ] && [ $same = 1 ] && ok || bad "draws differ between --threads 1 and 2"
"$GB" run "${M[@]}" --seed 7 --threads 2 --warmup 300 --draws 300 --quiet \
    --output "$tmp/draws.csv" > /dev/null 2>&1
same_draws "$tmp/draws_3.csv" "$tmp/t1/draws_3.csv" && ok || bad "draws differ between two runs"
"$GB" run "${M[@]}" --seed 8 --threads 2 --warmup 300 --draws 300 --quiet \
    --output "$tmp/draws.csv" > /dev/null 2>&1
same_draws "$tmp/draws_3.csv" "$tmp/t1/draws_3.csv" && bad "another seed gives the same draws" || ok

# whole rows only: every data row has as many cells as the header
rows_whole() {
    awk -F, '/^#/ { next } !h { h = NF; next } NF != h { bad = 1 } END { exit bad || !h }' "$1"
}

# SIGINT (and SIGTERM) mid-run
for sig in INT TERM; do
    want=$([ $sig = INT ] && echo 130 || echo 143)
    rm -f "$tmp"/long*.csv
    "$GB" run "${M[@]}" --chains 2 --warmup 100 --draws 10000000 --quiet \
        --output "$tmp/long.csv" > "$tmp/out" 2> "$tmp/err" &
    pid=$!
    # wait (up to 2 minutes on a loaded machine) until draws are being written
    for _ in $(seq 1200); do
        [ "$(cat "$tmp"/long_1.csv.tmp-* 2>/dev/null | grep -vc '^#')" -gt 20 ] 2>/dev/null &&
            [ "$(cat "$tmp"/long_2.csv.tmp-* 2>/dev/null | grep -vc '^#')" -gt 20 ] 2>/dev/null && break
        sleep 0.1
    done
    kill -$sig $pid; wait $pid; rc=$?
    if [ $rc = $want ] && rows_whole "$tmp/long_1.csv" && rows_whole "$tmp/long_2.csv" &&
        grep -q '^# interrupted' "$tmp/long_1.csv" && grep -q '^lp__' "$tmp/out" &&
        ! ls "$tmp"/*.tmp-* > /dev/null 2>&1; then ok
    else bad "SIG$sig: exit $rc (want $want), files: $(ls "$tmp")"; cat "$tmp/err"; fi
done

# a second SIGINT right after the first keeps the draws (it may only skip the summary)
rm -f "$tmp"/long*.csv*
"$GB" run "${M[@]}" --chains 2 --warmup 100 --draws 10000000 --quiet \
    --output "$tmp/long.csv" > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1200); do ls "$tmp"/long_1.csv.tmp-* > /dev/null 2>&1 && break; sleep 0.1; done
kill -INT $pid; kill -INT $pid; wait $pid; rc=$?
if [ $rc = 130 ] && rows_whole "$tmp/long_1.csv" && rows_whole "$tmp/long_2.csv" &&
    ! ls "$tmp"/long*.tmp-* > /dev/null 2>&1; then ok
else bad "second SIGINT: exit $rc, files: $(ls "$tmp")"; fi

# a full disk
"$GB" run "${M[@]}" --chains 1 --warmup 50 --draws 50 --quiet --output /dev/full \
    > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc = 1 ] && grep -q 'No space left on device' "$tmp/err"; then ok
else bad "/dev/full: exit $rc"; cat "$tmp/err"; fi

# an output directory that does not exist
"$GB" run "${M[@]}" --chains 1 --warmup 50 --draws 50 --quiet --output /nonexistent/d.csv \
    > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc = 1 ] && grep -q 'cannot write the draws' "$tmp/err"; then ok
else bad "missing directory: exit $rc"; cat "$tmp/err"; fi

finish reliability
