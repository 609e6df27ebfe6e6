#!/usr/bin/env bash
# run_target_output.sh - a `target +=` statement's node (target@LINE:COL, observed, value 0) is
# no output: it has no variate to replicate, and its term is already in lp__.  So neither run's
# summary nor summary's, nor predict's draws file or printed summary, shows it, while the data's
# `~` replicates (y.1 ..) stay.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
printf 'data y: real[N]\nmu ~ normal(0, 10)\ny ~ normal(mu, 1)\ntarget += -mu^2 / 8\n' \
    > "$tmp/t.gb"
printf '{"N": 3, "y": [0.5, 1.2, -0.3]}\n' > "$tmp/t.json"
if "$GB" run "$tmp/t.gb" --data "$tmp/t.json" --chains 2 --warmup 100 --draws 100 --seed 3 \
    --output "$tmp/d.csv" > "$tmp/run.out" 2>&1 && grep -q '^mu ' "$tmp/run.out" &&
    ! grep -q 'target@' "$tmp/run.out"; then ok
else bad "run's summary: $(cat "$tmp/run.out")"; fi
if "$GB" summary "$tmp"/d_[12].csv > "$tmp/sum.out" 2>&1 && grep -q '^mu ' "$tmp/sum.out" &&
    ! grep -q 'target@' "$tmp/sum.out"; then ok
else bad "summary: $(cat "$tmp/sum.out")"; fi
if "$GB" predict "$tmp/t.gb" --data "$tmp/t.json" --draws "$tmp"/d_[12].csv --seed 4 \
    --output "$tmp/p.csv" > "$tmp/p.out" 2>&1; then ok; else bad "predict: $(cat "$tmp/p.out")"; fi
header=$(grep -v '^#' "$tmp/p.csv" | head -1)
if [ "$header" = "lp__,y.1,y.2,y.3,mu" ]; then ok; else bad "predict's columns: $header"; fi
if grep -q '^y\.1 ' "$tmp/p.out" && ! grep -q 'target@' "$tmp/p.out"; then ok
else bad "predict's summary: $(cat "$tmp/p.out")"; fi
finish target-output
