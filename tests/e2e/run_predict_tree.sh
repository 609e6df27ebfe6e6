#!/usr/bin/env bash
# glassbox predict with tree components (cli_predict_tree.c): each draw's forest, read back from
# the run's STEM_tree.jsonl, evaluated at the new X.
#   - iris_tree on its training data: the posterior means of t.logp (log class probabilities)
#     are run's within 4 of run's MCSE (the forests are the draws' own, so they agree exactly
#     when the reading back is right);
#   - iris_tree with --new holding 6 training rows in another order: t.logp of new row r is,
#     draw by draw, that training row's (means equal to 1e-6);
#   - a regression tree on X: real[N, P], and BART (20 trees): the same for t.f at new rows;
#   - one new row (fewer than the minimum leaf size, which only fitting needs): row 121's;
#   - without the run's STEM_tree.jsonl: replicates at the training X come from the draws'
#     columns; new rows are refused, naming the file;
#   - a new X with another number of columns: a located error, exit 1;
#   - compare --test on an iris split (every 5th flower held out): the tree gets a real row,
#     finite held-out lpd and accuracy at least 0.8 (a tree gets about 0.95 here; chance is
#     1/3), read as rules and leaves; compare --kfold 3 likewise.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

m=examples/iris_tree/iris_tree.gb d=examples/iris_tree/iris.json
if ! "$GB" run "$m" --data "$d" --seed 5 --draws 500 --quiet --output "$tmp/fit.csv" \
    > /dev/null 2>&1; then
    bad "run failed"; finish predict_tree; exit 1
fi
draws=("$tmp"/fit_[1-4].csv)
"$GB" summary --format csv "${draws[@]}" > "$tmp/run.sum" 2>/dev/null
"$GB" predict "$m" --data "$d" --draws "${draws[@]}" --quiet --output "$tmp/p.csv" \
    > "$tmp/p.out" 2>&1 || bad "predict failed: $(cat "$tmp/p.out")"
