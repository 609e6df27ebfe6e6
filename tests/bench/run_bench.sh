#!/usr/bin/env bash
# run_bench.sh - glassbox beside JAGS and Stan on the peers' models (make bench).
#
# Env: BENCH_MODELS="m1 m2" (default: all six)   BUILD=build
#      PEERS_DIR=../shared/bench/peers           PEER_RESULTS=DIR (peer results of this session,
#        set by `make bench-peers`; default build/bench/peers when it holds results)
#      BENCH_STORED=1   also show the peers' stored results (PEERS_DIR/results) for models
#                       without a peer run in PEER_RESULTS, marked "(stored)"
#      BENCH_SCALING=1  also time --threads 1, for the 2-thread speed-up (0: skip), for models
#                       whose 2-thread run took at most BENCH_SCALING_MAX_S=60 seconds
#      BENCH_GRAD_SECONDS=3  seconds per side in gradbench
#      BENCH_OUT=tests/bench/RESULTS.md  where the tables are written (besides stdout)
#      BENCH_MEMORY=1   also the N = 10^6 linear regression's peak RSS (0: skip)
#      BENCH_LARGE_RADON=0  1: also radon_hier on 10^6 rows in 10^4 groups (gen_radon_1m.sh):
#                       wall, ESS/s, peak RSS (opt-in: each gradient is two passes over 10^6
#                       rows, about 10 ms, and the run takes tens of minutes on two cores)
#      BENCH_RADON_N=1000000 BENCH_RADON_J=10000  its rows and groups (smaller for a quick check)
# For each model: glassbox run (4 chains, its default warmup, 1000 draws, --threads 2), wall
# seconds from process start to the CSV files written, peak RSS, the gradients spent in warmup
# and in sampling (all chains; the draws files' "# gradients:" comment); `glassbox summary
# --format csv` gives min bulk ESS, min tail ESS and max R-hat over the parameters the peers
# assess (common.R's PARAMS, matched by the column name's prefix before the first '.').  Prints
# one markdown table, a gradient-cost table (gradbench) and writes both to
# tests/bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BUILD=${BUILD:-build}
PEERS_DIR=${PEERS_DIR:-../shared/bench/peers}
GB="$ROOT/$BUILD/glassbox"
GRADBENCH="$ROOT/$BUILD/bench/gradbench"
ALL="eight_schools_nc radon_hier logistic_10k linreg_100k changepoint mlp_10_5_1 hmm_gauss mix_gauss"
MODELS=${BENCH_MODELS:-}
[ -n "${MODELS// /}" ] || MODELS=$ALL
BENCH_STORED=${BENCH_STORED:-1}
BENCH_SCALING=${BENCH_SCALING:-1}
BENCH_SCALING_MAX_S=${BENCH_SCALING_MAX_S:-60}

if [ ! -d "$PEERS_DIR" ]; then
    echo "bench: $PEERS_DIR is absent (the peers' models, data generator and results); nothing to compare against"
    exit 0
fi
PEERS_DIR=$(cd "$PEERS_DIR" && pwd)
if [ -z "${PEER_RESULTS:-}" ] && [ -d "$BUILD/bench/peers" ]; then PEER_RESULTS="$ROOT/$BUILD/bench/peers"; fi
PEER_RESULTS=${PEER_RESULTS:-}

SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
apt_install() {
    local missing=""
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
    [ -z "$missing" ] && return 0
    echo "bench: installing$missing"
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
        --no-install-recommends $missing
}
[ -x /usr/bin/time ] || apt_install time

# Parameters assessed per model: common.R's PARAMS, e.g.  radon_hier = c("mu_a", "sigma_a", ...)
params_for() {
    local p
    p=$(sed -n "s/^[[:space:]]*\(PARAMS <- list(\)\{0,1\}[[:space:]]*$1[[:space:]]*=[[:space:]]*c(\([^)]*\)).*/\2/p" \
        "$PEERS_DIR/common.R" | tr -d '" ' | tr ',' ' ')
    [ -n "$p" ] || { echo "bench: no PARAMS for $1 in $PEERS_DIR/common.R" >&2; return 1; }
    echo "$p"
}

