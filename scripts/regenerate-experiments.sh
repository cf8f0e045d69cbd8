#!/usr/bin/env bash
# Regenerates every number and plot of docs/EXPERIMENTS.md, docs/COMPARE.md and the README's
# Figure-1 table: runs the convotron commands with their documented settings into results/,
# then copies the plots into docs/images/. Deterministic: the same machine prints the same numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Cli -c Release --nologo -v quiet
cli=(dotnet src/Cli/bin/Release/net10.0/linux-x64/convotron.dll)
run() { echo "== convotron $*"; /usr/bin/time -f "   (%e s wall)" "${cli[@]}" "$@"; }

run figure1
run figure1 --seeds 20 --out results/figure1-seeds20
run compare
run sweep
run sweep --noise 0.1 --no-refine --out results/sweep-norefine
run fit samples/data/teacher.csv --geometry 1d:r=8,s=6,d=32
run predict results/fit/model.json samples/data/teacher.csv
run fit samples/data/teacher.csv --geometry 1d:r=8,s=6,d=32 --no-center --out results/fit-nocenter
run geometry --geometry 1d:r=16,s=9,d=160

# docs/EXPERIMENTS.md, "The papers' remaining claims, and channels": 20 seeds each, Markdown tables.
dotnet build samples/PaperClaims -c Release --nologo -v quiet
mkdir -p results/paper-claims
for experiment in update-patch correlated channels; do
  echo "== PaperClaims $experiment"
  /usr/bin/time -f "   (%e s wall)" dotnet samples/PaperClaims/bin/Release/net10.0/PaperClaims.dll "$experiment" > "results/paper-claims/$experiment.md.tmp"
  mv "results/paper-claims/$experiment.md.tmp" "results/paper-claims/$experiment.md"
  cat "results/paper-claims/$experiment.md"
done

cp results/figure1/*.png docs/images/
cp results/compare/*.png docs/images/
echo "plots copied to docs/images; numbers are in results/*/summary.txt"
