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

cp results/figure1/*.png docs/images/
cp results/compare/*.png docs/images/
echo "plots copied to docs/images; numbers are in results/*/summary.txt"
