#!/bin/bash
# run_mpi.sh - `mpirun -np 2 glassbox run`: chains spread over ranks give the same draws as one
# process (cmp of every chain's rows), and a rank killed with SIGKILL mid-run ends the job with
# an error naming it while rank 0 keeps the draws gathered so far, whole (never a hang: every
# mpirun runs under timeout); --data-parallel's draws against one process's, and its killed rank.
#
# Needs Open MPI (mpirun) and the MPI build (make MPI=1, build/mpi/glassbox); skips, saying so,
# without them (make test-mpi installs both).  Open MPI refuses to run as root unless told:
# the two OMPI_ALLOW_RUN_AS_ROOT variables say it is meant (CI containers run as root).  The
# machine may have fewer cores than ranks: --oversubscribe.
set -u
cd "$(dirname "$0")/../.."
GLASSBOX=${GLASSBOX:-${BUILD:-build}/glassbox}
MPI_GLASSBOX=${MPI_GLASSBOX:-build/mpi/glassbox}
# Without Open MPI too: the default build, told by the launcher's variable that it is one of two
# ranks, refuses (each rank would run every chain into the same files); exit 2, the hint says how.
out=$(OMPI_COMM_WORLD_SIZE=2 "$GLASSBOX" run examples/eight_schools.gb \
    --data examples/eight_schools.json --chains 1 --warmup 5 --draws 5 --quiet 2>&1)
rc=$?
if [ $rc = 2 ] && grep -q "but this glassbox was built without MPI" <<< "$out" &&
    grep -q "hint: build it with \`make MPI=1\`" <<< "$out"; then
    echo "ok: the default build refuses to be one of several ranks"
else
    echo "FAIL: the default build as one of 2 ranks: exit $rc"; echo "$out"; exit 1
fi
if ! command -v mpirun > /dev/null; then
    echo "run_mpi.sh: skipped: mpirun is not installed (make test-mpi installs Open MPI)"
    exit 0
fi
if [ ! -x "$MPI_GLASSBOX" ]; then
    echo "run_mpi.sh: skipped: $MPI_GLASSBOX is not built (make MPI=1, or make test-mpi)"
    exit 0
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN="mpirun --oversubscribe"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
rows() { grep -v '^#' "$1"; }
# kill_rank1 WHAT PATTERN GLOB MIN SETTLE: waits (up to 60 s) for rank 1 of the mpirun started
# as $job (a glassbox whose command line matches PATTERN) and, when GLOB is not empty, for the
# temporary draws file GLOB to hold more than MIN rows; SETTLE seconds later kills rank 1 with
# SIGKILL (or, rank 1 not found, fails and ends the job).  Then waits for mpirun: its exit
# status goes into rc, and a hang (the timeout's 124) or an exit 0 is a failure.
kill_rank1() {
    local what=$1 pattern=$2 glob=$3 min=$4 settle=$5 rank1="" p f
    for _ in $(seq 600); do
        for p in $(pgrep -f "$pattern"); do
            if tr '\0' '\n' < /proc/$p/environ 2> /dev/null | grep -qx OMPI_COMM_WORLD_RANK=1; then
                rank1=$p
            fi
        done
        f=""
        [ -z "$glob" ] || f=$(ls $glob 2> /dev/null | head -1)
        if [ -n "$rank1" ] && { [ -z "$glob" ] || { [ -n "$f" ] &&
            [ "$(rows "$f" | wc -l)" -gt "$min" ]; }; }; then break; fi
        sleep 0.1
    done
    sleep "$settle"
    if [ -z "$rank1" ]; then
        fail "$what: rank 1 not found"
        kill $job 2> /dev/null
    else
        kill -9 "$rank1"
    fi
    wait $job
    rc=$?
    if [ $rc = 124 ]; then fail "$what: mpirun hung (timeout)"; fi
    [ $rc != 0 ] || fail "$what: mpirun exited 0 after a rank was killed"
}

# 1. Same seed, same chain count: every chain's draws byte-identical to one process's, for
#    chains that divide evenly (4 over 2), unevenly (3), and fewer chains than ranks (1).
model=examples/eight_schools.gb
data=examples/eight_schools.json
for chains in 4 3 1; do
    mkdir -p "$tmp/one$chains" "$tmp/mpi$chains"
    "$GLASSBOX" run $model --data $data --chains $chains --warmup 150 --draws 150 --seed 11 \
        --quiet --output "$tmp/one$chains/d.csv" > "$tmp/one$chains/out" 2>&1 ||
        fail "single process, $chains chains: exit $?"
    timeout 120 $MPIRUN -np 2 "$MPI_GLASSBOX" run $model --data $data --chains $chains \
        --warmup 150 --draws 150 --seed 11 --quiet --output "$tmp/mpi$chains/d.csv" \
        > "$tmp/mpi$chains/out" 2>&1 || fail "mpirun -np 2, $chains chains: exit $?"
    if [ "$chains" = 1 ]; then files=d.csv; else files=$(seq -f 'd_%g.csv' 1 $chains); fi
    for f in $files; do
        if cmp <(rows "$tmp/one$chains/$f") <(rows "$tmp/mpi$chains/$f") > /dev/null; then
            echo "ok: $chains chains over 2 ranks: $f identical to one process"
        else
            fail "$chains chains over 2 ranks: $f differs from one process"
        fi
    done
    # the summary is rank 0's alone, and the same
    if cmp "$tmp/one$chains/out" "$tmp/mpi$chains/out" > /dev/null; then
        echo "ok: $chains chains: the summary is printed once and is the same"
    else
        fail "$chains chains: summaries differ"; diff "$tmp/one$chains/out" "$tmp/mpi$chains/out"
    fi
