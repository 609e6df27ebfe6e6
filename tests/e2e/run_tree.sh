#!/usr/bin/env bash
# The tree component end to end: examples/iris_tree runs with its tree latent given to the tree
# sampler (run --explain); t.leaves and t.depth are draw columns that match the trees, and the
# tree summary's leaves and depth are theirs; a constant
# column of X gets a note and no split; a BART fit of more than 1000 rows is summarised while
# sampling, not stored (the CSV has no f columns, FILE_stream.csv has them), unless --keep names it.
. "$(dirname "$0")/lib.sh"

if "$GB" run examples/iris_tree/iris_tree.gb --data examples/iris_tree/iris.json --explain \
    --chains 2 --warmup 100 --draws 100 --quiet >"$tmp/out" 2>&1 &&
    grep -Eq '^  t\.logp +tree ' "$tmp/out" &&
    grep -A1 -E '^  t\.logp +tree ' "$tmp/out" | tail -1 |
    grep -Eq '^ {32}tempering on: 8 replicas at inverse temperatures 1 down to 0\.2$'
then ok; else bad "iris_tree: the tree sampler takes t.logp, tempered (8 replicas)"; tail -5 "$tmp/out"; fi

# the summary shows the most visited tree's rules on the petal measurements (columns 3 and 4 of
# X, named by the data's "X_names"), the inclusion proportions and the leaves' and depth's posteriors; with --output
# every kept draw's tree is one JSON line beside the draws
if "$GB" run examples/iris_tree/iris_tree.gb --data examples/iris_tree/iris.json --chains 2 \
    --warmup 200 --draws 150 --quiet --output "$tmp/iris.csv" >"$tmp/out" 2>&1 &&
    grep -q '^tree t.logp (300 draws' "$tmp/out" && grep -Eq '^  leaves +mean' "$tmp/out" &&
    grep -Eq '^  depth +mean' "$tmp/out" && grep -q '^  inclusion .* sepal_length [0-9.]* sepal_width [0-9.]* petal_length [0-9.]* petal_width ' "$tmp/out" &&
    grep -q '^  most visited tree' "$tmp/out" && grep -q '^  maximum-posterior tree' "$tmp/out" &&
    grep -E '^    (if|always)' "$tmp/out" | grep -q 'petal_\(length\|width\) <=' &&
    [ "$(wc -l < "$tmp/iris_tree.jsonl")" = 300 ] &&
    python3 - "$tmp/iris_tree.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert {(r["chain"], r["draw"]) for r in rows} == {(c, d) for c in (1, 2) for d in range(1, 151)}
assert all(r["node"] == "t.logp" and len(r["trees"]) == 1 for r in rows)
assert all(isinstance(r["logpost"], float) for r in rows)
PY
then ok; else bad "iris_tree: rules, inclusion and tree JSON lines"; tail -12 "$tmp/out"; fi

# the tree's number of leaves and depth are nodes (t.leaves, t.depth): draw columns that agree,
# draw for draw, with the trees written beside them; a BART forest's leaves are summed over its
# trees and its depth is the deepest tree's
python3 - "$tmp/fr.json" <<'PY'
import json, random, sys
random.seed(7)
X = [[random.random(), random.random(), random.random()] for _ in range(120)]
y = [3 * x[0] - 2 * (x[1] > 0.5) + random.gauss(0, 0.5) for x in X]
json.dump({"X": X, "y": y}, open(sys.argv[1], "w"))
PY
for fit in 'tree.regressor(X, y)' 'tree.bart(X, y, trees = 7)'; do
    printf 'import tree\ndata X: real[N, 3]\ndata y: real[N]\nt = %s\n' "$fit" >"$tmp/fr.gb"
    if "$GB" run "$tmp/fr.gb" --data "$tmp/fr.json" --chains 2 --warmup 100 --draws 100 \
        --seed 3 --quiet --output "$tmp/fr.csv" >"$tmp/out" 2>&1 &&
        grep -Eq '^t\.leaves +[0-9.]+ .* [0-9.]+ +[0-9]+ +[0-9]+$' "$tmp/out" &&
        grep -Eq '^t\.depth ' "$tmp/out" &&
        python3 - "$tmp/fr_1.csv" "$tmp/fr_2.csv" "$tmp/fr_tree.jsonl" <<'PY'