"$GB" summary --format csv "$tmp/p.csv" > "$tmp/p.sum" 2>/dev/null
out=$(awk -F, 'NR == FNR { m[$1] = $2; se[$1] = $4; next }
    $1 ~ /^t\.logp\./ { n++; d = $2 - m[$1]; if (d < 0) d = -d
        if (!($1 in m) || d > 4 * se[$1]) print $1 " " $2 " vs run " m[$1] " (mcse " se[$1] ")" }
    END { if (n != 450) print "t.logp columns: " n }' "$tmp/run.sum" "$tmp/p.sum")
if [ -z "$out" ]; then ok; else bad "training data: $out"; fi

# new rows: training rows 120, 3, 77, 51, 101, 9 (all three species), in that order
rows="120 3 77 51 101 9"
python3 - "$d" "$tmp/new.json" $rows <<'PY'
import json, sys
x = json.load(open(sys.argv[1]))["X"]
json.dump({"X": [x[int(r) - 1] for r in sys.argv[3:]]}, open(sys.argv[2], "w"))
PY
# compare new row i's means with training row rows[i]'s; k outputs per row (names t.R.I[.K])
same_rows() { # SUMMARY_RUN SUMMARY_PRED NODE K
    awk -F, -v node="$3" -v k="$4" -v rows="$rows" '
        BEGIN { nr = split(rows, r, " ") }
        NR == FNR { m[$1] = $2; next }
        { p[$1] = $2 }
        END { for (i = 1; i <= nr; i++) for (c = 1; c <= k; c++) {
                  s = k > 1 ? "." c : ""; a = p[node "." i s]; b = m[node "." r[i] s]
                  d = a - b; if (d < 0) d = -d
                  if (a == "" || b == "" || d > 1e-6 * (1 + (b < 0 ? -b : b)))
                      print node "." i s " " a " vs training row " r[i] ": " b } }' "$1" "$2"
}
if "$GB" predict "$m" --data "$d" --draws "${draws[@]}" --new "$tmp/new.json" --quiet \
    --output "$tmp/n.csv" > "$tmp/n.out" 2>&1; then
    "$GB" summary --format csv "$tmp/n.csv" > "$tmp/n.sum" 2>/dev/null
    out=$(same_rows "$tmp/run.sum" "$tmp/n.sum" t.logp 3)
    if [ -z "$out" ]; then ok; else bad "new rows: $out"; fi
else
    bad "predict --new failed: $(cat "$tmp/n.out")"
fi

# a single new row, fewer than the tree's minimum leaf size: a prediction fits no tree
python3 - "$d" "$tmp/one.json" <<'PY'
import json, sys
json.dump({"X": [json.load(open(sys.argv[1]))["X"][120]]}, open(sys.argv[2], "w"))
PY
if "$GB" predict "$m" --data "$d" --draws "${draws[@]}" --new "$tmp/one.json" --quiet \
    --output "$tmp/one.csv" > "$tmp/one.out" 2>&1; then
    "$GB" summary --format csv "$tmp/one.csv" > "$tmp/one.sum" 2>/dev/null
    out=$(rows=121 same_rows "$tmp/run.sum" "$tmp/one.sum" t.logp 3)
    if [ -z "$out" ] && [ ! -s "$tmp/one.out" ]; then ok
    else bad "one new row: $out $(cat "$tmp/one.out")"; fi
else
    bad "predict --new with one row failed: $(cat "$tmp/one.out")"
fi

# without the records: replicates at the training X still work (from the draws' columns); new
# rows are refused, naming the missing file
mkdir "$tmp/bare" && cp "${draws[@]}" "$tmp/bare/"
if "$GB" predict "$m" --data "$d" --draws "$tmp"/bare/fit_[1-4].csv --quiet \
    > /dev/null 2>&1; then ok; else bad "predict without the records failed"; fi
"$GB" predict "$m" --data "$d" --draws "$tmp"/bare/fit_[1-4].csv --new "$tmp/new.json" \
    --quiet > /dev/null 2> "$tmp/bare.err"
rc=$?
if [ $rc = 1 ] && grep -q "^error: 't.logp' is a tree, whose draws are forests: .*/bare/fit_tree.jsonl, written by run --output, is missing" "$tmp/bare.err"; then ok
else bad "new rows without the records: exit $rc, $(cat "$tmp/bare.err")"; fi

# a regression tree on X: real[N, P], new rows and a new X of the wrong width
cat > "$tmp/reg.gb" <<'GB'
import tree
data X: real[N, P]
data y: real[N]
t = tree.regressor(X, y)
GB
python3 - "$tmp" <<'PY'
import json, random, sys
random.seed(1)
x = [[random.uniform(0, 1), random.uniform(0, 1)] for i in range(60)]
y = [(2.0 if a[0] > 0.5 else 0.0) + random.gauss(0, 0.3) for a in x]
json.dump({"X": x, "y": y}, open(sys.argv[1] + "/reg.json", "w"))
json.dump({"X": [x[int(r) - 1] for r in "12 3 44 51 40 9".split()]},
          open(sys.argv[1] + "/rnew.json", "w"))
json.dump({"X": [[0.5, 0.5, 0.5]] * 6}, open(sys.argv[1] + "/wide.json", "w"), indent=1)
PY
rows="12 3 44 51 40 9"
"$GB" run "$tmp/reg.gb" --data "$tmp/reg.json" --seed 2 --draws 300 --quiet \
    --output "$tmp/r.csv" > /dev/null 2>&1 || bad "regression tree run failed"
"$GB" summary --format csv "$tmp"/r_[1-4].csv > "$tmp/r.sum" 2>/dev/null
if "$GB" predict "$tmp/reg.gb" --data "$tmp/reg.json" --draws "$tmp"/r_[1-4].csv \
    --new "$tmp/rnew.json" --quiet --output "$tmp/rn.csv" > "$tmp/rn.out" 2>&1; then
    "$GB" summary --format csv "$tmp/rn.csv" > "$tmp/rn.sum" 2>/dev/null
    out=$(same_rows "$tmp/r.sum" "$tmp/rn.sum" t.f 1)
    if [ -z "$out" ]; then ok; else bad "regression tree, new rows: $out"; fi
else
    bad "regression tree predict --new failed: $(cat "$tmp/rn.out")"
fi
# BART: a sum of 20 trees per draw
sed 's/tree.regressor(X, y)/tree.bart(X, y, trees = 20)/' "$tmp/reg.gb" > "$tmp/bart.gb"
"$GB" run "$tmp/bart.gb" --data "$tmp/reg.json" --seed 2 --warmup 200 --draws 200 --quiet \
    --output "$tmp/b.csv" > /dev/null 2>&1 || bad "BART run failed"
"$GB" summary --format csv "$tmp"/b_[1-4].csv > "$tmp/b.sum" 2>/dev/null
if "$GB" predict "$tmp/bart.gb" --data "$tmp/reg.json" --draws "$tmp"/b_[1-4].csv \
    --new "$tmp/rnew.json" --quiet --output "$tmp/bn.csv" > "$tmp/bn.out" 2>&1; then
    "$GB" summary --format csv "$tmp/bn.csv" > "$tmp/bn.sum" 2>/dev/null
    out=$(same_rows "$tmp/b.sum" "$tmp/bn.sum" t.f 1)
    if [ -z "$out" ]; then ok; else bad "BART, new rows: $out"; fi
else
    bad "BART predict --new failed: $(cat "$tmp/bn.out")"
fi
"$GB" predict "$tmp/reg.gb" --data "$tmp/reg.json" --draws "$tmp"/r_[1-4].csv \
    --new "$tmp/wide.json" --quiet > /dev/null 2> "$tmp/w.err"
rc=$?
if [ $rc = 1 ] && grep -q "wide.json:2:2: error: the new inputs of tree 't.f' have 3 columns, but it was fitted on 2" "$tmp/w.err" &&
    grep -q '^hint: the new X needs' "$tmp/w.err"; then ok
else bad "wrong width: exit $rc, $(cat "$tmp/w.err")"; fi

python3 - "$d" "$tmp" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for name, keep in (("tr", lambda i: i % 5), ("te", lambda i: not i % 5)):
    rows = [i for i in range(len(d["species"])) if keep(i)]
    json.dump({"X": [d["X"][i] for i in rows], "species": [d["species"][i] for i in rows]},
              open(sys.argv[2] + "/" + name + ".json", "w"))
PY
tree_row() { # FILE: the tree's row has finite lpd (column LPD) and accuracy (ACC) >= 0.8
    awk -v lc="$2" -v ac="$3" '$1 == "examples/compare/iris_tree.gb" { n++
        if ($lc !~ /^-?[0-9.]+$/ || $ac < 0.8) print "lpd " $lc ", accuracy " $ac
        if ($0 !~ /t: rules and leaves/) print "readable: " $0 }
        END { if (n != 1) print "no tree row" }' "$1"
}
if "$GB" compare examples/compare/iris_tree.gb examples/compare/iris_softmax.gb     --data "$tmp/tr.json" --test "$tmp/te.json" --outcome species --chains 2 --warmup 300     --draws 300 > "$tmp/c.out" 2> "$tmp/c.err"; then
    out=$(tree_row "$tmp/c.out" 8 9)
    if [ -z "$out" ]; then ok; else bad "compare --test: $out: $(cat "$tmp/c.out")"; fi
else
    bad "compare --test failed: $(cat "$tmp/c.err")"
fi
if "$GB" compare examples/compare/iris_tree.gb examples/compare/iris_softmax.gb     --data "$d" --kfold 3 --outcome species --chains 2 --warmup 200 --draws 200     > "$tmp/k.out" 2> "$tmp/k.err"; then
    out=$(tree_row "$tmp/k.out" 2 6)
    if [ -z "$out" ]; then ok; else bad "compare --kfold: $out: $(cat "$tmp/k.out")"; fi
else
    bad "compare --kfold failed: $(cat "$tmp/k.err")"
fi
finish predict_tree