done

# 2. kill -9 rank 1 (chains 3-4) once its chains have written draws: the job ends (timeout
#    guard), rank 0 names the rank, and every chain's file is in place with whole rows only.
mkdir -p "$tmp/kill"
timeout 120 $MPIRUN -np 2 "$MPI_GLASSBOX" run $model --data $data --chains 4 --warmup 100 \
    --draws 2000000 --seed 3 --quiet --output "$tmp/kill/d.csv" > "$tmp/kill/out" \
    2> "$tmp/kill/err" &
job=$!
kill_rank1 kill "$MPI_GLASSBOX run $model" "$tmp/kill/d_3.csv.tmp-*" 1000 0
grep -q "error: MPI rank 1 (chains 3-4) ended without reporting (it failed or was killed" \
    "$tmp/kill/err" && echo "ok: kill: rank 0 names the lost rank" ||
    { fail "kill: no error naming rank 1"; cat "$tmp/kill/err"; }
ncols=$(rows "$tmp/kill/d_1.csv" 2> /dev/null | head -1 | awk -F, '{print NF}')
for c in 1 2 3 4; do
    f="$tmp/kill/d_$c.csv"
    if [ ! -f "$f" ]; then
        fail "kill: $f is not in place"
        continue
    fi
    n=$(rows "$f" | wc -l)
    bad=$(rows "$f" | awk -F, -v n="$ncols" 'NF != n' | wc -l)
    [ "$bad" = 0 ] || fail "kill: $f has $bad cut rows"
    [ "$n" -gt 1 ] || fail "kill: $f kept no draws"
    grep -q "interrupted" "$f" || fail "kill: $f does not say the run was interrupted"
    echo "ok: kill: chain $c kept $((n - 1)) whole draws"
