#!/usr/bin/env bash
# Reliability check of the CPU worker pool under load (issue 13): one quiet `diva demo`, then ROUNDS rounds of
# two demos side by side with a CPU hog (HOGS busy loops, default 1). Each demo has a time limit (a hang fails the round);
# every report must equal the quiet one, apart from the wall-clock "seconds" fields.
# Usage: bash scripts/stress/demo-side-by-side.sh [ROUNDS=10] [OUT=.tmp/demo-stress] [LIMIT_S=3600]
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROUNDS=${1:-10}
OUT=${2:-.tmp/demo-stress}
LIMIT_S=${3:-3600}
HOGS=${HOGS:-1}  # busy-loop processes beside the two demos
mkdir -p "$OUT"
demo() { timeout --signal=KILL "$LIMIT_S" node --conditions=source --import tsx packages/diva/src/cli/main.ts demo --out "$1" >"$1.log" 2>&1; }
# The report without wall-clock fields, for comparison.
strip() { node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const f=(o)=>{if(Array.isArray(o))return o.map(f);if(o&&typeof o==="object"){const c={};for(const k of Object.keys(o))if(!/seconds|elapsed|started|time/i.test(k))c[k]=f(o[k]);return c}return o};process.stdout.write(JSON.stringify(f(r)))' "$1"; }

t0=$(date +%s)
demo "$OUT/quiet" || { echo "quiet run failed (rc $?), see $OUT/quiet.log"; exit 1; }
echo "quiet run: $(( $(date +%s) - t0 )) s"
strip "$OUT/quiet/report.json" >"$OUT/quiet.json"
fails=0
for r in $(seq 1 "$ROUNDS"); do
  hogs=()
  for _ in $(seq 1 "$HOGS"); do (while :; do :; done) & hogs+=($!); done
  t0=$(date +%s)
  demo "$OUT/r$r-a" & a=$!
  demo "$OUT/r$r-b" & b=$!
  wait $a; ra=$?
  wait $b; rb=$?
  kill "${hogs[@]}" 2>/dev/null; wait "${hogs[@]}" 2>/dev/null
  status="ok"
  for x in a b; do
    rc=$ra; [ $x = b ] && rc=$rb
    if [ "$rc" -ne 0 ]; then status="FAIL ($x exit $rc$([ "$rc" -eq 137 ] && echo ', killed at the time limit: hang?'))"; fails=$((fails+1)); continue; fi
    if ! cmp -s <(strip "$OUT/r$r-$x/report.json") "$OUT/quiet.json"; then status="FAIL ($x report differs from the quiet run)"; fails=$((fails+1)); fi
  done
  echo "round $r: $(( $(date +%s) - t0 )) s, $status"
done
echo "rounds: $ROUNDS, failures: $fails"
[ "$fails" -eq 0 ]
