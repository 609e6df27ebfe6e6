#!/usr/bin/env bash
# run_fault.sh - allocation-failure injection, as SQLite and Lua test themselves: for a few
# small commands, fail the N-th allocation for every N (GB_FAULT_AT, see fault_alloc.c) and
# require a clean failure each time: a non-zero exit that is not a signal, an error message on
# stderr, no sanitizer report (make check runs this on the ASan + UBSan build, which also
# reports leaks at exit) and no half-written output under the final name.
. "$(dirname "$0")/../e2e/lib.sh"
FB=$(dirname "$GB")/glassbox-fault
if [ ! -x "$FB" ]; then echo "fault: $FB is not built (make tests builds it)"; exit 1; fi

# try N CMD...: runs CMD with its N-th allocation failing, in a folder of its own ($tmp/out in
# CMD's arguments becomes $tmp/tN/out, so that tries can run at once); writes why the failure
# was not clean to $tmp/tN/why, or nothing.
try() {
    local n=$1 d=$tmp/t$1 rc why=""
    shift
    mkdir -p "$d/out"
    GB_FAULT_AT=$n "$FB" "${@//"$tmp"\/out/"$d"\/out}" >"$d/stdout" 2>"$d/stderr"; rc=$?
    if [ $rc = 0 ]; then why="exit 0 although allocation $n failed"
    elif [ $rc -ge 128 ]; then why="killed by a signal (exit $rc)"
    elif grep -qE 'Sanitizer|runtime error:' "$d/stderr"; then why="sanitizer report"
    elif ! grep -q 'error' "$d/stderr"; then why="exit $rc with no error message"
    elif ls -a "$d/out" | grep -q '\.tmp'; then
        why="left a temporary file: $(ls -a "$d/out" | grep '\.tmp' | tr '\n' ' ')"
    fi
    printf '%s' "$why" >"$d/why"
}

# inject NAME CMD...: count the allocations of one clean run, then fail each in turn (every
# STRIDE-th when STRIDE is set), FAULT_JOBS at once (default: the number of cores).
inject() {
    local name=$1 n total running=0 failures=0 why
    shift
    rm -rf "$tmp/out"; mkdir "$tmp/out"
    if ! GB_FAULT_COUNT="$tmp/count" "$FB" "$@" >"$tmp/stdout" 2>"$tmp/stderr"; then
        bad "$name: the run without a failure failed"; sed 's/^/    /' "$tmp/stderr"; return
    fi
    total=$(cat "$tmp/count")
    rm -rf "$tmp"/t[0-9]*
    for ((n = 1; n <= total; n += ${STRIDE:-1})); do
        if [ $running -ge "$fault_jobs" ]; then wait -n; running=$((running - 1)); fi
        try $n "$@" &
        running=$((running + 1))
    done
    wait
    for ((n = 1; n <= total; n += ${STRIDE:-1})); do
        why=$(cat "$tmp/t$n/why" 2>/dev/null) || why="the try did not finish"
        [ -n "$why" ] || continue
        failures=$((failures + 1))
        if [ $failures -le 5 ]; then
            echo "FAIL: $name, allocation $n of $total: $why"
            sed 's/^/    /' "$tmp/t$n/stderr" | head -20
        fi
    done
    rm -rf "$tmp"/t[0-9]*
    if [ $failures = 0 ]; then ok; else bad "$name: $failures of $total injected failures were not clean"; fi
    echo "$name: $total allocations, ${STRIDE:+every ${STRIDE}th of them }each failed once"
}
fault_jobs=${FAULT_JOBS:-$(nproc 2>/dev/null || echo 2)}

m=tests/fault/tiny.gb; d=tests/fault/tiny.json
"$GB" run $m --data $d --chains 2 --warmup 20 --draws 20 --seed 1 --quiet --output "$tmp/s.csv" \
    >/dev/null 2>&1 || bad "the draws for the summary scenario could not be made"
inject "check" check $m --data $d
inject "inspect" inspect $m --data $d
inject "graph" graph $m --data $d --format json
inject "graph svg" graph $m --data $d --format svg --output "$tmp/out/g.svg"
inject "parse" parse $m
inject "run" run $m --data $d --chains 1 --warmup 5 --draws 5 --seed 1 --quiet \
    --output "$tmp/out/tiny.csv"
