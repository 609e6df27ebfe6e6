#!/usr/bin/env bash
# posteriordb translations: every tests/posteriordb/DATASET-MODEL.gb whose data file
# ../shared/validation/data/DATASET-MODEL.json exists must pass `glassbox inspect MODEL --data DATA`
# (parse, checks, lowering against the real data).  Skips, saying so, when the shared folder is
# absent.  DATASET-MODEL--VARIANT.gb is the same posterior written another way (its data and
# reference are DATASET-MODEL's).  Prints one closing line "posteriordb: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GB=${GLASSBOX:-$ROOT/${BUILD:-build}/glassbox}
DATA=${GB_TEST_SHARED:-$ROOT/../shared}/validation/data
if [ ! -d "$DATA" ]; then
    echo "skipped: ../shared/validation/data not found"
    exit 0
fi
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
pass=0 fail=0
for m in "$ROOT"/tests/posteriordb/*.gb; do
    [ -f "$m" ] || continue
    name=$(basename "$m" .gb)
    d="$DATA/${name%%--*}.json"
    [ -f "$d" ] || continue
    if timeout 60 "$GB" inspect "$m" --data "$d" >"$tmp" 2>&1; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: inspect $name"
        sed 's/^/    /' "$tmp" | head -20
    fi
done
echo "posteriordb: $pass passed, $fail failed"
[ $fail = 0 ]
