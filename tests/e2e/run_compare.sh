#!/usr/bin/env bash
# compare end to end: the held-out log predictive density of a conjugate regression matches the
# analytic predictive density (log of the mean density, not the mean log density), and with
# --map the plug-in density at the MAP; the worse
# model's elpd_diff is negative against the best's 0; accuracy of a class outcome is the share
# of test rows predicted right.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

printf 'data x: real[N]\ndata y: real[N]\nb ~ normal(0, 5)\ny ~ normal(b * x, 1)\n' > "$tmp/a.gb"
printf 'data x: real[N]\ndata y: real[N]\na ~ normal(0, 5)\ny ~ normal(a, 1)\n' > "$tmp/b.gb"
cat > "$tmp/tr.json" <<'JSON'
{"N": 8, "x": [-1.2, 0.4, 0.9, -0.3, 1.7, -2.1, 0.2, 1.1],
 "y": [-2.9, 0.5, 2.2, -0.1, 3.1, -4.4, 0.9, 1.8]}
JSON
echo '{"N": 3, "x": [0.5, -1.5, 6], "y": [1.4, -2.6, 14.1]}' > "$tmp/te.json"
if "$GB" compare "$tmp/a.gb" "$tmp/b.gb" --data "$tmp/tr.json" --test "$tmp/te.json" \
    --seed 3 >"$tmp/out" 2>&1; then ok; else bad "compare a b"; cat "$tmp/out"; fi
# b | data ~ normal(m, v) with v = 1 / (1/25 + sum x^2), m = v sum x y; y* ~ normal(m x*, 1 + v x*^2)
want=$(python3 - "$tmp/tr.json" "$tmp/te.json" <<'PY'
import json, math, sys
tr, te = (json.load(open(p)) for p in sys.argv[1:3])
v = 1 / (1 / 25 + sum(x * x for x in tr["x"]))
m = v * sum(x * y for x, y in zip(tr["x"], tr["y"]))
print(sum(-0.5 * math.log(2 * math.pi * (1 + v * x * x)) - (y - m * x) ** 2 / (2 * (1 + v * x * x))
          for x, y in zip(te["x"], te["y"])))
PY
)
# x* = 6 puts much of the parameter uncertainty in the prediction: the mean of the log
# densities is then about 1 below the log of the mean.  4000 draws: the Monte Carlo error of
# the sum is a few hundredths; 0.1 is several of them
if awk -v w="$want" '$1 ~ /a\.gb$/ { d = $8 - w; good = d < 0.1 && d > -0.1 }
                     END { exit !good }' "$tmp/out"
then ok; else bad "lpd_test of a.gb is not the analytic $want"; cat "$tmp/out"; fi
if awk '$1 ~ /a\.gb$/ { a = $4 } $1 ~ /b\.gb$/ { b = $4 } END { exit !(a == 0 && b < -1) }' "$tmp/out"
then ok; else bad "elpd_diff: a best (0), b below"; cat "$tmp/out"; fi

# --map scores the MAP alone: the plug-in density at b = m, the posterior mean (and mode)
plug=$(python3 - "$tmp/tr.json" "$tmp/te.json" <<'PY'
import json, math, sys
tr, te = (json.load(open(p)) for p in sys.argv[1:3])
v = 1 / (1 / 25 + sum(x * x for x in tr["x"]))
m = v * sum(x * y for x, y in zip(tr["x"], tr["y"]))
print(sum(-0.5 * math.log(2 * math.pi) - (y - m * x) ** 2 / 2 for x, y in zip(te["x"], te["y"])))
PY
)
if "$GB" compare "$tmp/a.gb" "$tmp/b.gb" --data "$tmp/tr.json" --test "$tmp/te.json" --map \
    >"$tmp/out" 2>&1 &&
    awk -v w="$plug" '$1 ~ /a\.gb$/ { d = $8 - w; good = $2 == "-" && d < 0.01 && d > -0.01 }
                      END { exit !good }' "$tmp/out"
then ok; else bad "--map: lpd_test of a.gb is not the plug-in $plug"; cat "$tmp/out"; fi

# a class outcome: accuracy is printed and in [0, 1]; the test rows are far from the boundary
printf 'data x: real[N]\ndata z: int[N]\nb ~ normal(0, 3)\nz ~ bernoulli_logit(b * x)\n' > "$tmp/c.gb"
printf 'data x: real[N]\ndata z: int[N]\np ~ beta(1, 1)\nz ~ bernoulli(p)\n' > "$tmp/d.gb"
echo '{"N": 6, "x": [-2, -1.5, -0.5, 0.5, 1.5, 2], "z": [0, 0, 1, 0, 1, 1]}' > "$tmp/ctr.json"
echo '{"N": 4, "x": [-3, -2.5, 2.5, 3], "z": [0, 0, 1, 1]}' > "$tmp/cte.json"
if "$GB" compare "$tmp/c.gb" "$tmp/d.gb" --data "$tmp/ctr.json" --test "$tmp/cte.json" \
    >"$tmp/out" 2>&1 &&
    awk '$1 ~ /c\.gb$/ { c = $9 } $1 ~ /d\.gb$/ { d = $9 } END { exit !(c == 1 && d == 0.5) }' "$tmp/out"
then ok; else bad "accuracy: the logistic model gets all 4, the constant one 2 of 4"; cat "$tmp/out"; fi

finish compare
