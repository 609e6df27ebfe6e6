#!/usr/bin/env bash
# run_report.sh - the HTML report without a browser (run_browser.sh opens it in Chromium): its
# sections, what it folds or leaves out for large models, the matrices of a network drawn as
# heat maps, and its errors.
. "$(dirname "$0")/lib.sh"
m=examples/mlp_probe
"$GB" run $m.gb --data $m.json --chains 2 --warmup 60 --draws 40 --seed 2 --quiet \
    --output "$tmp/mp.csv" --report "$tmp/mp.html" > /dev/null || bad "run --report"
if python3 - "$tmp/mp.html" <<'PY'
import re, sys, xml.etree.ElementTree as ET
page = open(sys.argv[1], encoding="utf-8").read()
ids = re.findall(r'<h2 id="(\w+)"', page)
assert ids == ["model", "graph", "diagnostics", "plan", "summary", "scalars", "vectors",
               "pairs", "matrices"], ids
# net.layer[1].h is 200 x 5 and net.layer[1].W 10 x 5: both are heat maps
heat = page[page.index('id="matrices"'):]
svgs = re.findall(r"<svg\b.*?</svg>", heat, re.S)
assert len(svgs) >= 2, len(svgs)
for s in svgs:
    ET.fromstring(s)
# a node of 1,000 elements is one folded row with its first 100 elements, not 1,000 rows
assert re.search(r"<summary>net\.layer\[1\]\.h: 1000 elements", page), "no folded row"
assert "... and 900 more elements" in page
PY
then ok; else bad "mlp_probe report"; fi

# twenty scalars: trace, rank and density plots of the first 12 (lp__ and a1 .. a11), and the
# page says how many it left out
for i in $(seq 1 20); do echo "a$i ~ normal($i, 1)"; done > "$tmp/many.gb"
"$GB" run "$tmp/many.gb" --chains 2 --warmup 100 --draws 100 --quiet --output "$tmp/many.csv" \
    --report "$tmp/many.html" > /dev/null
if [ "$(grep -c '<h3>' "$tmp/many.html")" = 12 ] && grep -q '<h3>a11</h3>' "$tmp/many.html" &&
    grep -q '9 more scalars are not plotted' "$tmp/many.html"; then ok
else bad "scalar plots of twenty scalars"; fi

# the sampler plan is the one inspect prints
"$GB" inspect $m.gb --data $m.json | sed -n '/^samplers/,$p' | head -3 > "$tmp/plan"
if grep -qF "$(head -1 "$tmp/plan")" "$tmp/mp.html"; then ok; else bad "sampler plan"; fi

# report on saved draws with the data adds posterior predictive checks: the observed y against
# replicates drawn from the posterior, one plot per observed node
"$GB" report $m.gb --data $m.json --draws "$tmp"/mp_1.csv "$tmp"/mp_2.csv --output "$tmp/ppc.html"
if python3 - "$tmp/ppc.html" <<'PY'
import re, sys, xml.etree.ElementTree as ET
page = open(sys.argv[1], encoding="utf-8").read()
sec = page[page.index('<h2 id="ppc">'):page.index('<h2 id="matrices">')]
svgs = re.findall(r"<svg\b.*?</svg>", sec, re.S)
assert len(svgs) == 1, len(svgs)   # one observed node, y
root = ET.fromstring(svgs[0])
lines = [e for e in root.iter() if e.tag.endswith("polyline")]
assert len(lines) >= 40, len(lines)  # a step line per replicate, 40 of them
PY
then ok; else bad "posterior predictive checks"; fi

# a tree component's rules go into the page run --report writes
"$GB" run examples/iris_tree/iris_tree.gb --data examples/iris_tree/iris.json --chains 2 \
    --warmup 200 --draws 200 --seed 3 --quiet --report "$tmp/iris.html" > "$tmp/iris.txt"
if grep -q '<h2 id="trees">' "$tmp/iris.html" && grep -q 'most visited tree' "$tmp/iris.html" &&
    grep -q 'if petal_[a-z]* &lt;= ' "$tmp/iris.html"; then ok; else bad "tree rules in the report"; fi

# errors: a pair naming no column, files of two runs, no output
"$GB" report $m.gb --data $m.json --draws "$tmp"/mp_1.csv --output "$tmp/x.html" \
    --pairs net.sigma,nosuch 2> "$tmp/err"; rc=$?
if [ $rc = 2 ] && grep -q "'nosuch', which is not a column" "$tmp/err" && [ ! -e "$tmp/x.html" ]
then ok; else bad "--pairs nosuch: exit $rc $(cat "$tmp/err")"; fi
"$GB" run examples/coin.gb --data examples/coin.json --chains 1 --draws 50 --warmup 50 --quiet \
    --output "$tmp/coin.csv" > /dev/null
"$GB" report $m.gb --draws "$tmp"/mp_1.csv "$tmp/coin.csv" --output "$tmp/x.html" 2> "$tmp/err"
rc=$?
if [ $rc = 1 ] && grep -q 'different columns' "$tmp/err" && [ ! -e "$tmp/x.html" ]; then ok
else bad "draws of two runs: exit $rc $(cat "$tmp/err")"; fi
"$GB" report $m.gb --draws "$tmp"/mp_1.csv 2> "$tmp/err"; rc=$?
if [ $rc = 2 ] && grep -q 'give the draws' "$tmp/err"; then ok; else bad "no --output: $rc"; fi
finish report
