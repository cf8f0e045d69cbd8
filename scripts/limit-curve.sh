#!/usr/bin/env bash
# The figure of docs/EXPERIMENTS.md "Excess error against n" (docs/images/limit_curve.png): excess
# relative test MSE against the number of training samples n at (d, r, s) = (160, 16, 9), ReLU,
# Gaussian inputs, label noise sigma = 10 % of std y, for
#   - the learner: `convotron fit` with its defaults on numpy data (scripts/limit-runs.sh: data by
#     scripts/teacher_data.py, fit on N training rows, predict on 10,000 fresh noiseless rows),
#     with its limit sigma^2 (r + k - 1)/(N Var y);
#   - plain SGD and Convotron at a constant normalised step mu = 0.5 from ||w0|| = 1, w learned with
#     a* known (`convotron compare --noise 0.1`, the same n), with their limit sigma^2 r/(n Var y)
#     and the constant-step floor mu/(2 - mu) sigma^2/Var y.
# Writes OUT_DIR/learner/runs.csv, OUT_DIR/compare/n<N>/, OUT_DIR/curve.csv (plot-curve's input),
# OUT_DIR/plot/ (curve.png, curve_medians.csv, summary.txt: the table of medians) and copies the
# plot to docs/images/limit_curve.png (FIGURE=path elsewhere, FIGURE= not at all). Finished runs are kept: a second call resumes (use a new
# OUT_DIR after changing NS or SEEDS). About 10 minutes on 2 cores; needs python3-numpy and
# MAX_MEMORY (default 12G here) for fit at N = 1e6 (1.25 M rows, 3.2 GB resident).
#
# usage: [CONVOTRON=path/to/convotron] scripts/limit-curve.sh [OUT_DIR] ["NS"] ["SEEDS" (consecutive)]
#   e.g. scripts/limit-curve.sh results/limit-curve "1000 3000 10000 30000 100000 300000 1000000" "1 2 3"
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-results/limit-curve}; ns=${2:-"1000 3000 10000 30000 100000 300000 1000000"}; seeds=${3:-"1 2 3"}
python=${PYTHON:-/usr/bin/python3}
figure=${FIGURE-docs/images/limit_curve.png}
stride=9; noise=0.1; mu=0.5
export MAX_MEMORY=${MAX_MEMORY:-12G}
scripts/limit-runs.sh "$out/learner" "$stride" "$noise" "$ns" "$seeds" gaussian
read -r -a convotron <<<"${CONVOTRON:-dotnet $out/learner/cli/convotron.dll}"
read -r first count < <(awk '{print $1, NF}' <<<"$seeds")
mkdir -p "$out/compare"
for n in $ns; do
  [ -f "$out/compare/n$n/runs.csv" ] && continue
  "${convotron[@]}" compare --geometry "1d:r=16,s=$stride,d=160" --samples "$n" --seed "$first" --seeds "$count" \
      --fixed-steps none --normalized-steps "$mu" --init-scales 1 --noise "$noise" --out "$out/compare/n$n" >"$out/compare/n$n.log"
done
compare_runs=()
for n in $ns; do compare_runs+=("$out/compare/n$n/runs.csv"); done
"$python" scripts/limit_curve.py "$out/learner/runs.csv" "${compare_runs[@]}" >"$out/curve.csv.tmp"
mv "$out/curve.csv.tmp" "$out/curve.csv"
"${convotron[@]}" plot-curve "$out/curve.csv" --out "$out/plot" --x-label "n (training samples)" --y-label "excess relative test MSE" \
    --title "(d, r, s) = (160, 16, $stride), ReLU, Gaussian x, σ = $noise std y, seeds $seeds"
if [ -n "$figure" ]; then cp "$out/plot/curve.png" "$figure.tmp" && mv "$figure.tmp" "$figure"; fi
