#!/usr/bin/env bash
# run_graph.sh - the model pictures (graph --format dot|svg|png), rendered by Graphviz's library:
# every example gives SVG that a real XML parser (Python's expat) reads, with one drawn node per
# graph node that is not a lone size; and the picture keeps the promises of graph_dot.c (no
# false cycle from a data-scaled prior, no internal loop name, sizes under the legend, plates).
. "$(dirname "$0")/lib.sh"

for gb in examples/*.gb; do
    m=$(basename "$gb" .gb)
    data=(); [ -f "examples/$m.json" ] && data=(--data "examples/$m.json")
    if ! "$GB" graph "$gb" "${data[@]}" --format svg --output "$tmp/$m.svg" 2>"$tmp/err"; then
        bad "graph --format svg $m"; cat "$tmp/err"; continue
    fi
    # parsed by expat; every non-legend node of the DOT text is drawn as an SVG node group
    want=$("$GB" graph "$gb" "${data[@]}" | grep -cE '^ *"[^"]+" \[' )
    if got=$(python3 - "$tmp/$m.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = {"s": "http://www.w3.org/2000/svg"}
print(sum(1 for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"))
PY
    ) && [ "$got" = "$want" ] && [ "$got" -gt 0 ]; then ok
    else bad "$m.svg: ${got:-unparsable} node groups, the DOT text has $want"; fi
done

# PNG through the same library: the file starts with PNG's signature
if "$GB" graph examples/eight_schools.gb --data examples/eight_schools.json --format png \
    --output "$tmp/e.png" && [ "$(head -c 8 "$tmp/e.png" | od -An -tx1 | tr -d ' ')" = \
    89504e470d0a1a0a ]; then ok; else bad "png signature"; fi
# --output leaves no temporary file beside the picture
if ls -a "$tmp" | grep -q '\.tmp'; then bad "temporary file left: $(ls -a "$tmp")"; else ok; fi

"$GB" graph examples/changepoint.gb --data examples/changepoint.json > "$tmp/cp.dot"
# alpha = 1 / mean(counts): the edge back from the observed counts is dotted and out of the
# layout, so counts -> alpha -> lambda1 -> counts is not drawn as a cycle
if grep -q '"counts" -> "alpha" \[style=dotted.*constraint=false' "$tmp/cp.dot"; then ok
else bad "data-scaled prior edge not styled"; fi
if grep -q '"lambda1" -> "counts";' "$tmp/cp.dot"; then ok; else bad "likelihood edge styled"; fi
if grep -q 'legend_scaled' "$tmp/cp.dot" && grep -q 'cluster_legend' "$tmp/cp.dot"; then ok
else bad "legend"; fi

"$GB" graph examples/radon.gb --data examples/radon.json > "$tmp/radon.dot"
# the comprehension's variable keeps its name (it was printed as _i0)
if grep -q 'for k in 1..fit.K' "$tmp/radon.dot" && ! grep -q '_i[0-9]' "$tmp/radon.dot"; then ok
else bad "comprehension variable name"; grep sx "$tmp/radon.dot"; fi
# J is only a size: listed under the legend, not an isolated box
if ! grep -q '^ *"J" \[' "$tmp/radon.dot" && grep -q 'sizes:.*J = ' "$tmp/radon.dot"; then ok
else bad "size J drawn as a node"; fi
# the group-level nodes share J's plate, the unnamed [40] included
if awk '/cluster_plate/ {p = $0} /"fit.alpha" \[/ {a = p} /"fit.z" \[/ {z = p}
        END {exit !(a != "" && a == z)}' "$tmp/radon.dot"; then ok
else bad "fit.alpha and fit.z on different plates"; fi

# after a run, each node carries its posterior: a scalar's mean and 90% interval (the same
# numbers as summary's), a vector's range of means; a component's renamed columns find their node
"$GB" run examples/radon.gb --data examples/radon.json --chains 2 --warmup 200 --draws 200 \
    --seed 5 --quiet --output "$tmp/r.csv" > "$tmp/r.sum"
"$GB" graph examples/radon.gb --data examples/radon.json --draws "$tmp"/r_1.csv "$tmp"/r_2.csv \
    > "$tmp/rp.dot"
row=$(grep '^fit.sigma ' "$tmp/r.sum")
mean=$(printf '%.3g' "$(echo "$row" | awk '{print $2}')")
if grep -q "\"fit.sigma\" .*mean $mean, 90% \[" "$tmp/rp.dot"; then ok
else bad "fit.sigma's posterior label (mean $mean)"; grep fit.sigma "$tmp/rp.dot"; fi
if grep -q '"fit.z" .*40 values, means ' "$tmp/rp.dot"; then ok; else bad "fit.z's label"; fi
if "$GB" graph examples/radon.gb --data examples/radon.json --draws "$tmp"/r_1.csv \
    --format svg --output "$tmp/rp.svg" && grep -q '90%' "$tmp/rp.svg"; then ok
else bad "svg with posterior labels"; fi

# no Graphviz chatter on stderr for a good model
"$GB" graph examples/mlp_probe.gb --data examples/mlp_probe.json --format svg --output "$tmp/m.svg" \
    2>"$tmp/err"
if [ ! -s "$tmp/err" ]; then ok; else bad "stderr: $(cat "$tmp/err")"; fi

finish graph
