#!/usr/bin/env bash
# run_browser.sh - the HTML report in a real browser: headless Chromium opens the page from
# disk, takes a screenshot and dumps the DOM it built.  Checked: every section is there, every
# plot's SVG parses and draws something inside its plot area, Chromium logs no console error,
# and a report of a 2,000-scalar run stays under 5 MB and renders in under 3 s.
# Skips, saying so, without Chromium; `make test-browser` installs it and runs this.
. "$(dirname "$0")/lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "browser: skipped: Chromium is not installed (make test-browser installs it)"
    finish browser
    exit
fi
chrome() { # headless, a fresh profile each time
    rm -rf "$tmp/profile"
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" \
        --window-size=1200,4000 "$@"
}

m=examples/eight_schools
"$GB" run $m.gb --data $m.json --quiet --seed 4 --output "$tmp/es.csv" \
    --report "$tmp/es.html" > /dev/null || bad "run --report"
"$GB" report $m.gb --data $m.json --draws "$tmp"/es_[1-4].csv --output "$tmp/es2.html" ||
    bad "report"
# the same draws give the same page, by run --report or by report, but for the predictive
# checks that report adds (it draws replicates from the saved draws files)
if python3 - "$tmp/es.html" "$tmp/es2.html" <<'PY'
import re, sys
run, rep = (open(f, encoding="utf-8").read() for f in sys.argv[1:])
rep = rep.replace('<a href="#ppc">predictive checks</a>', '')
rep = re.sub(r'<h2 id="ppc">.*?(?=<h2 |</body>)', '', rep, flags=re.S)
sys.exit(run != rep)
PY
then ok
else bad "run --report and report differ beyond the predictive checks"; fi

# the console's messages go to stderr with --enable-logging
if chrome --enable-logging=stderr --v=0 --screenshot="$tmp/es.png" "file://$tmp/es2.html" \
    > /dev/null 2> "$tmp/console" && [ "$(stat -c %s "$tmp/es.png")" -gt 20000 ]; then ok
else bad "screenshot"; tail -5 "$tmp/console"; fi
if grep -q 'CONSOLE.*\(Error\|error\)\|Uncaught' "$tmp/console"; then
    bad "console errors: $(grep CONSOLE "$tmp/console" | head -3)"; else ok; fi
chrome --dump-dom "file://$tmp/es2.html" > "$tmp/dom.html" 2> /dev/null || bad "dump-dom"
for id in model graph diagnostics plan summary scalars vectors pairs ppc; do
    if grep -q "id=\"$id\"" "$tmp/dom.html"; then ok; else bad "section $id missing"; fi
done

# every SVG of the DOM parses as XML, and each plot draws inside its frame
if python3 - "$tmp/dom.html" <<'PY'
import re, sys, xml.etree.ElementTree as ET
page = open(sys.argv[1], encoding="utf-8").read()
svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
plots = re.findall(r'<div class="plot">\s*(<svg\b.*?</svg>)', page, re.S)
assert len(plots) >= 8, f"{len(plots)} plots"
for s in svgs:
    ET.fromstring(s)  # well-formed
for s in plots:
    root = ET.fromstring(s)
    lines = [e for e in root.iter() if e.tag.endswith(("polyline", "path", "polygon"))]
    # the frame and ticks alone are a handful of points; the data add many
    points = sum(len(e.get("points", "").split()) for e in lines)
    assert points > 40, f"a plot with only {points} points"
print(len(svgs), "svgs,", len(plots), "plots")
PY
then ok; else bad "SVG plots"; fi

# a 2,000-scalar run: large nodes are summarised, so the page stays small and quick
printf 'z: real[2000] ~ normal(0, 1)\n' > "$tmp/big.gb"
"$GB" run "$tmp/big.gb" --quiet --chains 2 --warmup 100 --draws 100 --seed 1 \
    --output "$tmp/big.csv" --report "$tmp/big.html" > /dev/null || bad "big run"
size=$(stat -c %s "$tmp/big.html")
if [ "$size" -lt 5000000 ]; then ok; else bad "report of 2,000 scalars is $size bytes"; fi
# Chromium's own start-up (seconds on a busy machine) is not the page's: the time to render is
# a screenshot of this page less one of an empty page, best of three each
shot() {
    local t0
    t0=$(date +%s.%N)
    chrome --screenshot="$tmp/shot.png" "file://$1" > /dev/null 2>&1
    awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN {print a - b}'
}
best() {
    local b=999 t
    for _ in 1 2 3; do t=$(shot "$1"); b=$(awk -v t="$t" -v b="$b" 'BEGIN {print (t < b ? t : b)}'); done
    echo "$b"
}
echo '<!DOCTYPE html><html><body></body></html>' > "$tmp/empty.html"
te=$(best "$tmp/empty.html")
tb=$(best "$tmp/big.html")
t=$(awk -v a="$tb" -v b="$te" 'BEGIN {print a - b}')
echo "browser: 2,000-scalar report: $size bytes; renders in $t s beyond Chromium's start ($te s)"
if awk -v t="$t" 'BEGIN {exit !(t < 3)}'; then ok; else bad "the 2,000-scalar report took $t s"; fi
finish browser
