#!/usr/bin/env bash
# run_hmm_stuck.sh - counts the chains of a hidden Markov model that get stuck with a state
# (nearly) empty, the symptom of issue 18 (single-site Gibbs: 9 of 28 chains over 7 seeds).
#
#   tests/bench/run_hmm_stuck.sh [MODEL.gb DATA.json]   (default: tests/bench/hmm_gauss.gb with
#                                                        the peers' simulated data)
# Env: BUILD=build  GB=path to a glassbox binary (default $BUILD/glassbox)  SEEDS="1 2 ..."
#      PEERS_DIR=../shared/bench/peers
# Each seed runs 4 chains of 1000 + 1000 iterations.  A chain is stuck when, in more than half
# of its draws, some state holds fewer than STUCK_FRAC (2%) of the T elements of z: on data
# where both states are well populated (the simulated hmm_gauss has ~40/60) a sampler that
# mixes never spends most of a chain there.  Prints one line per seed and the total.
# Measured (seeds 1-7, Dec 2026), single-site Gibbs (3ffc7ad) -> FFBS block updates:
#   tests/posteriordb/bball_drive_event_0-hmm_drive_0.gb (real data, N = 416): 11 -> 1 of 28
#   tests/bench/hmm_gauss.gb, tests/posteriordb/hmm_example-hmm_example.gb: 0 -> 0 of 28
# With the chain summed out by the forward algorithm (model_marg_chain.c, seeds 1-7, Dec 2026):
#   bball_drive: 1 of 28 (seed 2), the same as FFBS.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
GB=${GB:-$BUILD/glassbox}
PEERS_DIR=${PEERS_DIR:-${GB_TEST_SHARED:-../shared}/bench/peers}
MODEL=${1:-tests/bench/hmm_gauss.gb}
DATA=${2:-$PEERS_DIR/data/hmm_gauss.json}
SEEDS=${SEEDS:-"1 2 3 4 5 6 7"}
if [ ! -f "$DATA" ]; then
    echo "hmm stuck: $DATA is absent (make it with: cd $PEERS_DIR && Rscript gen_data.R hmm_gauss); skipped"
    exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
total=0 stuck=0
for s in $SEEDS; do
    "$GB" run "$MODEL" --data "$DATA" --seed "$s" --threads 2 --quiet --output "$TMP/d.csv" \
        >"$TMP/summary.txt"
    line=$(python3 - "$TMP"/d_*.csv <<'PY'
import csv, sys
STUCK_FRAC = 0.02
out = []
for path in sys.argv[1:]:
    rows = [r for r in csv.reader(l for l in open(path) if not l.startswith('#'))]
    head, body = rows[0], rows[1:]
    zc = [i for i, n in enumerate(head) if n.startswith('z.')]
    T = len(zc)
    low = 0
    for r in body:
        n1 = sum(1 for i in zc if float(r[i]) == 1)
        low += min(n1, T - n1) < STUCK_FRAC * T
    out.append(1 if low > len(body) / 2 else 0)
print(sum(out), len(out))
PY
)
    set -- $line
    echo "seed $s: $1 of $2 chains stuck"
    stuck=$((stuck + $1))
    total=$((total + $2))
done
echo "hmm stuck: $stuck of $total chains stuck ($MODEL)"