import csv, json, sys
def leaves(t):
    return leaves(t["left"]) + leaves(t["right"]) if "var" in t else 1
def depth(t):
    return 1 + max(depth(t["left"]), depth(t["right"])) if "var" in t else 0
stats = {}
for c, name in ((1, sys.argv[1]), (2, sys.argv[2])):
    rows = list(csv.DictReader(l for l in open(name) if not l.startswith("#")))
    for d, r in enumerate(rows, 1):
        stats[(c, d)] = (float(r["t_leaves"]), float(r["t_depth"]))
seen = set()
for line in open(sys.argv[3]):
    r = json.loads(line)
    want = (sum(leaves(t) for t in r["trees"]), max(depth(t) for t in r["trees"]))
    assert stats[(r["chain"], r["draw"])] == want, (r["chain"], r["draw"], want)
    seen.add(want)
assert len(stats) == 200 and len(seen) > 1, seen
PY
    then ok; else bad "$fit: t.leaves and t.depth are the draws' trees'"; tail -5 "$tmp/out"; fi
    # the tree summary's leaves and depth are those columns' posteriors, as the table shows them
    if python3 - "$tmp/out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for what in ("leaves", "depth"):
    row = re.search(r"^t\.%s +(.*)$" % what, text, re.M).group(1).split()
    mean, q5, q50, q95, rhat, ess = (row[i] for i in (0, 3, 4, 5, 6, 7))
    line = re.search(r"^  %s +mean (.*)$" % what, text, re.M).group(1).split()
    got = dict(zip(line[1::2], line[2::2]))
    got["mean"] = line[0]
    for k, want in (("mean", mean), ("5%", q5), ("50%", q50), ("95%", q95)):
        assert abs(float(got[k]) - float(want)) <= 0.006 * abs(float(want)), (what, k, got, row)
    assert got["rhat"] == rhat and got["ess_bulk"] == ess, (what, got, row)
PY
    then ok; else bad "$fit: the tree summary's leaves and depth are the table's"; fi
done

# a tree prior written by hand without tree_leaves / tree_depth nodes: the summary says where
# its leaves and depth would come from, and reads the one that is there
printf 'data X: real[N, 3]\ndata y: real[N]\nf: real[N] ~ cart_prior(X, 0.95, 2, 5)\nsigma ~ exponential(1)\ny ~ normal(f, sigma)\nk ~ tree_leaves(f)\n' >"$tmp/own.gb"
if "$GB" run "$tmp/own.gb" --data "$tmp/fr.json" --chains 2 --warmup 50 --draws 50 --seed 2 \
    --quiet >"$tmp/out" 2>&1 &&
    grep -Eq '^  leaves +mean ' "$tmp/out" &&
    grep -qx '  depth    (no draws: add depth ~ tree_depth(f) to the model)' "$tmp/out"
then ok; else bad "a tree without its statistics' nodes"; tail -8 "$tmp/out"; fi
# inspect says, under the tree latent's sampler, that tempering is off for temps = 1; a
# regressor given temps = 3 has it on with 3 replicas
if "$GB" inspect "$tmp/own.gb" --data "$tmp/fr.json" >"$tmp/insp" 2>&1 &&
    grep -A1 -E '^  f +tree ' "$tmp/insp" | tail -1 |
    grep -Eq '^ {32}tempering off: one tree, no replicas$' &&
    printf 'import tree\ndata X: real[N, 3]\ndata y: real[N]\nt = tree.regressor(X, y, temps = 3)\n' >"$tmp/t3.gb" &&
    "$GB" inspect "$tmp/t3.gb" --data "$tmp/fr.json" >"$tmp/insp3" 2>&1 &&
    grep -A1 -E '^  t\.f +tree ' "$tmp/insp3" | tail -1 | grep -q 'tempering on: 3 replicas'
then ok; else bad "inspect: a tree latent's tempering"; tail -4 "$tmp/insp" "$tmp/insp3"; fi
# cart_prior's temps left out is temps = 1 (dist_tree.c's default): the same draws
sed 's/cart_prior(X, 0.95, 2, 5)/cart_prior(X, 0.95, 2, 5, 1)/' "$tmp/own.gb" >"$tmp/own1.gb"
if "$GB" run "$tmp/own1.gb" --data "$tmp/fr.json" --chains 2 --warmup 50 --draws 50 --seed 2 \
    --quiet >"$tmp/out1" 2>&1 && grep -qF '5, 1)' "$tmp/own1.gb" && cmp -s "$tmp/out" "$tmp/out1"
