#!/usr/bin/env bash
# run_terminal.sh - what `run` and `summary` show a person: --vars picks the summary's rows,
# --hist adds a histogram per row, colour never reaches a file or pipe, and a run whose stderr
# is a log prints whole progress lines with the time left (GLASSBOX_PROGRESS_SECONDS shortens
# their period from 10 s, so the test need not run long).
. "$(dirname "$0")/lib.sh"
m=examples/eight_schools
"$GB" run $m.gb --data $m.json --quiet --seed 3 --output "$tmp/es.csv" > "$tmp/all.txt"

"$GB" summary "$tmp"/es_*.csv --vars theta --vars 'm?' > "$tmp/some.txt"
rows=$(grep -cE '^(theta\.[1-8]|mu) ' "$tmp/some.txt")
others=$(grep -cE '^(eta|tau|lp__)' "$tmp/some.txt")
if [ "$rows" = 9 ] && [ "$others" = 0 ]; then ok; else bad "--vars rows: $rows chosen, $others others"; fi
# the rows kept are the same numbers as in the full table
if [ "$(grep '^theta.3 ' "$tmp/some.txt")" = "$(grep '^theta.3 ' "$tmp/all.txt")" ]; then ok
else bad "--vars changed a row"; fi
# warnings speak only of the rows shown: none of the table's is about tau here
if ! grep -q 'warning:.*tau' "$tmp/some.txt"; then ok; else bad "warning about a hidden row"; fi
"$GB" summary "$tmp"/es_*.csv --vars 'theta*' --format csv > "$tmp/some.csv"
if [ "$(wc -l < "$tmp/some.csv")" = 9 ]; then ok; else bad "--vars with --format csv"; fi

# --hist: 16 cells per row, block characters under a UTF-8 locale and ASCII otherwise
LANG=C.UTF-8 LC_ALL= "$GB" summary "$tmp"/es_*.csv --vars mu --hist > "$tmp/h.txt"
if grep -q '^mu .*  [▁▂▃▄▅▆▇█ ]\{16\}$' "$tmp/h.txt"; then ok; else bad "--hist blocks"; cat "$tmp/h.txt"; fi
LANG=C LC_ALL= "$GB" summary "$tmp"/es_*.csv --vars mu --hist > "$tmp/h.txt"
if grep -q '^mu .*  [.:=+*#@ -]\{16\}$' "$tmp/h.txt" && grep -q '@' "$tmp/h.txt"; then ok
else bad "--hist ascii"; cat "$tmp/h.txt"; fi

# no colour codes in a file, even for a doubtful run (too few draws for a good ESS)
"$GB" run $m.gb --data $m.json --quiet --warmup 30 --draws 30 --seed 1 > "$tmp/short.txt"
if grep -q 'warning:' "$tmp/short.txt" && ! grep -q $'\033' "$tmp/short.txt"; then ok
else bad "colour in a file"; fi

# a log gets whole progress lines with an estimate of the time left
# (a short interval and a long run, so a fast machine still logs a line: the run takes ~1 s)
GLASSBOX_PROGRESS_SECONDS=0.01 "$GB" run examples/radon.gb --data examples/radon.json \
    --chains 2 --seed 2 --warmup 1000 --draws 3000 > /dev/null 2> "$tmp/log"
if grep -q '^glassbox run: chain 1 .*it/s, about .* left$' "$tmp/log" && ! grep -q $'\r' "$tmp/log"
then ok; else bad "progress lines in a log"; head -3 "$tmp/log"; fi
finish terminal
