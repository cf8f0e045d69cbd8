#!/usr/bin/python3
"""Summarises scripts/limit-runs.sh's runs.csv: per (inputs, s, noise, n) the median and worst
ratio of the excess relative test MSE to the limit (and the median and worst excess itself) sigma^2 (r + k - 1)/(N Var y) and the
success count (within 2x of the limit under noise; <= 1e-10 without noise), as a Markdown table.

usage: limit_table.py RUNS_CSV [RUNS_CSV ...]  (several files: a run in more than one counts once)"""
import csv, math, statistics, sys
from collections import defaultdict


def finite_or_inf(text):
    """A value of runs.csv as a float, a failed run's nan counting as +inf (the worst)."""
    x = float(text)
    return x if math.isfinite(x) else float("inf")


def read_runs(*paths):
    """The rows of limit-runs.sh runs.csv files, grouped by (inputs, s, noise, n); a run (the same
    key and seed) found in several files counts once, from the first."""
    groups = defaultdict(list)
    seen = set()
    for path in paths:
        with open(path) as f:
            for row in csv.DictReader(f):
                key = (row["inputs"], int(row["s"]), float(row["noise"]), int(row["n"]))
                if (key, row["seed"]) in seen:
                    continue
                seen.add((key, row["seed"]))
                groups[key].append(row)
    return groups


def main():
    groups = read_runs(*sys.argv[1:])
    print("| inputs | s | noise | N | runs | median excess | worst excess | median ratio | worst ratio | success | median fit s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for key in sorted(groups):
        rows = groups[key]
        rel = [finite_or_inf(r["relative_test_mse"]) for r in rows]
        secs = statistics.median(float(r["fit_seconds"]) for r in rows)
        if key[2] > 0:
            ratios = [finite_or_inf(r["ratio"]) for r in rows]
            ok = sum(x <= 2.0 for x in ratios)
            med, worst = f"{statistics.median(ratios):.2f}", f"{max(ratios):.2f}"
        else:
            ok = sum(x <= 1e-10 for x in rel)
            med, worst = "-", "-"
        print(f"| {key[0]} | {key[1]} | {key[2]:g} | {key[3]} | {len(rows)} | {statistics.median(rel):.2e} | {max(rel):.2e} | {med} | {worst} | {ok}/{len(rows)} | {secs:.1f} |")


if __name__ == "__main__":
    main()
