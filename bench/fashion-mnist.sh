#!/usr/bin/env bash
# Throughput on the 10,000 Fashion-MNIST test PNGs with the shipped model:
# embedded (`fovea classify`, 2 worker actors) and distributed (a coordinator
# and 2 worker processes on loopback). Builds what it needs, runs each path
# RUNS times (default 3), prints a table of medians and writes it as
# bench/results/fashion-mnist.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build > /dev/null
fovea=build/bin/fovea
images=demo/fashion-mnist-test
[ -f $images/truth.csv ] || $fovea dataset fashion-mnist --split test --out $images
work=$(mktemp -d)
pids=()
cleanup() {
  [ ${#pids[@]} -eq 0 ] || kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Prints the images/s of a summary line.
rate_of() { sed -n 's/.* s, \([0-9.]*\) images\/s.*/\1/p' "$1"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

wait_ready() { # log pattern pid
  for _ in $(seq 300); do
    grep -q -- "$2" "$1" && return 0
    kill -0 "$3" 2>/dev/null || break
    sleep 0.2
  done
  cat "$1" >&2; return 1
}

embedded=()
for i in $(seq "$runs"); do
  $fovea classify $images --workers 2 --out "$work/e.csv" > "$work/e.log"
  embedded+=("$(rate_of "$work/e.log")")
done

$fovea node --config config/coordinator.ini --fovea.port=0 > "$work/c.log" 2>&1 &
pids+=($!); wait_ready "$work/c.log" "ready on" $!
address="127.0.0.1:$(sed -n 's/.*ready on .*:\([0-9]*\)$/\1/p' "$work/c.log")"
for id in w1 w2; do
  $fovea node --config config/worker.ini --fovea.coordinator="$address" \
    --fovea.id=$id > "$work/$id.log" 2>&1 &
  pids+=($!); wait_ready "$work/$id.log" "ready" $!
done
distributed=()
for i in $(seq "$runs"); do
  $fovea submit --coordinator "$address" $images --out "$work/d.csv" > "$work/d.log"
  distributed+=("$(rate_of "$work/d.log")")
done

e=$(printf '%s\n' "${embedded[@]}" | median)
d=$(printf '%s\n' "${distributed[@]}" | median)
mkdir -p bench/results
{
  echo "path,images_per_s_median,runs"
  echo "embedded,$e,${embedded[*]}"
  echo "distributed,$d,${distributed[*]}"
} > bench/results/fashion-mnist.csv
printf '%-40s %12s   %s\n' "path (10,000 Fashion-MNIST PNGs)" "images/s" "runs"
printf '%-40s %12s   %s\n' "fovea classify (embedded, 2 workers)" "$e" "${embedded[*]}"
printf '%-40s %12s   %s\n' "fovea submit (coordinator + 2 workers)" "$d" "${distributed[*]}"
awk -v e="$e" -v d="$d" 'BEGIN { printf "distributed / embedded: %.2f\n", d / e }'
