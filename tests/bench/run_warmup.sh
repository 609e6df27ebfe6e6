#!/usr/bin/env bash
# run_warmup.sh - the warmup table: for each model and each warmup scheme and length, 4 chains x
# 1000 draws (--threads 2) and one row: model, adapt, warmup, seed, gradients spent in warmup and
# in sampling (all chains: the sum of n_leapfrog__, from the draws files' "# gradients" comment),
# min bulk ESS over the model's columns (lp__ left out), bulk ESS per sampling gradient and per
# gradient of the whole run, and wall seconds.  It chooses and checks the default warmup: the
# default must give an ESS per sampling gradient no worse than windowed with 1000.
#
# Usage: tests/bench/run_warmup.sh MODEL.gb DATA.json [MODEL.gb DATA.json]...
# Env: WARMUP_CONFIGS="windowed:1000 fisher:1000 fisher:400 fisher:300 fisher:200"
#      WARMUP_SEEDS="1 2"   BUILD=build
# Data: the bench models' data come from the peers' generator (tests/bench/run_bench.sh,
# ../shared/bench/peers/gen_data.R); this script takes whatever files it is given.
set -euo pipefail
cd "$(dirname "$0")/../.."
GB="$(pwd)/${BUILD:-build}/glassbox"
CONFIGS=${WARMUP_CONFIGS:-"windowed:1000 fisher:1000 fisher:400 fisher:300 fisher:200"}
SEEDS=${WARMUP_SEEDS:-"1 2"}
[ $# -ge 2 ] && [ $(($# % 2)) = 0 ] || { echo "usage: $0 MODEL.gb DATA.json [MODEL.gb DATA.json]..." >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gbwarm.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

echo "| model | adapt | warmup | seed | grads warmup | grads sampling | min bulk ESS | ESS/grad (sampling) | ESS/grad (all) | wall s |"
echo "|---|---|---|---|---:|---:|---:|---:|---:|---:|"
while [ $# -ge 2 ]; do
    model=$1 data=$2; shift 2
    name=$(basename "$model" .gb)
    for cfg in $CONFIGS; do
        adapt=${cfg%%:*} warm=${cfg##*:}
        for seed in $SEEDS; do
            rm -f "$TMP"/d_*.csv
            t0=$(date +%s.%N)
            "$GB" run "$model" --data "$data" --chains 4 --warmup "$warm" --draws 1000 \
                --threads 2 --seed "$seed" --adapt "$adapt" --output "$TMP/d.csv" --quiet \
                > "$TMP/log" 2>&1 || { echo "run_warmup: $name $cfg seed $seed failed" >&2; cat "$TMP/log" >&2; exit 1; }
            t1=$(date +%s.%N)
            read -r gw gs < <(sed -n 's/^# gradients: \([0-9]*\) (Warm-up), \([0-9]*\) (Sampling).*/\1 \2/p' \
                "$TMP"/d_*.csv | awk '{ w += $1; s += $2 } END { print w, s }')
            bulk=$("$GB" summary "$TMP"/d_*.csv --format csv |
                awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                         $1 != "lp__" && $(c["ess_bulk"]) != "" && $(c["ess_bulk"]) != "nan" {
                             v = $(c["ess_bulk"]) + 0; if (!n++ || v < m) m = v }
                         END { printf "%.0f", m }')
            awk -v n="$name" -v a="$adapt" -v w="$warm" -v s="$seed" -v gw="$gw" -v gs="$gs" \
                -v b="$bulk" -v t0="$t0" -v t1="$t1" 'BEGIN {
                printf "| %s | %s | %s | %s | %d | %d | %d | %.4f | %.4f | %.1f |\n",
                       n, a, w, s, gw, gs, b, b / gs, b / (gw + gs), t1 - t0 }'
        done
    done
done
