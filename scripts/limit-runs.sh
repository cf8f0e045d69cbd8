#!/usr/bin/env bash
# The runs behind docs/EXPERIMENTS.md "Learning at the statistical limit": teacher data written
# by numpy (scripts/teacher_data.py, needs apt-get install python3-numpy), `convotron fit` with
# its defaults on N training rows (plus 20 % validation rows), `convotron predict` on 10,000 fresh
# noiseless rows. The test labels are noiseless, so the relative test MSE is the excess error;
# the limit is sigma^2 (r + k - 1) / (N Var y) with N the training rows fit reports (the rows it
# trains on; the validation rows are held out). One CSV row per run, then a summary table.
# Runs already in OUT_DIR/runs.csv are skipped, so an interrupted call resumes.
# MAX_MEMORY=12G (environment) raises fit's memory budget (--max-memory), which the default
# (a quarter of the free memory) refuses at N >= 3e5 on a 24 GB machine; results do not depend on it.
#
# usage: [CONVOTRON=path/to/convotron] scripts/limit-runs.sh OUT_DIR "STRIDES" "NOISES" "NS" "SEEDS" "INPUTS"
#   e.g. scripts/limit-runs.sh results/limit "1 4 9 12 16" "0.01 0.1 0.3" "20000" "1 2 3 4 5" gaussian
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?OUT_DIR}; strides=${2:-"1 4 9 12 16"}; noises=${3:-"0.1"}; ns=${4:-"20000"}; seeds=${5:-"1 2 3 4 5"}; inputs=${6:-gaussian}
python=${PYTHON:-/usr/bin/python3}
# CONVOTRON: the convotron command to run, e.g. a native build (default: this checkout, built into OUT_DIR/cli).
read -r -a convotron <<<"${CONVOTRON:-dotnet $out/cli/convotron.dll}"
mkdir -p "$out"
[ -n "${CONVOTRON:-}" ] || dotnet build src/Cli -c Release -o "$out/cli" --nologo -v quiet >/dev/null
csv="$out/runs.csv"
[ -f "$csv" ] || echo "inputs,s,noise,n,seed,relative_test_mse,limit,ratio,fit_seconds" > "$csv"
for dist in $inputs; do for s in $strides; do for noise in $noises; do for n in $ns; do for seed in $seeds; do
  tag="$dist-s$s-noise$noise-n$n-seed$seed"
  grep -q "^$dist,$s,$noise,$n,$seed," "$csv" && continue
  total=$(( n * 5 / 4 ))
  info=$("$python" scripts/teacher_data.py --s "$s" --n "$total" --noise "$noise" --inputs "$dist" --seed "$seed" \
         --train "$out/$tag.train.npy" --test "$out/$tag.test.npy")
  sigma=$(sed -E 's/.*sigma = ([^,]*),.*/\1/' <<<"$info"); var=$(sed -E 's/.*Var f\* = ([^,]*),.*/\1/' <<<"$info")
  k=$(sed -E 's/^k = ([0-9]+),.*/\1/' <<<"$info")
  start=$(date +%s.%N)
  "${convotron[@]}" fit "$out/$tag.train.npy" --geometry "1d:r=16,s=$s,d=160" --seed "$seed" \
      ${MAX_MEMORY:+--max-memory "$MAX_MEMORY"} --out "$out/$tag" >"$out/$tag.fit.log" 2>&1 || true
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  rel=$("${convotron[@]}" predict "$out/$tag/model.json" "$out/$tag.test.npy" --out "$out/$tag/p.csv" 2>/dev/null \
        | sed -nE 's/.*relative test MSE ([^ ]+).*/\1/p' || true)
  rel=${rel:-nan}
  trained=$(sed -nE 's/.* rows \(([0-9]+) training,.*/\1/p' "$out/$tag.fit.log" | head -1)
  read -r limit ratio < <("$python" -c "
import math; s=$sigma; v=$var; n=${trained:-$n}; k=$k; rel=float('$rel')
lim = s*s*(16+k-1)/(n*v)
print(lim, rel/lim if lim > 0 else float('nan'))")
  echo "$dist,$s,$noise,$n,$seed,$rel,$limit,$ratio,$seconds" >> "$csv"
  rm -f "$out/$tag.train.npy" "$out/$tag.test.npy" "$out/$tag/p.csv" "$out/$tag"/*.png
done; done; done; done; done
"$python" scripts/limit_table.py "$csv"
