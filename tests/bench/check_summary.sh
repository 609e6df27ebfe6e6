#!/usr/bin/env bash
# Cross-checks `glassbox summary` against R's posterior package on a peer run's draws: for every
# MODEL/SYSTEM_draws.csv under the peers' results folder (RESULTS, default build/bench/peers)
# with its SYSTEM_summary.tsv (written by the peers' ess.R), splits the draws into one
# CmdStan-layout file per chain, runs `glassbox summary --format csv`, and reports the largest
# relative difference in R-hat, bulk ESS and tail ESS over all variables.  Fails when one
# exceeds 1%.
set -u
cd "$(dirname "$0")/../.."
GB=${GLASSBOX:-build/glassbox}
RES=${RESULTS:-build/bench/peers}
[ -d "$RES" ] || { echo "skipped: no peer results in $RES (make bench-peers)"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
printf '%-18s %-6s %5s %12s %12s %12s\n' model system vars "max d R-hat" "max d bulk" "max d tail"
for draws in "$RES"/*/*_draws.csv; do
    [ -f "$draws" ] || continue
    sys=$(basename "$draws" _draws.csv); dir=$(dirname "$draws"); model=$(basename "$dir")
    ref=$dir/${sys}_summary.tsv
    [ -f "$ref" ] || continue
    rm -f "$tmp"/chain_*.csv
    awk -F, -v out="$tmp" 'NR == 1 { h = $3; for (i = 4; i <= NF; i++) h = h "," $i; next }
        { f = out "/chain_" $1 ".csv"; if (!(f in seen)) { print h > f; seen[f] = 1 }
          r = $3; for (i = 4; i <= NF; i++) r = r "," $i; print r > f }' "$draws"
    "$GB" summary --format csv "$tmp"/chain_*.csv > "$tmp/ours.csv" 2> "$tmp/err" || {
        echo "FAIL $model/$sys: summary failed"; cat "$tmp/err"; fail=1; continue; }
    line=$(awk -F'[,\t]' '
        FNR == 1 { next }
        NR == FNR { m[$1] = 1; rh[$1] = $8; eb[$1] = $9; et[$1] = $10; next }
        { v = $1; gsub(/\[/, ".", v); gsub(/\]/, "", v); gsub(/,/, ".", v)
          if (!(v in m)) next
          n++
          d = rh[v] - $6; if (d < 0) d = -d; d /= $6; if (d > a) a = d
          d = eb[v] - $7; if (d < 0) d = -d; d /= $7; if (d > b) b = d
          d = et[v] - $8; if (d < 0) d = -d; d /= $8; if (d > c) c = d }
        END { printf "%d %.2e %.2e %.2e", n, a, b, c }' "$tmp/ours.csv" "$ref")
    read -r vars da db dc <<< "$line"
    printf '%-18s %-6s %5s %12s %12s %12s\n' "$model" "$sys" "$vars" "$da" "$db" "$dc"
    n=$((n + 1))
    awk -v a="$da" -v b="$db" -v c="$dc" -v v="$vars" 'BEGIN { exit !(v > 0 && a <= 0.01 && b <= 0.01 && c <= 0.01) }' || fail=1
done
echo "summary vs posterior: $n runs compared, $([ $fail = 0 ] && echo "all within 1%" || echo "SOME DIFFER")"
[ $fail = 0 ]
