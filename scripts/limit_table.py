#!/usr/bin/python3
"""Summarises scripts/limit-runs.sh's runs.csv: per (inputs, s, noise, n) the median and worst
ratio of the excess relative test MSE to the limit sigma^2 (r + k - 1)/(N Var y) and the
success count (within 2x of the limit under noise; <= 1e-10 without noise), as a Markdown table."""
import csv, math, statistics, sys
from collections import defaultdict

groups = defaultdict(list)
for row in csv.DictReader(open(sys.argv[1])):
    groups[(row["inputs"], int(row["s"]), float(row["noise"]), int(row["n"]))].append(row)
print("| inputs | s | noise | N | runs | median excess | median ratio | worst ratio | success | median fit s |")
print("|---|---|---|---|---|---|---|---|---|---|")
for key in sorted(groups):
    rows = groups[key]
    rel = [float(r["relative_test_mse"]) for r in rows]
    secs = statistics.median(float(r["fit_seconds"]) for r in rows)
    rel = [x if math.isfinite(x) else float("inf") for x in rel]
    if key[2] > 0:
        ratios = [float(r["ratio"]) if math.isfinite(float(r["ratio"])) else float("inf") for r in rows]
        ok = sum(x <= 2.0 for x in ratios)
        med, worst = f"{statistics.median(ratios):.2f}", f"{max(ratios):.2f}"
    else:
        ok = sum(x <= 1e-10 for x in rel)
        med, worst = "-", "-"
    print(f"| {key[0]} | {key[1]} | {key[2]:g} | {key[3]} | {len(rows)} | {statistics.median(rel):.2e} | {med} | {worst} | {ok}/{len(rows)} | {secs:.1f} |")
