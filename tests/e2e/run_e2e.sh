#!/usr/bin/env bash
# End-to-end: every example checks (and inspects with its data), the graph commands give DOT that
# Graphviz renders, and every example in README.md and docs/tutorial.md marked with an HTML
# comment runs as shown:
#   <!-- test: check -->        the indented block after it passes `glassbox check`
#   <!-- test: stderr FILE -->  the block after it is exactly what `glassbox check FILE` prints
#   <!-- test: cmd -->          each line of the block is a command that must succeed (run from
#                               the project root, build/glassbox standing for the binary tested
#                               and other build/ paths for a folder of this run's own)
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

for m in examples/*.gb; do
    d=${m%.gb}.json
    args=("$m"); [ -f "$d" ] && args+=(--data "$d")
    if "$GB" check "${args[@]}" --quiet >"$tmp/out" 2>&1; then ok; else bad "check $m"; cat "$tmp/out"; fi
    if [ -f "$d" ]; then
        if "$GB" inspect "${args[@]}" >"$tmp/out" 2>&1 && grep -q '^  node' "$tmp/out"; then ok
        else bad "inspect $m"; cat "$tmp/out"; fi
    fi
done

# every example samples (a quick setting, or the one its `# quick:` comment gives) and its draws
# read back through summary
for m in examples/*.gb; do
    d=${m%.gb}.json
    args=("$m"); [ -f "$d" ] && args+=(--data "$d")
    read -r -a quick <<< "$(sed -n 's/^# quick: //p' "$m" | head -1)"
    [ ${#quick[@]} -gt 0 ] || quick=(--chains 2 --warmup 300 --draws 300)
    rm -f "$tmp"/run*.csv
    if "$GB" run "${args[@]}" "${quick[@]}" --quiet --output "$tmp/run.csv" \
        >"$tmp/out" 2>&1 && "$GB" summary "$tmp"/run_[0-9]*.csv >"$tmp/sum" 2>&1 &&
        grep -q '^lp__' "$tmp/sum"; then ok
    else bad "run $m"; cat "$tmp/out" "$tmp/sum" 2>/dev/null | head -20; fi
    # every column name is one Stan's readers split as they should (runtime/io/colname.h): a
    # variable without dots, then integer indices; stanio reads ':' as a tuple
    odd=$(grep -v '^#' "$tmp/run_1.csv" 2>/dev/null | head -1 | tr ',' '\n' |
        grep -Ev '^[A-Za-z][A-Za-z0-9_]*(\.[0-9]+)*$' | head -3)
    if [ -z "$odd" ] && [ -s "$tmp/run_1.csv" ]; then ok; else bad "CSV names of $m: $odd"; fi
done

for m in changepoint eight_schools component; do
    if "$GB" graph "examples/$m.gb" --data "examples/$m.json" >"$tmp/g.dot" 2>"$tmp/err" &&
        dot -Tsvg "$tmp/g.dot" -o "$tmp/g.svg" && grep -q '<svg' "$tmp/g.svg"; then ok
    else bad "graph $m renders"; cat "$tmp/err"; fi
    if "$GB" graph "examples/$m.gb" --format json >"$tmp/g.json" 2>"$tmp/err" &&
        grep -q '"nodes"' "$tmp/g.json"; then ok
    else bad "graph --format json $m"; cat "$tmp/err"; fi
done
# components are labelled clusters
if "$GB" graph examples/component.gb | grep -q 'subgraph "cluster_0"' ; then ok; else bad "cluster"; fi

# declared constraints and bounds show as written, not as the real array they are stored in
printf '%s\n' 'data y: real<lower=0>[N]' 'c: ordered[3] ~ normal(0, 5)' \
    'L: cholesky_factor_corr[2] ~ lkj_corr_cholesky(2)' 'y ~ normal(c[1], 1)' > "$tmp/con.gb"
if "$GB" inspect "$tmp/con.gb" | grep -q '^  c  *parameter  *ordered\[3\] ' &&
    "$GB" inspect "$tmp/con.gb" | grep -q '^  L  *parameter  *cholesky_factor_corr\[2\] ' &&
    "$GB" inspect "$tmp/con.gb" | grep -q '^  y  *observed  *real<lower=0>\[N\] ' &&
    "$GB" graph "$tmp/con.gb" | grep -q 'label="c: ordered\[3\]' &&
    "$GB" graph "$tmp/con.gb" | grep -q 'label="L: cholesky_factor_corr\[2\]' &&
    "$GB" graph "$tmp/con.gb" --format json | grep -q '"declared_type": "real<lower=0>\[N\]"' &&
    "$GB" graph "$tmp/con.gb" --format json | grep -q '"declared_type": "cholesky_factor_corr\[2\]"'
then ok; else bad "declared constraints in inspect and graph"; "$GB" inspect "$tmp/con.gb"; fi

# a full stdout is an error with a message, for every command that writes there
for c in "reference" "--version" "inspect examples/coin.gb" "graph examples/coin.gb" \
    "run examples/coin.gb --data examples/coin.json --chains 1 --warmup 20 --draws 20 --quiet"; do
    read -r -a args <<< "$c"
    "$GB" "${args[@]}" > /dev/full 2> "$tmp/err"; rc=$?
    if [ $rc = 1 ] && grep -q 'error: cannot write the output' "$tmp/err"; then ok
    else bad "$c > /dev/full: exit $rc"; cat "$tmp/err"; fi
done

# an MLP of three hidden layers (sizes as an option): each layer is a component of its own,
# sampled and summarised under its heading, drawn as a cluster; --keep takes component names as
# they are written; the CSV names the columns as Stan's readers need (net_layer_3_W.6.6) and
# says how they map, and summary reads the glassbox names back
sed -e 's/hidden = \[5\]/hidden = [8, 6, 6]/' -e '/^contribution/d' examples/mlp_probe.gb > "$tmp/deep.gb"
if "$GB" run "$tmp/deep.gb" --data examples/mlp_probe.json --chains 1 --warmup 30 --draws 10 \
    --keep 'net.layer[3].h' --output "$tmp/deep.csv" > "$tmp/out" 2>&1 &&
    grep -q '^net = mlp.regressor(X, y, hidden = \[8, 6, 6\]' "$tmp/deep.gb" &&
    grep -q '^component net.layer\[3\]$' "$tmp/out" &&
    grep -v '^#' "$tmp/deep.csv" | head -1 | tr ',' '\n' | grep -qx 'net_layer_3_W.6.6' &&
    grep -v '^#' "$tmp/deep.csv" | head -1 | tr ',' '\n' | grep -qx 'net_layer_3_h.200.6' &&
    ! grep -v '^#' "$tmp/deep.csv" | head -1 | grep -q 'net_layer_2_h' &&
    grep -qx '# glassbox name of net_layer_3_W: net.layer\[3\].W' "$tmp/deep.csv" &&
    "$GB" summary "$tmp/deep.csv" 2>&1 | grep -q '^net.layer\[3\].W.6.6 ' &&
    "$GB" graph "$tmp/deep.gb" --data examples/mlp_probe.json | grep -q 'label="net.layer\[2\] = dense"'
then ok; else bad "MLP with hidden = [8, 6, 6]"; tail -5 "$tmp/out"; fi
# every --keep hint run prints works when run as printed: it keeps that node's draws
hints=$(sed -n "s/.*; --keep '\(.*\)' keeps its draws$/\1/p" "$tmp/out")
[ -n "$hints" ] || bad "no --keep hint printed"
for h in $hints; do
    csvname=$(printf '%s' "$h" | tr '.[' '__' | tr -d ']')
    if "$GB" run "$tmp/deep.gb" --data examples/mlp_probe.json --chains 1 --warmup 5 --draws 4 \
        --quiet --keep "$h" --output "$tmp/hint.csv" > "$tmp/hint.out" 2>&1 &&
        grep -v '^#' "$tmp/hint.csv" | head -1 | tr ',' '\n' | grep -q "^$csvname\.1\.1$" &&
        ! grep -q "^$h: " "$tmp/hint.out"
    then ok; else bad "the printed hint --keep '$h'"; tail -3 "$tmp/hint.out"; fi
done

# a large deterministic node is summarised while sampling, unless --keep names it
printf 'data x: real[N]\nmu ~ normal(0, 1)\ns ~ half_normal(1)\nx ~ normal(mu, s)\n%s\n' \
    'big = [[x[i] * mu + j for j in 1..3] for i in 1..N]' > "$tmp/big.gb"
awk 'BEGIN { printf "{\"x\": ["; for (i = 1; i <= 500; i++) printf "%s%.3f", (i > 1 ? "," : ""), sin(i); print "]}" }' > "$tmp/big.json"
if "$GB" run "$tmp/big.gb" --data "$tmp/big.json" --chains 2 --warmup 200 --draws 200 --quiet \
    --output "$tmp/big.csv" > "$tmp/out" 2>&1 && [ "$(wc -l < "$tmp/big_stream.csv")" = 1501 ] &&
    ! grep -v '^#' "$tmp/big_1.csv" | head -1 | grep -q 'big\.' && grep -q '^big: 1500 elements' "$tmp/out"
then ok; else bad "streamed summaries"; cat "$tmp/out" | tail -5; fi
if "$GB" run "$tmp/big.gb" --data "$tmp/big.json" --chains 2 --warmup 100 --draws 100 --quiet \
    --keep big --output "$tmp/kept.csv" > /dev/null 2>&1 &&
    grep -v '^#' "$tmp/kept_1.csv" | head -1 | grep -q 'big\.500\.3'
then ok; else bad "--keep"; fi

# summary leaves out the warmup rows a file saved (save_warmup = 1, CmdStan 2.33's "true" too):
# ceil(num_warmup / thin) rows of mu = 1000 before draws of mu in [-1, 1]
for sw in 1 true; do
    for c in 1 2; do
        { printf '#     num_samples = 8\n#     num_warmup = 6\n#     save_warmup = %s\n' "$sw"
          printf '#     thin = 2\nlp__,mu\n'
          for i in 1 2 3; do echo "-1,1000"; done
          for i in 1 2 3 4 5 6 7 8; do echo "-1,$(( (i * c) % 3 - 1 )).$i"; done; } > "$tmp/warm_$c.csv"
    done
    if "$GB" summary --format csv "$tmp"/warm_[12].csv > "$tmp/out" 2>"$tmp/err" &&
        awk -F, '$1 == "mu" { exit !($2 > -2 && $2 < 2) }' "$tmp/out" &&
        grep -q 'the first 3 rows are warmup' "$tmp/err"
    then ok; else bad "summary with save_warmup = $sw"; cat "$tmp/out" "$tmp/err"; fi
done

# the stdlib reference page is current (make docs regenerates it)
if "$GB" reference > "$tmp/ref.md" && diff -q "$tmp/ref.md" stdlib/README.md >/dev/null; then ok
else bad "stdlib/README.md is out of date: run make docs"; fi

# README and tutorial examples
for doc in README.md docs/tutorial.md; do
rm -f "$tmp"/readme_*
awk -v dir="$tmp" '
    /^<!-- test: / { kind = $3; file = $4; n++; grab = 1; started = 0; next }
    grab && /^    / { started = 1; sub(/^    /, ""); print > (dir "/readme_" n "." kind); meta[n] = kind " " file; next }
    grab && started && !/^    / { grab = 0 }
    END { for (i = 1; i <= n; i++) print i, meta[i] > (dir "/readme_index") }
' "$doc"
while read -r i kind file; do
    case $kind in
        check)
            cp "$tmp/readme_$i.check" "$tmp/readme_$i.gb"
            if "$GB" check "$tmp/readme_$i.gb" --quiet >"$tmp/out" 2>&1; then ok
            else bad "$doc example $i"; cat "$tmp/out"; fi ;;
        stderr)
            "$GB" check "$file" >/dev/null 2>"$tmp/out"
            if diff -u "$tmp/readme_$i.stderr" "$tmp/out"; then ok
            else bad "$doc error example $i ($file)"; fi ;;
        cmd)
            while read -r line; do
                # build/glassbox is the binary tested; the files the commands write under
                # build/ go to this run's own folder (another run of the suite may be going)
                line=${line//build\/glassbox/@GB@}; line=${line//build\//$tmp/}
                line=${line//@GB@/$GB}
                if eval "$line" >"$tmp/out" 2>&1; then ok
                else bad "$doc command: $line"; cat "$tmp/out"; fi
            done < "$tmp/readme_$i.cmd" ;;
    esac
done < "$tmp/readme_index"
[ -s "$tmp/readme_index" ] || bad "no $doc examples found"
done

finish end-to-end
