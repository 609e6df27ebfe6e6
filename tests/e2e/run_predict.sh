#!/usr/bin/env bash
# glassbox predict end to end, on the component example (a regression inside a component):
#   - on the training data, the posterior means of the deterministic nodes that do not depend
#     on the observed y (fit.mu.*) are those of run's draws, within 4 MCSE (run's MCSE);
#   - each replicate y.i has mean fit.mu.i within z MCSE of its own draws (z = 4.5 over 100
#     checks: a false alarm about 7e-4 by Bonferroni);
#   - the same seed gives the same file, another seed another one;
#   - --new with other sizes predicts at the new rows: fit.mu at the new X is alpha + X beta,
#     draw by draw, and the file has one y column per new row.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

m=examples/component.gb d=examples/component.json
if ! "$GB" run "$m" --data "$d" --seed 5 --quiet --output "$tmp/fit.csv" > /dev/null 2>&1; then
    bad "run failed"; finish predict; exit 1
fi
draws=("$tmp"/fit_[1-4].csv)
"$GB" predict "$m" --data "$d" --draws "${draws[@]}" --seed 9 --quiet --output "$tmp/p.csv" \
    > "$tmp/p.out" 2>&1 || bad "predict failed: $(cat "$tmp/p.out")"
"$GB" summary --format csv "${draws[@]}" > "$tmp/run.sum" 2>/dev/null
"$GB" summary --format csv "$tmp/p.csv" > "$tmp/p.sum" 2>/dev/null

# deterministic nodes: predict's means against run's, within 4 of run's MCSE
out=$(awk -F, 'NR == FNR { m[$1] = $2; se[$1] = $4; next }
    $1 ~ /^fit\.mu\./ { n++; d = $2 - m[$1]; if (d < 0) d = -d
        if (!($1 in m) || d > 4 * se[$1]) print $1 " " $2 " vs run " m[$1] " (mcse " se[$1] ")" }
    END { if (n != 100) print "fit.mu columns: " n }' "$tmp/run.sum" "$tmp/p.sum")
if [ -z "$out" ]; then ok; else bad "means of deterministic nodes: $out"; fi

# replicates: mean of y.i against the mean of fit.mu.i
out=$(awk -F, '$1 ~ /^fit\.mu\./ { i = substr($1, 8); mu[i] = $2; next }
    $1 ~ /^y\./ { i = substr($1, 3); y[i] = $2; se[i] = $4 }
    END { for (i in y) { n++; d = y[i] - mu[i]; if (d < 0) d = -d
              if (!(i in mu) || d > 4.5 * se[i]) print "y." i " " y[i] " vs mu " mu[i] " (mcse " se[i] ")" }
          if (n != 100) print "y columns: " n }' "$tmp/p.sum")
if [ -z "$out" ]; then ok; else bad "replicates: $out"; fi

# seeded
"$GB" predict "$m" --data "$d" --draws "${draws[@]}" --seed 9 --quiet --output "$tmp/p2.csv"
"$GB" predict "$m" --data "$d" --draws "${draws[@]}" --seed 10 --quiet --output "$tmp/p3.csv"
if cmp -s "$tmp/p.csv" "$tmp/p2.csv"; then ok; else bad "the same seed gave another file"; fi
if ! cmp -s "$tmp/p.csv" "$tmp/p3.csv"; then ok; else bad "another seed gave the same file"; fi

# new data with other sizes: fit.mu at the new X, draw by draw
printf '{"N": 3, "X": [[0, 0, 0], [1, 0, 0], [0.5, -1, 2]]}\n' > "$tmp/new.json"
if "$GB" predict "$m" --data "$d" --draws "${draws[@]}" --new "$tmp/new.json" --quiet \
    --output "$tmp/n.csv" > "$tmp/n.out" 2>&1; then
    out=$(awk -F, '/^#/ { next } !h { for (k = 1; k <= NF; k++) c[$k] = k; h = 1
            if (!("y.3" in c) || ("y.4" in c)) print "y columns wrong: " $0; next }
        { rows++
          for (r = 1; r <= 3; r++) {
              x1 = r == 1 ? 0 : r == 2 ? 1 : 0.5; x2 = r == 3 ? -1 : 0; x3 = r == 3 ? 2 : 0
              want = $c["fit_alpha"] + x1 * $c["fit_beta.1"] + x2 * $c["fit_beta.2"] + x3 * $c["fit_beta.3"]
              got = $c["fit_mu." r]; d = got - want; if (d < 0) d = -d
              if (d > 1e-6 * (1 + (want < 0 ? -want : want))) { print "row " rows " mu." r " " got " vs " want; exit } } }
        END { if (rows != 4000) print "rows: " rows }' "$tmp/n.csv")
    if [ -z "$out" ]; then ok; else bad "new data: $out"; fi
else
    bad "predict --new failed: $(cat "$tmp/n.out")"
fi
# a data-scaled prior (regression.linear: alpha ~ normal(mean(y), ...)) with new rows: the
# observed y and counts are drawn at the new size, and N follows the new X
t=tests/fault/tiny.gb td=tests/fault/tiny.json
"$GB" run $t --data $td --chains 2 --warmup 50 --draws 50 --seed 3 --quiet \
    --output "$tmp/tiny.csv" > /dev/null 2>&1
printf '{"X": [[0, 0], [1, 1]]}\n' > "$tmp/tnew.json"
if "$GB" predict $t --data $td --draws "$tmp"/tiny_[12].csv --new "$tmp/tnew.json" --quiet \
    --output "$tmp/tp.csv" > "$tmp/tp.out" 2>&1 &&
    head -20 "$tmp/tp.csv" | grep -q '^lp__,y\.1,y\.2,counts\.1,counts\.2,'; then ok
else bad "predict with a data-scaled prior: $(cat "$tmp/tp.out"; grep lp__ "$tmp/tp.csv")"; fi
# run --prior's exact draws are no sampler's: the CSV header says algorithm = fixed_param (as
# CmdStan does for draws no MCMC made), with no hmc, engine, metric or adaptation lines
if "$GB" run examples/coin.gb --data examples/coin.json --prior --chains 1 --draws 20 --quiet \
    --output "$tmp/prior.csv" > /dev/null 2>&1 &&
    grep -q '^#     algorithm = fixed_param$' "$tmp/prior.csv" &&
    ! grep -q 'hmc\|engine\|metric\|Adaptation\|Step size' "$tmp/prior.csv"; then ok
else bad "run --prior header: $(grep '^#' "$tmp"/prior*.csv)"; fi
finish predict
