#!/usr/bin/env bash
# Runs that stop early keep what they made and say so (issue 22, cases 1, 2, 3, 9, 12):
#   - two SIGINTs 0 ms apart (what `timeout -s INT` sends) keep the draws and print the summary,
#     and a second SIGINT during the final write only skips the summary; no hang;
#   - interrupted chains are reported with their own counts, and an interruption during warmup
#     is one line, not a table of nan;
#   - a disk that fills (a 64 KiB tmpfs mounted here; skipped when mount is not permitted) names
#     the file and the cause, prints the summary, keeps the draws that fitted as whole rows;
#   - an output that would overwrite an input (by any name: a link, a chain's file, the streamed
#     summaries' file) is refused;
#   - every chain's file ends with CmdStan's Elapsed Time block, which rstan reads (when R and
#     rstan are installed).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
M=(examples/eight_schools.gb --data examples/eight_schools.json)

# whole rows only: every data row has as many cells as the header
rows_whole() {
    awk -F, '/^#/ { next } !h { h = NF; next } NF != h { bad = 1 } END { exit bad || !h }' "$1"
}
rows() { grep -v '^#' "$1" | tail -n +2 | wc -l; }
# waits (up to 2 minutes on a loaded machine) until FILE's temporary holds N rows
wait_rows() {
    for _ in $(seq 1200); do
        [ "$(cat "$1".tmp-* 2>/dev/null | grep -vc '^#')" -gt "$2" ] 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
# ends pid if it is still running after $2 seconds; returns 1 then (a hang)
no_hang() {
    for _ in $(seq $(($2 * 10))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$1"; return 1
}
kept_ok() { # files of a stopped run: whole rows, the interrupted note, no temporary left
    for f in "$@"; do
        rows_whole "$f" && grep -q '^# interrupted' "$f" || return 1
    done
    ! ls "$tmp"/*.tmp-* > /dev/null 2>&1
}

# two SIGINTs 0 ms apart, three times (the report saw a hang in two of three tries)
for try in 1 2 3; do
    rm -f "$tmp"/two*
    "$GB" run examples/coin.gb --data examples/coin.json --draws 5000000 --chains 2 --quiet \
        --output "$tmp/two.csv" > "$tmp/out" 2> "$tmp/err" &
    pid=$!
    wait_rows "$tmp/two_2.csv" 100
    kill -INT $pid; kill -INT $pid
    if no_hang $pid 60; then wait $pid; rc=$?; else rc=hang; fi
    if [ "$rc" = 130 ] && kept_ok "$tmp/two_1.csv" "$tmp/two_2.csv" && grep -q '^lp__' "$tmp/out"
    then ok; else bad "two SIGINTs at once (try $try): exit $rc, $(ls "$tmp")"; cat "$tmp/err"; fi
done

# the same through timeout(1), which signals the child and then its process group
rm -f "$tmp"/two*
timeout --preserve-status -s INT 3 "$GB" run examples/coin.gb --data examples/coin.json \
    --draws 5000000 --chains 2 --quiet --output "$tmp/two.csv" > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc = 130 ] && kept_ok "$tmp/two_1.csv" "$tmp/two_2.csv" && grep -q '^lp__' "$tmp/out"
then ok; else bad "timeout -s INT: exit $rc"; cat "$tmp/err"; fi

# a second SIGINT during the final write: sent the moment the closing comment appears; the
# draws are kept whole whatever the summary does
rm -f "$tmp"/two*
"$GB" run "${M[@]}" --draws 10000000 --chains 4 --threads 2 --quiet --output "$tmp/two.csv" \
    > "$tmp/out" 2> "$tmp/err" &
pid=$!
wait_rows "$tmp/two_1.csv" 100
kill -INT $pid
until grep -qs '^# interrupted' "$tmp"/two_1.csv* || ! kill -0 $pid 2>/dev/null; do :; done
kill -INT $pid 2>/dev/null
if no_hang $pid 60; then wait $pid; rc=$?; else rc=hang; fi
if [ "$rc" = 130 ] && kept_ok "$tmp"/two_[1-4].csv; then ok
else bad "second SIGINT during the final write: exit $rc, $(ls "$tmp")"; cat "$tmp/err"; fi

# counts per chain: with one thread chain 2 has not started when chain 1 is stopped
rm -f "$tmp"/cnt*
"$GB" run "${M[@]}" --draws 10000000 --chains 2 --threads 1 --output "$tmp/cnt.csv" \
    > "$tmp/out" 2> "$tmp/err" &
pid=$!
wait_rows "$tmp/cnt_1.csv" 100
kill -TERM $pid; wait $pid; rc=$?
n=$(rows "$tmp/cnt_1.csv")
if [ $rc = 143 ] && grep -q "^glassbox run: interrupted; the chains made $n/0 draws, all written$" "$tmp/err" &&
    grep -q "^glassbox run: the summary uses the first $n draws of chain 1; it leaves out chain 2 (0 draws)$" "$tmp/err" &&
    grep -q "^2 chains with $n/0 draws (of 10000000) in " "$tmp/err" && grep -q '^lp__' "$tmp/out"
then ok; else bad "per-chain counts ($n rows): exit $rc"; cat "$tmp/err"; fi

# interrupted during warmup: one line, no table
rm -f "$tmp"/wu*
"$GB" run "${M[@]}" --warmup 100000000 --chains 2 --quiet --output "$tmp/wu.csv" \
    > "$tmp/out" 2> "$tmp/err" &
pid=$!
for _ in $(seq 1200); do ls "$tmp"/wu_2.csv.tmp-* > /dev/null 2>&1 && break; sleep 0.1; done
sleep 0.5
kill -INT $pid; wait $pid; rc=$?
if [ $rc = 130 ] && [ "$(wc -l < "$tmp/err")" = 1 ] && [ ! -s "$tmp/out" ] &&
    grep -q '^glassbox run: interrupted during warmup (iterations done per chain: [0-9]*/[0-9]* of 100000000): no draws to summarise$' "$tmp/err"
then ok; else bad "interrupted during warmup: exit $rc"; cat "$tmp/err" "$tmp/out"; fi

# a disk that fills during the run
mkdir -p "$tmp/small"
if mount -t tmpfs -o size=64k tmpfs "$tmp/small" 2> /dev/null; then
    trap 'umount "$tmp/small" 2>/dev/null; rm -rf "$tmp"' EXIT
    "$GB" run "${M[@]}" --chains 2 --draws 5000 --output "$tmp/small/d.csv" \
        > "$tmp/out" 2> "$tmp/err"; rc=$?
    full=$(grep -c "^error: cannot write the draws to $tmp/small/d_[12].csv: No space left on device" "$tmp/err")
    good=1
    for f in "$tmp"/small/d_1.csv "$tmp"/small/d_2.csv; do
        rows_whole "$f" || good=0
        # a file that filled says how many draws it keeps: exactly its rows
        k=$(sed -n "s|^error: cannot write the draws to $f: .*keeps the \([0-9]*\) draws.*|\1|p" "$tmp/err")
        [ -z "$k" ] || [ "$k" = "$(rows "$f")" ] || good=0
    done
    kept=$(($(rows "$tmp/small/d_1.csv") + $(rows "$tmp/small/d_2.csv")))
    if [ $rc = 1 ] && [ "$full" -ge 1 ] && [ $good = 1 ] && [ $kept -gt 0 ] &&
        grep -q '^lp__' "$tmp/out" && ! ls "$tmp"/small/*.tmp-* > /dev/null 2>&1
    then ok; else bad "full disk: exit $rc"; cat "$tmp/err"; ls -l "$tmp/small"; fi
    umount "$tmp/small"
else
    echo "skip: a full disk needs mount -t tmpfs (not permitted here)"
fi

# an output that would overwrite an input, by another name
cp examples/eight_schools.json "$tmp/in_3.json"; ln -s in_3.json "$tmp/link.json"
"$GB" run examples/eight_schools.gb --data "$tmp/link.json" --chains 3 --output "$tmp/in.json" \
    > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc = 2 ] && cmp -s "$tmp/in_3.json" examples/eight_schools.json &&
    grep -q "would overwrite the input file $tmp/link.json (the run writes $tmp/in_3.json)" "$tmp/err"
then ok; else bad "output onto a linked input: exit $rc"; cat "$tmp/err"; fi
printf 'data x: real[N]\nmu ~ normal(0, 1)\nx ~ normal(mu, 1)\nbig = [x[i] * mu for i in 1..N]\n' > "$tmp/big.gb"
{ echo x; seq 1 1200 | awk '{ printf "%.3f\n", sin($1) }'; } > "$tmp/o_stream.csv"
cp "$tmp/o_stream.csv" "$tmp/o_stream.saved"
"$GB" run "$tmp/big.gb" --data "$tmp/o_stream.csv" --chains 1 --output "$tmp/o.csv" \
    > /dev/null 2> "$tmp/err"; rc=$?
if [ $rc = 2 ] && cmp -s "$tmp/o_stream.csv" "$tmp/o_stream.saved" && [ ! -e "$tmp/o.csv" ] &&
    grep -q "would overwrite the input file $tmp/o_stream.csv" "$tmp/err"
then ok; else bad "output onto the data through the streamed file: exit $rc"; cat "$tmp/err"; fi

# CmdStan's closing block, exactly: blank comment, three times, blank comment
rm -f "$tmp"/el*
"$GB" run "${M[@]}" --chains 2 --warmup 100 --draws 100 --quiet --output "$tmp/el.csv" > /dev/null 2>&1
if tail -5 "$tmp/el_2.csv" | awk '
    NR == 1 || NR == 5 { ok += $0 == "# " }
    NR == 2 { ok += $0 ~ /^#  Elapsed Time: [0-9.e+-]+ seconds \(Warm-up\)$/ }
    NR == 3 { ok += $0 ~ /^#                [0-9.e+-]+ seconds \(Sampling\)$/ }
    NR == 4 { ok += $0 ~ /^#                [0-9.e+-]+ seconds \(Total\)$/ }
    END { exit ok != 5 }'
then ok; else bad "Elapsed Time block"; tail -6 "$tmp/el_2.csv"; fi
if command -v Rscript > /dev/null && Rscript -e 'library(rstan)' > /dev/null 2>&1; then
    # warn = 2: rstan's "line with Elapsed Time not found" warning fails the check
    if Rscript -e 'suppressMessages(library(rstan)); options(warn = 2)
        t <- get_elapsed_time(read_stan_csv(commandArgs(TRUE)))
        stopifnot(identical(dim(t), c(2L, 2L)), all(is.finite(t)), all(t >= 0))' \
        "$tmp/el_1.csv" "$tmp/el_2.csv" > "$tmp/r" 2>&1
    then ok; else bad "rstan reads the elapsed time"; cat "$tmp/r"; fi
else
    echo "skip: rstan is not installed"
fi

finish stops
