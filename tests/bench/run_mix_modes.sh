#!/usr/bin/env bash
# run_mix_modes.sh - issue 18's "3 of 56 chains in a worse mode" check: the two-component mixture
# tests/bench/mix_gauss.gb (labels summed out by default) over 14 seeds x 4 chains, counting the
# chains whose mean lp__ is more than DROP below the best chain's (the issue saw -565 against
# -413, both means equal).  Slow (about 14 runs of 4 x 2000 iterations): not part of make test.
#   tests/bench/run_mix_modes.sh DATA.json [EXTRA glassbox run flags...]
# DATA.json: the peers' mix_gauss data (../shared/bench/peers/gen_data.R mix_gauss).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:?usage: run_mix_modes.sh DATA.json [flags]}
shift
GB=${GB:-build/glassbox}
DROP=${DROP:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for seed in $(seq 1 14); do
    "$GB" run tests/bench/mix_gauss.gb --data "$data" --seed "$seed" --chains 4 --quiet \
        --output "$tmp/s$seed.csv" "$@" > /dev/null
    for c in 1 2 3 4; do
        # mean lp__, mu.1, mu.2 of one chain's draws
        awk -F, -v seed="$seed" -v chain="$c" '
            /^#/ { next }
            !h { for (i = 1; i <= NF; i++) col[$i] = i; h = 1; next }
            { n++; lp += $col["lp__"]; m1 += $col["mu.1"]; m2 += $col["mu.2"] }
            END { printf "%d %d %.2f %.3f %.3f\n", seed, chain, lp / n, m1 / n, m2 / n }' \
            "$tmp/s${seed}_$c.csv"
    done
done > "$tmp/chains.txt"
cat "$tmp/chains.txt"
awk -v drop="$DROP" '{ lp[NR] = $3; if (NR == 1 || $3 > best) best = $3 }
    END { for (i = 1; i <= NR; i++) if (lp[i] < best - drop) bad++
          printf "chains in a worse mode (mean lp__ more than %g below the best %.2f): %d of %d\n",
                 drop, best, bad + 0, NR }' "$tmp/chains.txt"
