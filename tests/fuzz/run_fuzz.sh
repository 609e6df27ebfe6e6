#!/usr/bin/env bash
# Runs every fuzz target.  With FUZZ_SECONDS=N (make fuzz) each target fuzzes for N seconds
# starting from its committed corpus; without it (make test) each replays its corpus once, as a
# regression test.  Targets are built with clang's libFuzzer and ASan+UBSan.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
out=$BUILD/fuzz
mkdir -p "$out"
if ! command -v clang >/dev/null; then
    echo "fuzz: clang not found, skipping"; echo "fuzz: 0 passed, 0 failed"; exit 0
fi
pass=0 fail=0
dirs=$(make -s --no-print-directory incdirs) # the Makefile's source folders, lowest layer first
srcs=$(for d in $dirs; do ls "$d"/*.c; done | grep -v -e runtime/cli/ -e /run.c -e /kernel.c -e /drawsout.c)
srcs="$srcs $BUILD/lang/parser.c $BUILD/lang/lexer.c"
cflags="-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fno-sanitize-recover=all $(printf -- '-I%s ' $dirs)
        -I$BUILD/lang -DGB_STDLIB_DIR=\"/nonexistent\" -Wno-unused-command-line-argument
        $(pkg-config --cflags gsl jansson libgvc libcgraph plplot)"
# The library's sources are compiled once, FUZZ_JOBS at once (default: the cores), for all the
# targets (each target used to compile them all again); compiled again when a source, a header
# or the grammar is newer than the last build.
objs=$out/obj
if [ ! -f "$objs/.built" ] ||
    [ -n "$(find $srcs $(for d in $dirs; do ls "$d"/*.h; done) lang/*.y lang/*.l -newer "$objs/.built" 2>/dev/null | head -1)" ]; then
    rm -rf "$objs"; mkdir -p "$objs"
    running=0
    for f in $srcs; do
        if [ $running -ge "${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}" ]; then
            wait -n; running=$((running - 1))
        fi
        o=$objs/$(printf %s "$f" | tr / _).o
        # shellcheck disable=SC2086 # cflags is a list of words
        clang $cflags -fsanitize=fuzzer-no-link,address,undefined -c "$f" -o "$o" 2>"$o.log" &
        running=$((running + 1))
    done
    wait
    for f in $srcs; do
        o=$objs/$(printf %s "$f" | tr / _).o
        [ -f "$o" ] && continue
        echo "FAIL build $f for the fuzz targets"; head -20 "$o.log"
        echo "fuzz: 0 passed, 1 failed"; exit 1
    done
    touch "$objs/.built"
fi
for t in tests/fuzz/fuzz_*.c; do
    name=$(basename "$t" .c)
    corpus=tests/fuzz/corpus/${name#fuzz_}
    bin=$out/$name
    if [ ! -x "$bin" ] || [ -n "$(find "$objs/.built" "$t" tests/fuzz/*.h -newer "$bin" 2>/dev/null | head -1)" ]; then
        # shellcheck disable=SC2086
        if ! clang $cflags -fsanitize=fuzzer,address,undefined "$t" "$objs"/*.o \
            $(pkg-config --libs gsl jansson libgvc libcgraph plplot) -lm -o "$bin" 2>"$out/$name.log"; then
            echo "FAIL build $name"; cat "$out/$name.log" | head -20; fail=$((fail + 1)); continue
        fi
    fi
    mkdir -p "$corpus"
    if [ -n "${FUZZ_SECONDS:-}" ]; then
        work=$out/${name}_corpus; mkdir -p "$work"
        "$bin" -max_total_time="$FUZZ_SECONDS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$out/$name-" "$work" "$corpus" >"$out/$name.run" 2>&1
    else
        "$bin" -runs=0 -rss_limit_mb=2048 -timeout=10 "$corpus" >"$out/$name.run" 2>&1
    fi
    if [ $? = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $name"; tail -30 "$out/$name.run"; fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail = 0 ]