data_for() {
    local f="$PEERS_DIR/data/$1.json"
    if [ ! -f "$f" ]; then
        if ! command -v Rscript >/dev/null || ! dpkg -s r-cran-jsonlite >/dev/null 2>&1; then
            apt_install r-base-core r-cran-jsonlite >&2
        fi
        echo "bench: generating $f" >&2
        Rscript "$PEERS_DIR/gen_data.R" "$1" >&2
    fi
    echo "$f"
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gbbench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# run_gb MODEL THREADS -> "wall rss_kb"; draws in $TMP/MODEL_tTHREADS_*.csv
run_gb() {
    local m=$1 t=$2 data t0 t1 w walls="" k
    data=$(data_for "$m")
    # A run under a second is at the mercy of the scheduler: run it 5 times (the default seed: the same
    # draws) and report the median wall.
    for k in 1 2 3 4 5; do
        t0=$(date +%s.%N)
        if ! /usr/bin/time -f %M -o "$TMP/${m}_t$t.rss" "$GB" run "tests/bench/$m.gb" --data "$data" \
            --chains 4 --draws 1000 --threads "$t" --output "$TMP/${m}_t$t.csv" \
            --quiet > "$TMP/${m}_t$t.log" 2>&1; then
            echo "bench: glassbox failed on $m after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }') s:" >&2
            tail -20 "$TMP/${m}_t$t.log" "$TMP/${m}_t$t.rss" >&2
            return 1
        fi
        t1=$(date +%s.%N)
        w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
        walls="$walls $w"
        awk -v w="$w" 'BEGIN { exit !(w >= 1) }' && break
    done
    w=$(echo $walls | tr ' ' '\n' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    echo "$w $(tail -1 "$TMP/${m}_t$t.rss")"
}

# ess_of MODEL THREADS -> "min_bulk min_bulk_var min_tail max_rhat max_rhat_var"
ess_of() {
    local m=$1 t=$2
    "$GB" summary "$TMP/${m}_t$t"_*.csv --format csv > "$TMP/${m}_t$t.sum"
    awk -F, -v params=" $(params_for "$m") " '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        {
            name = $1; pre = name; sub(/\..*/, "", pre)
            if (index(params, " " pre " ") == 0) next
            b = $col["ess_bulk"] + 0; tl = $col["ess_tail"] + 0; r = $col["rhat"] + 0
            if (n == 0 || b < mb) { mb = b; mbv = name }
            if (n == 0 || tl < mt) mt = tl
            if (n == 0 || r > mr) { mr = r; mrv = name }
            n++
        }
        END { if (n == 0) exit 1; printf "%.0f %s %.0f %.3f %s\n", mb, mbv, mt, mr, mrv }
    ' "$TMP/${m}_t$t.sum"
}

# peer_row MODEL SYSTEM DIR -> fields for the table, or nothing when that run is absent
meta() { awk -F'\t' -v k="$2" '$1 == k { print $2 }' "$1"; }
peer_fields() {
    local m=$1 s=$2 dir=$3 base
    base="$dir/$m/$s"
    [ -f "${base}_ess.tsv" ] && [ -f "${base}_time.txt" ] && [ -f "${base}_meta.tsv" ] || return 1
    local wall comp cached smp bulk bvar tail rh rvar grads wd
    wall=$(cut -d' ' -f1 "${base}_time.txt")
    smp=$(meta "${base}_meta.tsv" sample_s)
    comp=$(meta "${base}_meta.tsv" compile_first_build_s); [ -n "$comp" ] || comp=$(meta "${base}_meta.tsv" compile_s)
    cached=$(meta "${base}_meta.tsv" compile_cached)
    grads=$(meta "${base}_meta.tsv" grad_evals) # Stan's harness: all chains, warmup included
    wd="$(meta "${base}_meta.tsv" warmup)+$(meta "${base}_meta.tsv" draws)"
    read -r bulk bvar tail rh rvar < <(awk -F'\t' 'NR == 2 { print $4, $5, $6, $8, $9 }' "${base}_ess.tsv")
    echo "$wall ${comp:-0} ${cached:-NA} $smp $bulk $bvar $tail $rh $rvar ${grads:-NA} $wd"
}

fmt() { LC_ALL=C printf "%.${2:-1}f" "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }

TABLE="$TMP/table.md"
{
    echo "| model | system | wall s | compile s | sampling s | min bulk ESS | min tail ESS | max R-hat | ESS/s | ESS/s (smp) | peak RSS MB | 2 thr vs 1 | glassbox/JAGS | glassbox/Stan (smp) | gradients warmup / sampling |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$TABLE"
GRADS="$TMP/grads.md"
: > "$GRADS"
notes=""
gb_warmups="" peer_runs="" # what was run, for the header: "400" and "jags 1000+1000" ...
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

for m in $MODELS; do
    case " $ALL " in *" $m "*) ;; *) echo "bench: unknown model $m (one of: $ALL)" >&2; exit 2 ;; esac
    echo "== $m / glassbox  (start $(date +%T))" >&2
    read -r wall rss < <(run_gb "$m" 2) || continue
    read -r bulk bvar tail rh rvar < <(ess_of "$m" 2) || { echo "bench: no parameters of $m in the summary" >&2; continue; }
    speed="-"
    if [ "$BENCH_SCALING" = 1 ] && awk -v w="$wall" -v x="$BENCH_SCALING_MAX_S" 'BEGIN { exit !(w <= x) }'; then
        read -r wall1 _ < <(run_gb "$m" 1) && speed="$(ratio "$wall1" "$wall")x (1 thr $(fmt "$wall1" 2) s)"
    fi
    gb_eps=$(awk -v b="$bulk" -v w="$wall" 'BEGIN { print b / w }')
    echo "   wall $(fmt "$wall" 2) s, RSS $((rss / 1024)) MB, min bulk ESS $bulk ($bvar), min tail $tail, max R-hat $rh ($rvar)" >&2

    vs_jags="-"; vs_stan="-"; peer_rows=""
    for s in jags stan; do
        src=""; f=""
        if [ -n "$PEER_RESULTS" ] && f=$(peer_fields "$m" "$s" "$PEER_RESULTS"); then src=""
        elif [ "$BENCH_STORED" = 1 ] && f=$(peer_fields "$m" "$s" "$PEERS_DIR/results"); then src=" (stored)"
        else continue; fi
        read -r pw pc pcached ps pb pbv pt pr prv pg pwd <<< "$f"
        peer_runs+="$s $pwd"$'\n'
        # gradients: Stan's harness records only the total; JAGS uses none
        pgrads="-"; [ "$s" = stan ] && [ "$pg" != NA ] && pgrads="total $pg (warmup + sampling)"
        # ESS/s over the run's wall less compile time spent in this run (Stan, not cached)
        pwall_nc=$pw; [ "$s" = stan ] && [ "$pcached" = FALSE ] && pwall_nc=$(awk -v w="$pw" -v c="$pc" 'BEGIN { print w - c }')
        peps=$(awk -v b="$pb" -v w="$pwall_nc" 'BEGIN { print b / w }')
        pseps=$(awk -v b="$pb" -v w="$ps" 'BEGIN { print b / w }')
        if [ "$s" = jags ]; then
            comp="-"; vs_jags="$(ratio "$gb_eps" "$peps")$src"
        else
            comp=$(fmt "$pc"); [ "$pcached" = TRUE ] && comp="$comp (cached)"
            vs_stan="$(ratio "$gb_eps" "$pseps")$src"
        fi
        peer_rows+="| $m | $s$src | $(fmt "$pw") | $comp | $(fmt "$ps" 2) | $(fmt "$pb" 0) ($pbv) | $(fmt "$pt" 0) | $(fmt "$pr" 3) ($prv) | $(fmt "$peps") | $(fmt "$pseps") | - | - | - | - | $pgrads |"$'\n'
        [ -n "$src" ] && notes="stored"
    done
    gb_warmups+="$(sed -n 's/^# *num_warmup = //p' "$TMP/${m}_t2_1.csv" | head -1)"$'\n'
    grads=$(sed -n 's/^# gradients: \([0-9]*\) (Warm-up), \([0-9]*\) (Sampling).*/\1 \2/p' \
        "$TMP/${m}_t2"_*.csv | awk '{ w += $1; s += $2 } END { printf "%d / %d", w, s }')
    echo "| $m | glassbox | $(fmt "$wall" 2) | - | - | $bulk ($bvar) | $tail | $rh ($rvar) | $(fmt "$gb_eps") | - | $((rss / 1024)) | $speed | $vs_jags | $vs_stan | $grads |" >> "$TABLE"
    printf "%s" "$peer_rows" >> "$TABLE"

    if [ "$m" = linreg_100k ] || [ "$m" = logistic_10k ]; then
        echo "== $m / gradbench" >&2
        if line=$("$GRADBENCH" "tests/bench/$m.gb" "$(data_for "$m")" "${BENCH_GRAD_SECONDS:-3}"); then
            read -r _ _ n k gbr gsr cr rr err <<< "$line"
            echo "| $m | $n x $k | $(fmt "$gbr" 0) | $(fmt "$gsr" 0) | $(fmt "$cr" 0) | $(fmt "$rr" 2)x | $err |" >> "$GRADS"
        else
            echo "| $m | - | failed | - | - | - | - |" >> "$GRADS"
        fi
    fi
done

# Memory: linear regression with N = 10^6 rows, K = 10 (4 chains x 1000 draws + 1000 warmup),
# data generated by gen_glm_1m.sh linreg, read as CSV and as JSON; target peak RSS under 1 GB.
MEM="$TMP/mem.md"
: > "$MEM"
if [ "${BENCH_MEMORY:-1}" = 1 ]; then
    echo "== linreg N = 10^6 (memory)" >&2
    bash tests/bench/gen_glm_1m.sh linreg "$TMP"
    for fmt_ in csv json; do
        t0=$(date +%s.%N)
        if /usr/bin/time -f %M -o "$TMP/mem_$fmt_.rss" "$GB" run tests/bench/linreg_100k.gb \
            --data "$TMP/linreg_1m.$fmt_" --chains 4 --warmup 1000 --draws 1000 --threads 2 \
            --output "$TMP/mem_$fmt_.csv" --quiet > "$TMP/mem_$fmt_.log" 2>&1; then
            t1=$(date +%s.%N)
            w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
            read -r bulk _ _ rh _ < <("$GB" summary "$TMP"/mem_"$fmt_"_*.csv --format csv |
                awk -F, 'NR > 1 && $1 != "lp__" { b = $9 + 0; r = $8 + 0; if (n == 0 || b < mb) mb = b; if (n == 0 || r > mr) mr = r; n++ }
                         END { printf "%.0f x x %.3f x\n", mb, mr }')
            rss=$(tail -1 "$TMP/mem_$fmt_.rss")
            echo "| 10^6 x 10 | $fmt_ | $(fmt "$w" 2) | $((rss / 1024)) | $bulk | $rh | $([ $((rss / 1024)) -lt 1024 ] && echo met || echo "NOT met") |" >> "$MEM"
        else
            echo "| 10^6 x 10 | $fmt_ | failed | - | - | - | - |" >> "$MEM"
            tail -5 "$TMP/mem_$fmt_.log" >&2
        fi
    done
fi

# Hierarchical model at scale: radon_hier.gb on N = 10^6 rows in J = 10^4 groups (generated by
# gen_radon_1m.sh), 4 chains x (the default warmup + 1000 draws), --threads 2, as the models
# above; target peak RSS under 1 GB.  ESS over common.R's radon_hier PARAMS (all 10^4 intercepts
# included).
LARGE="$TMP/large.md"
: > "$LARGE"
if [ "${BENCH_LARGE_RADON:-0}" = 1 ]; then
    echo "== radon_hier N = ${BENCH_RADON_N:-10^6}, J = ${BENCH_RADON_J:-10^4}  (start $(date +%T))" >&2
    RN=${BENCH_RADON_N:-1000000} RJ=${BENCH_RADON_J:-10000}
    bash tests/bench/gen_radon_1m.sh "$TMP" "$RN" "$RJ"
    t0=$(date +%s.%N) # the draws go where ess_of looks for radon_hier's ("thread count" L)
    if /usr/bin/time -f %M -o "$TMP/radon_1m.rss" "$GB" run tests/bench/radon_hier.gb \
        --data "$TMP/radon_1m.json" --chains 4 --draws 1000 --threads 2 \
        --output "$TMP/radon_hier_tL.csv" --quiet > "$TMP/radon_1m.log" 2>&1; then
        t1=$(date +%s.%N)
        w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
        rss=$(tail -1 "$TMP/radon_1m.rss")
        if read -r bulk bvar tail rh rvar < <(ess_of radon_hier L); then
            eps=$(awk -v b="$bulk" -v w="$w" 'BEGIN { print b / w }')
            echo "| $RN x $RJ | $(fmt "$w" 1) | $bulk ($bvar) | $tail | $rh ($rvar) | $(fmt "$eps" 1) | $((rss / 1024)) | $([ $((rss / 1024)) -lt 1024 ] && echo met || echo "NOT met") |" >> "$LARGE"
        else
            echo "| $RN x $RJ | $(fmt "$w" 1) | no summary | - | - | - | $((rss / 1024)) | - |" >> "$LARGE"
        fi
    else
        echo "| $RN x $RJ | failed | - | - | - | - | - | - |" >> "$LARGE"
        tail -5 "$TMP/radon_1m.log" >&2
    fi
fi

LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
MACHINE="$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
CMD="make bench${BENCH_MODELS:+ BENCH_MODELS=\"$BENCH_MODELS\"}"
if [ -n "$PEER_RESULTS" ] && [ -d "$PEER_RESULTS" ]; then
    pdate=$(find "$PEER_RESULTS" -name '*_ess.tsv' -printf '%TY-%Tm-%Td %TH:%TM\n' 2>/dev/null | sort | tail -1)
    CMD="$CMD  (peer rows: make bench-peers, results in ${PEER_RESULTS#$ROOT/}, newest from ${pdate:-?})"
fi
# the warmup lengths that were run (one, unless the models differ), and the peers' runs
GB_WARMUP=$(printf "%s" "$gb_warmups" | grep . | sort -un | paste -sd/ || true)
PEER_RUNS=$(printf '%s' "$peer_runs" | grep . | sort -u |
    awk '{ split($2, a, "+"); printf "%s%s %s warmup + %s draws", (NR > 1 ? ", " : ""), $1, a[1], a[2] }' ||
    true)
OUT="$TMP/out.md"
{
    echo "# glassbox benchmark results"
    echo
    echo "Generated $(date '+%Y-%m-%d %H:%M') on $MACHINE ($(uname -sr)); $("$GB" --version 2>/dev/null | head -1)."
    echo "Command: \`$CMD\`. Load average (1, 5, 15 min) at start: $LOAD0; at end: $LOAD1"
    echo "(a load above the core count means other processes shared the cores during the run: timings inflate)."
    echo
    echo "glassbox: 4 chains x (${GB_WARMUP:-default} warmup + 1000 draws: its default warmup, Fisher adaptation,"
    echo "tests/bench/WARMUP.md), --threads 2, default seed; wall = process start to draws CSV"
    echo "written (includes data load, parse, compile, summary; a run under 1 s is repeated 5 times and its"
    echo "median wall shown); ESS/s = min bulk ESS / wall. Peers (JAGS, Stan)"
    [ -n "$PEER_RUNS" ] && echo "ran 4 chains x ($PEER_RUNS)"
    echo "as in ../shared/bench/peers/RESULTS.md: wall = whole Rscript run, ESS/s = min bulk ESS / (wall - compile"
    echo "done in this run), ESS/s (smp) = min bulk ESS / sampling phase. glassbox/JAGS = glassbox ESS/s over JAGS"
    echo "ESS/s (both whole wall); glassbox/Stan (smp) = glassbox ESS/s (whole wall) over Stan's sampling-only ESS/s."
    echo "ESS and R-hat over common.R's PARAMS (glassbox also includes the discrete tau of changepoint, as JAGS does;"
    echo "Stan marginalises it). \"2 thr vs 1\" = wall with --threads 1 / wall with --threads 2. Gradients, all"
    echo "chains: glassbox's in warmup / in sampling (the draws files' \"# gradients:\" line); Stan's total, warmup"
    echo "included (the peers' harness records only grad_evals); JAGS uses none (-)."
    [ -n "$notes" ] && echo "Rows marked (stored) are the peers' stored results from ${PEERS_DIR}/results (an earlier run, not this session)."
    echo
    cat "$TABLE"
    if [ -s "$GRADS" ]; then
        echo
        echo "Log density + gradient at one unconstrained point, glassbox (gb_model_logp) against a hand-written C loop"
        echo "over the rows (tests/bench/gradbench.c; gradients agree to the max relative difference shown). \"glassbox\""
        echo "is the model as run compiles it (normal_id_glm of data from sufficient statistics); \"streaming\" is the"
        echo "same evaluator passing over the rows as the C loop does: C / streaming is the interpreter's overhead."
        echo
        echo "| model | N x K | glassbox grads/s | streaming grads/s | hand C grads/s | C / streaming | max rel grad diff |"
        echo "|---|---|---|---|---|---|---|"
        cat "$GRADS"
    fi
    if [ -s "$MEM" ]; then
        echo
        echo "Memory: linear regression (tests/bench/linreg_100k.gb) on N = 10^6 rows, K = 10, generated by"
        echo "tests/bench/gen_glm_1m.sh linreg; 4 chains x (1000 warmup + 1000 draws), --threads 2; target peak RSS < 1 GB."
        echo
        echo "| N x K | data file | wall s | peak RSS MB | min bulk ESS | max R-hat | < 1 GB |"
        echo "|---|---|---|---|---|---|---|"
        cat "$MEM"
    fi
    if [ -s "$LARGE" ]; then
        echo
        echo "Hierarchical model at scale: radon_hier (tests/bench/radon_hier.gb, y ~ normal(a[g] + b * x, sigma_y))"
        echo "on N = $RN rows in J = $RJ groups, generated by tests/bench/gen_radon_1m.sh; 4 chains x (default warmup +"
        echo "1000 draws), --threads 2; ESS over mu_a, sigma_a, b, sigma_y and every a[j]; target peak RSS < 1 GB."
        echo
        echo "| N x J | wall s | min bulk ESS | min tail ESS | max R-hat | ESS/s | peak RSS MB | < 1 GB |"
        echo "|---|---|---|---|---|---|---|---|"
        cat "$LARGE"
    fi
} > "$OUT"
cat "$OUT"
BENCH_OUT=${BENCH_OUT:-tests/bench/RESULTS.md}
mkdir -p "$(dirname "$BENCH_OUT")"
cp "$OUT" "$BENCH_OUT"
echo >&2
echo "wrote $BENCH_OUT" >&2