done
ls "$tmp/kill"/*.tmp-* > /dev/null 2>&1 && fail "kill: temporary files left behind"

# 3. Ctrl-C to mpirun (it sends every rank SIGTERM, then SIGKILL a second later): rank 0 writes
#    every chain's draws gathered so far within that second, whole, and renames them into place.
mkdir -p "$tmp/int"
timeout 120 $MPIRUN -np 2 "$MPI_GLASSBOX" run $model --data $data --chains 4 --warmup 100 \
    --draws 2000000 --seed 5 --quiet --output "$tmp/int/d.csv" > "$tmp/int/out" \
    2> "$tmp/int/err" &
job=$!
for _ in $(seq 600); do
    f=$(ls "$tmp/int"/d_4.csv.tmp-* 2> /dev/null | head -1)
    if [ -n "$f" ] && [ "$(rows "$f" | wc -l)" -gt 1000 ]; then break; fi
    sleep 0.1
done
mpirun_pid=$(pgrep -P $job | head -1)
kill -INT "${mpirun_pid:-$job}"
wait $job
rc=$?
[ $rc != 124 ] || fail "Ctrl-C: mpirun hung (timeout)"
for c in 1 2 3 4; do
    f="$tmp/int/d_$c.csv"
    if [ -f "$f" ] && [ "$(rows "$f" | awk -F, -v n="$ncols" 'NF != n' | wc -l)" = 0 ]; then
        echo "ok: Ctrl-C: chain $c kept $(($(rows "$f" | wc -l) - 1)) whole draws"
    else
        fail "Ctrl-C: $f not in place or cut"; cat "$tmp/int/err"
    fi
done
ls "$tmp/int"/*.tmp-* > /dev/null 2>&1 && fail "Ctrl-C: temporary files left behind"

# 4. What the ranks cannot share is refused by name, not run wrong: the tree sampler's records.
out=$(timeout 60 $MPIRUN -np 2 "$MPI_GLASSBOX" run tests/fault/tiny_tree.gb \
    --data tests/fault/tiny_tree.json --chains 2 --warmup 5 --draws 5 --quiet 2>&1)
grep -q "error: cannot spread these chains over MPI ranks: the tree sampler's records stay in" \
    <<< "$out" && echo "ok: a tree model is refused over ranks" ||
    { fail "a tree model over ranks"; echo "$out"; }

# 5. The default build refuses to be started as several ranks (each would run every chain
#    into the same files).
out=$(timeout 60 $MPIRUN -np 2 "$GLASSBOX" run $model --data $data --chains 2 --warmup 10 \
    --draws 10 --quiet 2>&1)
grep -q "error: started by mpirun with 2 ranks, but this glassbox was built without MPI" \
    <<< "$out" && echo "ok: the default build refuses mpirun" ||
    { fail "the default build under mpirun"; echo "$out"; }

# 6. --data-parallel: both ranks run both chains, each on its half of the rows, the shares
#    summed in rank order.  The draws are byte-identical to one process splitting the rows in 2
#    (--split-rows 2: the same sums in the same order), and agree with the unsplit run within
#    1e-10 per printed value over 100 iterations (measured: identical to the 9 printed digits;
#    at full precision tests/runtime/model/test_split.c measures 2.8e-14).
bash tests/bench/gen_glm_1m.sh logistic "$tmp" 5000
mkdir -p "$tmp/dp"
dp=(run tests/bench/logistic_10k.gb --data "$tmp/logistic_1m.csv" --chains 2 --warmup 0
    --seed 7 --quiet)
timeout 120 $MPIRUN -np 2 "$MPI_GLASSBOX" "${dp[@]}" --draws 100 --data-parallel \
    --output "$tmp/dp/mpi.csv" > /dev/null 2>&1 || fail "--data-parallel: exit $?"
"$GLASSBOX" "${dp[@]}" --draws 100 --split-rows 2 --output "$tmp/dp/split.csv" > /dev/null 2>&1 ||
    fail "--split-rows 2: exit $?"
"$GLASSBOX" "${dp[@]}" --draws 100 --output "$tmp/dp/whole.csv" > /dev/null 2>&1 ||
    fail "unsplit: exit $?"
for c in 1 2; do
    for f in mpi split whole; do # a missing file must not compare as equal below
        [ -s "$tmp/dp/${f}_$c.csv" ] || fail "--data-parallel: $tmp/dp/${f}_$c.csv was not written"
    done
    if cmp <(rows "$tmp/dp/mpi_$c.csv") <(rows "$tmp/dp/split_$c.csv") > /dev/null; then
        echo "ok: --data-parallel chain $c: identical to --split-rows 2 in one process"
    else
        fail "--data-parallel chain $c differs from --split-rows 2"
    fi
    worst=$(paste -d, <(rows "$tmp/dp/mpi_$c.csv" | tail -n +2) \
        <(rows "$tmp/dp/whole_$c.csv" | tail -n +2) | awk -F, '{
            h = NF / 2; for (i = 1; i <= h; i++) { d = $i - $(i + h); if (d < 0) d = -d
            if (d > w) w = d } } END { printf "%.3g", w + 0 }')
    if awk -v w="$worst" 'BEGIN { exit !(w <= 1e-10) }'; then
        echo "ok: --data-parallel chain $c: largest difference from the unsplit run $worst"
    else
        fail "--data-parallel chain $c: differs from the unsplit run by $worst"
    fi
done

# 7. kill -9 rank 1 during a --data-parallel run: rank 0 waits in the sum for a rank that is
#    gone; mpirun's SIGTERM stops it, and the job ends (never a hang), with rank 0's files whole.
mkdir -p "$tmp/dpkill"
timeout 120 $MPIRUN -np 2 "$MPI_GLASSBOX" "${dp[@]}" --draws 2000000 --data-parallel \
    --output "$tmp/dpkill/d.csv" > /dev/null 2> "$tmp/dpkill/err" &
job=$!
kill_rank1 "--data-parallel kill" "$MPI_GLASSBOX run tests/bench/logistic_10k.gb" \
    "$tmp/dpkill/d_1.csv.tmp-*" 50 0
f="$tmp/dpkill/d_1.csv"
if [ -f "$f" ] && [ "$(rows "$f" | awk -F, 'NR == 1 { n = NF } NF != n' | wc -l)" = 0 ]; then
    echo "ok: --data-parallel kill: the job ended (exit $rc), chain 1 kept" \
        "$(($(rows "$f" | wc -l) - 1)) whole draws"
else
    fail "--data-parallel kill: $f not in place or cut (exit $rc)"; cat "$tmp/dpkill/err"
fi

# 8. A rank killed during warmup, when it has sent no draw: rank 0 still counts the iterations
#    its chains made (the ranks send their progress, not only their draws).
mkdir -p "$tmp/warm"
timeout 120 $MPIRUN -np 2 "$MPI_GLASSBOX" run $model --data $data --chains 4 \
    --warmup 2000000 --draws 10 --seed 3 --quiet > /dev/null 2> "$tmp/warm/err" &
job=$!
kill_rank1 "warmup kill" "$MPI_GLASSBOX run $model" "" 0 3
counts=$(sed -n 's/.*interrupted during warmup (iterations done per chain: \([0-9/]*\) of.*/\1/p' \
    "$tmp/warm/err")
if [ -n "$counts" ] && awk -F/ '{ exit !($3 > 0 && $4 > 0) }' <<< "$counts"; then
    echo "ok: warmup kill: rank 0 counts the lost rank's iterations ($counts)"
else
    fail "warmup kill: iterations per chain '$counts'"; cat "$tmp/warm/err"
fi

[ $fails = 0 ] && echo "run_mpi.sh: all passed" || echo "run_mpi.sh: $fails failed"
[ $fails = 0 ]
