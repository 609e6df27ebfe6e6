#!/usr/bin/env bash
# run_hmm_forward.sh - issue 18: an HMM written with sampled states (planner: FFBS, or the forward
# algorithm with @marginalise) and the same HMM written as Stan writes it, a hand-written forward
# algorithm added with `target +=`, give the same posterior: each continuous quantity's means
# agree within 4.5 combined MCSE.  posteriordb's hmm_example (its data from ../shared; skipped,
# saying so, when absent).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
data=${GB_TEST_SHARED:-../shared}/validation/data/hmm_example-hmm_example.json
if [ ! -f "$data" ]; then echo "skipped: $data not found"; exit 0; fi
base=tests/posteriordb/hmm_example-hmm_example
printf '@marginalise z\n' | cat - $base.gb > "$tmp/summed.gb"
for v in sampled forward summed; do
    case $v in sampled) m=$base.gb ;; forward) m=$base--forward.gb ;; summed) m=$tmp/summed.gb ;; esac
    "$GB" run "$m" --data "$data" --seed 11 --quiet --output "$tmp/$v.csv" > /dev/null 2>&1 &&
        "$GB" summary --format csv "$tmp/$v"_*.csv > "$tmp/$v.sum" || bad "run $v"
done
for v in sampled summed; do
    if awk -F, 'FNR == 1 { next } NR == FNR { m[$1] = $2; e[$1] = $4; next }
        $1 ~ /^(theta1|theta2|mu)\./ { n++; z = ($2 - m[$1]) / sqrt($4 ^ 2 + e[$1] ^ 2)
            if (z < 0) z = -z; if (z > 4.5) { print $1 " z=" z; bad = 1 } }
        END { exit bad || n != 6 }' "$tmp/forward.sum" "$tmp/$v.sum"
    then ok; else bad "$v states against the hand-written forward algorithm"; fi
done
finish hmm-forward
