#!/usr/bin/env bash
# run_compare_tree_params.sh - compare's params column for a tree is no count of its fitted
# values (one per row and class: 362 for iris_tree on 120 flowers), but the posterior mean number
# of leaves times a leaf's free values: K - 1 class probabilities for a classifier, 1 mean for a
# regressor (plus its sigma).  The leaves' mean is read independently from run's draws of
# t.leaves with the same seed and settings (compare's fit is run's), to the 0.1 compare prints.
# A plain model keeps its count of parameter elements.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
cfg=(--chains 2 --warmup 200 --draws 200 --seed 7)
python3 - examples/iris_tree/iris.json "$tmp" <<'PY'
import json, random, sys
d = json.load(open(sys.argv[1]))
rows = [i for i in range(len(d["species"])) if i % 5]
json.dump({"X": [d["X"][i] for i in rows], "species": [d["species"][i] for i in rows]},
          open(sys.argv[2] + "/iris.json", "w"))
random.seed(1)
x = [[random.uniform(0, 1), random.uniform(0, 1)] for i in range(60)]
y = [(2.0 if r[0] > 0.5 else 0.0) + random.gauss(0, 0.3) for r in x]
json.dump({"X": x, "y": y}, open(sys.argv[2] + "/reg.json", "w"))
PY
printf 'import tree\ndata X: real[N, P]\ndata y: real[N]\nt = tree.regressor(X, y)\n' \
    > "$tmp/reg.gb"
printf 'data X: real[N, P]\ndata y: real[N]\na ~ normal(0, 5)\nb: real[P] ~ normal(0, 5)\n%s\n' \
    's ~ half_normal(2)' > "$tmp/lin.gb"
printf 'y ~ normal(a + X @ b, s)\n' >> "$tmp/lin.gb"

# params of MODEL's row in compare's output FILE
params() { awk -v m="$1" '$1 == m { print $8 }' "$2"; } # no --test: column 8
# mean of t.leaves in run's draws of MODEL on DATA
leaves() {
    "$GB" run "$1" --data "$2" "${cfg[@]}" --quiet --output "$tmp/l.csv" > /dev/null 2>&1 &&
        "$GB" summary --format csv "$tmp"/l_[12].csv | awk -F, '$1 == "t.leaves" { print $2 }'
}
# check WHAT GOT EXPECTED: equal within compare's rounding to 0.1
near() {
    if awk -v g="$2" -v e="$3" 'BEGIN { d = g - e; exit !(g != "" && d <= 0.0501 && d >= -0.0501) }'
    then ok; else bad "$1: params $2, expected $3"; fi
}

c=examples/compare/iris_tree.gb
if "$GB" compare $c examples/compare/iris_softmax.gb --data "$tmp/iris.json" "${cfg[@]}" \
    > "$tmp/c.out" 2> "$tmp/c.err"; then
    l=$(leaves $c "$tmp/iris.json")
    near "classifier (3 classes)" "$(params $c "$tmp/c.out")" "$(awk -v l="$l" 'BEGIN { print 2 * l }')"
    near "softmax regression" "$(params examples/compare/iris_softmax.gb "$tmp/c.out")" 10
else bad "compare iris: $(cat "$tmp/c.err")"; fi
if "$GB" compare "$tmp/reg.gb" "$tmp/lin.gb" --data "$tmp/reg.json" "${cfg[@]}" \
    > "$tmp/r.out" 2> "$tmp/r.err"; then
    l=$(leaves "$tmp/reg.gb" "$tmp/reg.json")
    near "regressor" "$(params "$tmp/reg.gb" "$tmp/r.out")" "$(awk -v l="$l" 'BEGIN { print l + 1 }')"
    near "linear regression" "$(params "$tmp/lin.gb" "$tmp/r.out")" 4
else bad "compare regression: $(cat "$tmp/r.err")"; fi
finish compare-tree-params
