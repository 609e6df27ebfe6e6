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

# RMSE of a continuous outcome: the posterior mean prediction m x* against y*.  The mean of
# 4000 replicates has a Monte Carlo error near sqrt(1 + v x*^2) / sqrt(4000) = 0.02 a row;
# 0.05 on the RMSE is several of them
rmse=$(python3 - "$tmp/tr.json" "$tmp/te.json" <<'PY2'
import json, math, sys
tr, te = (json.load(open(p)) for p in sys.argv[1:3])
v = 1 / (1 / 25 + sum(x * x for x in tr["x"]))
m = v * sum(x * y for x, y in zip(tr["x"], tr["y"]))
print(math.sqrt(sum((y - m * x) ** 2 for x, y in zip(te["x"], te["y"])) / len(te["x"])))
PY2
)
if "$GB" compare "$tmp/a.gb" "$tmp/b.gb" --data "$tmp/tr.json" --test "$tmp/te.json" \
    --seed 3 >"$tmp/out" 2>&1 &&
    awk -v w="$rmse" '$1 ~ /a\.gb$/ { d = $10 - w; good = $9 == "-" && d < 0.05 && d > -0.05 }
                      END { exit !good }' "$tmp/out"
then ok; else bad "rmse of a.gb is not the analytic $rmse"; cat "$tmp/out"; fi

# --map has one draw: its prediction is the mean of many replicates at that point (the MAP b
# is the posterior mean m here), so its RMSE is the analytic one too, not one replicate's
if "$GB" compare "$tmp/a.gb" "$tmp/b.gb" --data "$tmp/tr.json" --test "$tmp/te.json" --map \
    >"$tmp/out" 2>&1 &&
    awk -v w="$rmse" '$1 ~ /a\.gb$/ { d = $10 - w; good = d < 0.05 && d > -0.05 }
                      END { exit !good }' "$tmp/out"
then ok; else bad "--map: rmse of a.gb is not the analytic $rmse"; cat "$tmp/out"; fi

# --kfold N with N rows holds out each row once, whatever the folds: elpd_kfold is then the
# exact leave-one-out sum of log p(y_i | y_-i), and the RMSE that of m_-i x_i; both analytic
want=$(python3 - "$tmp/tr.json" <<'PY2'
import json, math, sys
tr = json.load(open(sys.argv[1]))
n, lpd, se = len(tr["x"]), 0, 0
for i in range(n):
    xs = [x for j, x in enumerate(tr["x"]) if j != i]
    ys = [y for j, y in enumerate(tr["y"]) if j != i]
    v = 1 / (1 / 25 + sum(x * x for x in xs))
    m = v * sum(x * y for x, y in zip(xs, ys))
    x, y = tr["x"][i], tr["y"][i]
    lpd += -0.5 * math.log(2 * math.pi * (1 + v * x * x)) - (y - m * x) ** 2 / (2 * (1 + v * x * x))
    se += (y - m * x) ** 2
print(lpd, math.sqrt(se / n))
PY2
)
if "$GB" compare "$tmp/a.gb" "$tmp/b.gb" --data "$tmp/tr.json" --kfold 8 --seed 5 \
    >"$tmp/out" 2>&1 &&
    awk -v w="$want" 'BEGIN { split(w, t, " ") }
        $1 ~ /a\.gb$/ { d = $2 - t[1]; e = $7 - t[2]
                        good = $4 == 0 && d < 0.1 && d > -0.1 && e < 0.05 && e > -0.05 }
        $1 ~ /b\.gb$/ { worse = $4 < -1 && $5 > 0 }
        END { exit !(good && worse) }' "$tmp/out"
then ok; else bad "--kfold 8: elpd_kfold and rmse of a.gb are not the analytic $want"; cat "$tmp/out"; fi

# the folds are seeded and the same for every model: the same command twice prints the same
# table, and a class outcome's folds hold each class evenly (accuracy is reported, rmse not)
echo '{"N": 12, "x": [-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, -3, 3, -2.5, 2.5],
       "z": [0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1]}' > "$tmp/kf.json"
for i in 1 2; do
    "$GB" compare "$tmp/c.gb" "$tmp/d.gb" --data "$tmp/kf.json" --kfold 3 --seed 9 \
        --chains 2 --warmup 300 --draws 500 >"$tmp/kf$i" 2>&1
done
if cmp -s "$tmp/kf1" "$tmp/kf2" &&
    awk '$1 ~ /c\.gb$/ { c = $6 == 1 && $7 == "-" } $1 ~ /d\.gb$/ { d = $6 <= 0.5 && $4 < 0 }
         /stratified by class/ { s = 1 } END { exit !(c && d && s) }' "$tmp/kf1"
then ok; else bad "--kfold 3 on classes: seeded, accuracy 1 for the separable logistic model"
    cat "$tmp/kf1" "$tmp/kf2"; fi
# a class with fewer rows than folds is noted (some folds hold none of it) and the table made
echo '{"N": 8, "x": [-2, -1, 1, 2, -3, 3, 0.5, -0.5], "z": [0, 0, 1, 1, 0, 1, 2, 2]}' \
    > "$tmp/few.json"
printf 'data x: real[N]\ndata z: int[N]\np ~ beta(1, 1)\nz ~ binomial(2, p)\n' > "$tmp/e.gb"
if "$GB" compare "$tmp/e.gb" "$tmp/e.gb" --data "$tmp/few.json" --kfold 3 --chains 1 \
    --warmup 100 --draws 100 >"$tmp/out" 2>"$tmp/err" &&
    grep -q "note: class 2 of 'z' has 2 rows, fewer than the 3 folds" "$tmp/err"
then ok; else bad "--kfold: a class with fewer rows than folds is noted"; cat "$tmp/out" "$tmp/err"; fi

finish compare
