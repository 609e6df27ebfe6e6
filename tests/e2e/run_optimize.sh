#!/usr/bin/env bash
# optimize end to end: the coin's MAP is its beta posterior's mode, printed on the constrained
# scale; the one-row MAP file and the Laplace draws file are CmdStan-layout CSV that summary
# reads, and so do loo and predict; a seed gives the same draws; starts that end on different
# modes are reported.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

coin=(examples/coin.gb --data examples/coin.json)
# 37 heads in 50 flips, beta(2, 2) prior: the posterior is beta(39, 15), mode 38 / 52
if "$GB" optimize "${coin[@]}" >"$tmp/out" 2>&1 &&
    awk '$1 == "theta" { d = $2 - 38 / 52; exit !(d < 1e-4 && d > -1e-4) }' "$tmp/out"
then ok; else bad "coin MAP is not 38/52"; cat "$tmp/out"; fi

if "$GB" optimize "${coin[@]}" --quiet --output "$tmp/map.csv" >"$tmp/out" 2>&1 &&
    grep -q '^# method = optimize$' "$tmp/map.csv" &&
    [ "$(grep -v '^#' "$tmp/map.csv" | head -1)" = "lp__,theta" ] &&
    [ "$(grep -vc '^#' "$tmp/map.csv")" = 2 ]
then ok; else bad "MAP file"; cat "$tmp/out" "$tmp/map.csv"; fi

for f in a b; do
    "$GB" optimize "${coin[@]}" --laplace 500 --seed 7 --output "$tmp/lap_$f.csv" >"$tmp/out_$f" 2>&1 ||
        { bad "laplace run $f"; cat "$tmp/out_$f"; }
done
if cmp -s "$tmp/lap_a.csv" "$tmp/lap_b.csv" &&
    [ "$(grep -v '^#' "$tmp/lap_a.csv" | head -1)" = "log_p__,log_g__,theta" ] &&
    "$GB" summary "$tmp/lap_a.csv" >"$tmp/out" 2>&1 && grep -q '^theta ' "$tmp/out"
then ok; else bad "Laplace draws file (same seed, same draws; summary reads it)"; cat "$tmp/out"; fi

# loo and predict read the Laplace draws as any draws file
if "$GB" loo "${coin[@]}" --draws "$tmp/lap_a.csv" >"$tmp/out" 2>&1 && grep -q '^elpd_loo' "$tmp/out" &&
    "$GB" predict "${coin[@]}" --draws "$tmp/lap_a.csv" >"$tmp/out" 2>&1 && grep -q '^flips.1 ' "$tmp/out"
then ok; else bad "loo and predict on the Laplace draws"; cat "$tmp/out"; fi

# y = 3 observed on mu^2: modes at +-sqrt(3), the positive one higher; 12 starts find both
printf 'data y: real\nmu ~ normal(0.3, 1)\ny ~ normal(mu * mu, 0.5)\n' > "$tmp/two.gb"
echo '{"y": 3}' > "$tmp/two.json"
if "$GB" optimize "$tmp/two.gb" --data "$tmp/two.json" --starts 12 >"$tmp/out" 2>"$tmp/err" &&
    grep -q 'warning: the starts disagree' "$tmp/err" &&
    awk '$1 == "mu" { exit !($2 > 1.7 && $2 < 1.75) }' "$tmp/out"
then ok; else bad "two modes: the warning and the higher mode"; cat "$tmp/out" "$tmp/err"; fi

finish optimize