# one chain's likelihood in 2 shares: the split's pool and work spaces
inject "run --split-rows" run tests/fault/tiny_opt.gb --data $d --chains 1 --warmup 5 --draws 5 \
    --seed 1 --quiet --split-rows 2 --output "$tmp/out/split.csv"
inject "optimize" optimize tests/fault/tiny_opt.gb --data $d --starts 2 --laplace 20 --seed 1 \
    --output "$tmp/out/opt.csv"
inject "compare" compare tests/fault/tiny_opt.gb tests/fault/tiny_opt.gb --data $d --test $d \
    --chains 1 --warmup 5 --draws 5 --seed 1
inject "compare --map" compare tests/fault/tiny_opt.gb tests/fault/tiny_opt.gb --data $d \
    --test $d --map --seed 1
inject "compare --kfold" compare tests/fault/tiny_opt.gb tests/fault/tiny_opt.gb --data $d \
    --kfold 3 --chains 1 --warmup 5 --draws 5 --seed 1
inject "summary" summary "$tmp/s_1.csv" "$tmp/s_2.csv"
inject "graph --draws" graph $m --data $d --draws "$tmp/s_1.csv" "$tmp/s_2.csv"
# the report draws plots and a graph in libraries that take a while per run: every 7th allocation
STRIDE=7 inject "report" report $m --data $d --draws "$tmp/s_1.csv" "$tmp/s_2.csv" \
    --output "$tmp/out/r.html"
inject "run hmm (FFBS)" run tests/fault/hmm.gb --data tests/fault/hmm.json --chains 1 --warmup 5 \
    --draws 5 --seed 1 --quiet --output "$tmp/out/hmm.csv"
inject "loo" loo $m --data $d --draws "$tmp/s_1.csv" "$tmp/s_2.csv" --loglik "$tmp/out/ll.csv"
inject "predict" predict $m --data $d --draws "$tmp/s_1.csv" "$tmp/s_2.csv" \
    --output "$tmp/out/p.csv"
# --explain's table and memory line: each a line the user asked for, so a failure is an error
inject "run --explain" run $m --data $d --explain --chains 1 --warmup 5 --draws 5 --seed 1 \
    --quiet --output "$tmp/out/explain.csv"
inject "run --prior" run $m --data $d --prior --chains 1 --draws 5 --output "$tmp/out/prior.csv"
inject "run --prior (MCMC)" run tests/fault/tiny_ordered.gb --data $d --prior --chains 1 \
    --warmup 5 --draws 5 --output "$tmp/out/prior_mcmc.csv"
# the tree sampler, its records and the trees' file and summary
inject "run tree" run tests/fault/tiny_tree.gb --data tests/fault/tiny_tree.json --chains 1 \
    --warmup 3 --draws 3 --seed 1 --quiet --output "$tmp/out/tree.csv"
# inspect's line on the tree's tempering (the sampler kind's detail: the link analysed again)
inject "inspect tree" inspect tests/fault/tiny_tree.gb --data tests/fault/tiny_tree.json
# the tree command: records read back, the diagram rendered, partial dependence
"$GB" run tests/fault/tiny_tree.gb --data tests/fault/tiny_tree.json --chains 1 --warmup 3 \
    --draws 3 --seed 1 --quiet --output "$tmp/tt.csv" >/dev/null 2>&1 ||
    bad "the trees for the tree scenario could not be made"
inject "tree svg" tree tests/fault/tiny_tree.gb --data tests/fault/tiny_tree.json \
    --trees "$tmp/tt_tree.jsonl" --format svg --output "$tmp/out/t.svg"
inject "tree --pd" tree tests/fault/tiny_tree.gb --data tests/fault/tiny_tree.json \
    --trees "$tmp/tt_tree.jsonl" --pd a --grid 3 --output "$tmp/out/pd.txt"
# a tree's fitted values at new X from its records (predict), and from a run in-process
# (compare --test)
printf '{"X": [[1.5, 2], [5.5, 0]]}\n' > "$tmp/tt_new.json"
inject "predict tree" predict tests/fault/tiny_tree.gb --data tests/fault/tiny_tree.json \
    --draws "$tmp/tt.csv" --new "$tmp/tt_new.json" --quiet --output "$tmp/out/tp.csv"
inject "compare tree" compare tests/fault/tiny_tree.gb tests/fault/tiny_tree.gb \
    --data tests/fault/tiny_tree.json --test tests/fault/tiny_tree.json --chains 1 --warmup 3 \
    --draws 3 --seed 1
finish fault
