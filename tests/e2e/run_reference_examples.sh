#!/usr/bin/env bash
# Every distribution's example in the stdlib reference (`glassbox reference`, which make docs
# writes to stdlib/README.md; run_e2e.sh checks that file is current) runs: the example line is
# appended, as printed, to its context in tests/e2e/reference_examples.txt (declarations, priors,
# and a "%data" line of CmdStan JSON), and the model must check, and sample briefly without an
# error.  A distribution with an example but no context fails, so a new example is tested too.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

ctx=tests/e2e/reference_examples.txt
# "NAME<TAB>EXAMPLE" for each distribution row whose last cell is a code span
"$GB" reference | sed -n '/^## Distributions/,/^## Functions/p' |
    sed -n 's/^| `\([a-z_0-9]*\)`.* | `\([^`]*\)` |$/\1\t\2/p' >"$tmp/examples"
[ -s "$tmp/examples" ] || bad "no examples found in glassbox reference"

while IFS=$'\t' read -r name example; do
    # the block under "== NAME", up to the next "==" line
    awk -v n="$name" '/^== / { on = ($2 == n); next } on' "$ctx" >"$tmp/block"
    if ! grep -q . "$tmp/block"; then
        bad "no context for $name's example in $ctx"
        continue
    fi
    { grep -v '^%data ' "$tmp/block" | grep .; echo "$example"; } >"$tmp/$name.gb"
    sed -n 's/^%data //p' "$tmp/block" >"$tmp/$name.json"
    if "$GB" check "$tmp/$name.gb" --data "$tmp/$name.json" --quiet >"$tmp/out" 2>&1 &&
        "$GB" run "$tmp/$name.gb" --data "$tmp/$name.json" --chains 1 --warmup 100 \
            --draws 100 --seed 1 --quiet >"$tmp/out" 2>&1; then ok
    else
        bad "the reference example of $name: $example"
        sed 's/^/    /' "$tmp/out" | head -12
    fi
done <"$tmp/examples"

finish "reference examples"
