#!/usr/bin/env bash
# regression.logistic (stdlib/regression.gb) on the peers' logistic_10k data against Stan's
# posterior from the same harness run: every coefficient's posterior mean within 4 x the
# combined MCSE, sqrt(MCSE_glassbox^2 + MCSE_stan^2), both computed by `glassbox summary`.
# Needs a peer run (make bench-peers BENCH_MODELS=logistic_10k); skips otherwise.
set -u
cd "$(dirname "$0")/../.."
GB=${GLASSBOX:-build/glassbox}
RES=${RESULTS:-build/bench/peers}
DATA=${PEERS_DIR:-../shared/bench/peers}/data/logistic_10k.json
draws=$RES/logistic_10k/stan_draws.csv
if [ ! -f "$draws" ] || [ ! -f "$DATA" ]; then
    echo "skipped: no Stan draws for logistic_10k in $RES"; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'import regression\ndata X: real[N, K]\ndata y: int[N]\nfit = regression.logistic(X, y)\n' \
    > "$tmp/m.gb"
"$GB" run "$tmp/m.gb" --data "$DATA" --quiet --seed 11 --output "$tmp/gb.csv" > /dev/null 2>&1 &&
    "$GB" summary --format csv "$tmp"/gb_[0-9]*.csv > "$tmp/gb_sum.csv" || {
    echo "FAIL: glassbox run"; exit 1; }
awk -F, -v out="$tmp" 'NR == 1 { h = $3; for (i = 4; i <= NF; i++) h = h "," $i; next }
    { f = out "/stan_" $1 ".csv"; if (!(f in seen)) { print h > f; seen[f] = 1 }
      r = $3; for (i = 4; i <= NF; i++) r = r "," $i; print r > f }' "$draws"
"$GB" summary --format csv "$tmp"/stan_*.csv > "$tmp/stan_sum.csv"
awk -F, 'FNR == 1 { next }
    NR == FNR { m["fit." $1] = $2; e["fit." $1] = $4; next }
    ($1 in m) { z = (m[$1] - $2) / sqrt(e[$1] ^ 2 + $4 ^ 2); if (z < 0) z = -z
                n++; if (z > w) { w = z; wn = $1 } if (z > 4) bad++ }
    END { printf "regression.logistic vs Stan on logistic_10k: %d coefficients, worst |z| %.2f (%s)\n", n, w, wn
          exit !(n > 0 && bad == 0) }' "$tmp/stan_sum.csv" "$tmp/gb_sum.csv"