then ok; else bad "cart_prior without temps differs from temps = 1"; diff "$tmp/out" "$tmp/out1" | head; fi

# a constant column of X is allowed, never split on, and named in a note (not an error) at the
# declaration of X: one note per constant column, on stderr, exit 0
python3 - "$tmp/cc.json" <<'PY'
import json, random, sys
random.seed(5)
X = [[random.random(), 2.5, random.random(), -1] for _ in range(60)]
y = [2 * (x[0] > 0.5) + random.gauss(0, 0.3) for x in X]
json.dump({"X": X, "y": y}, open(sys.argv[1], "w"))
PY
printf 'import tree\ndata X: real[N, 4]\ndata y: real[N]\nt = tree.regressor(X, y)\n' >"$tmp/cc.gb"
cat >"$tmp/cc.want" <<EOF
$tmp/cc.gb:2:6: note: column 2 of X is constant; the tree of 't.f' never splits on it
    2 | data X: real[N, 4]
      |      ^
$tmp/cc.gb:2:6: note: column 4 of X is constant; the tree of 't.f' never splits on it
    2 | data X: real[N, 4]
      |      ^
EOF
if "$GB" run "$tmp/cc.gb" --data "$tmp/cc.json" --chains 1 --warmup 100 --draws 100 --quiet \
    --output "$tmp/cc.csv" >"$tmp/out" 2>"$tmp/err" && diff "$tmp/cc.want" "$tmp/err" &&
    python3 - "$tmp/cc_tree.jsonl" <<'PY'
import json, sys
def vars_of(t):
    return {t["var"]} | vars_of(t["left"]) | vars_of(t["right"]) if "var" in t else set()
used = set().union(*(vars_of(t) for l in open(sys.argv[1]) for t in json.loads(l)["trees"]))
assert 0 in used and not used & {1, 3}, used
PY
then ok; else bad "a constant column: a note, never split on"; cat "$tmp/err"; fi

# the trees' file never replaces an input: here it would be a link to the data
ln -s "$PWD/examples/iris_tree/iris.json" "$tmp/link_tree.jsonl"
if ! "$GB" run examples/iris_tree/iris_tree.gb --data examples/iris_tree/iris.json --quiet \
    --output "$tmp/link.csv" --draws 10 --warmup 10 >"$tmp/out" 2>&1 &&
    grep -q 'would overwrite the input file' "$tmp/out" &&
    head -c 1 examples/iris_tree/iris.json | grep -q '{'
then ok; else bad "--output refuses a trees' file that is an input"; tail -3 "$tmp/out"; fi

# y = step in x1 + noise, N = 1100 rows: f has 1100 elements
python3 - "$tmp/big.json" <<'PY'
import json, random, sys
random.seed(4)
X = [[random.random(), random.random()] for _ in range(1100)]
y = [(1.0 if x[0] > 0.5 else -1.0) + random.gauss(0, 0.3) for x in X]
json.dump({"X": X, "y": y}, open(sys.argv[1], "w"))
PY
printf 'import tree\ndata X: real[N, 2]\ndata y: real[N]\nt = tree.bart(X, y, trees = 10)\n' \
    > "$tmp/big.gb"
if "$GB" run "$tmp/big.gb" --data "$tmp/big.json" --chains 1 --warmup 50 --draws 50 --quiet \
    --output "$tmp/big.csv" >"$tmp/out" 2>&1 &&
    ! grep -v '^#' "$tmp/big.csv" | head -1 | grep -q 't_f\.' &&
    grep -q '^t\.f\.1100,' "$tmp/big_stream.csv"
then ok; else bad "a tree fit over 1000 rows is summarised, not stored"; tail -5 "$tmp/out"; fi
if "$GB" run "$tmp/big.gb" --data "$tmp/big.json" --chains 1 --warmup 50 --draws 50 --quiet \
    --keep 't.f' --output "$tmp/kept.csv" >"$tmp/out" 2>&1 &&
    grep -v '^#' "$tmp/kept.csv" | head -1 | grep -q 't_f\.1100'
then ok; else bad "--keep t.f keeps the tree fit"; tail -5 "$tmp/out"; fi

finish tree
