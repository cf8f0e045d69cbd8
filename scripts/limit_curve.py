#!/usr/bin/python3
"""Assembles the curve CSV of docs/EXPERIMENTS.md "Excess error against n" (scripts/limit-curve.sh)
for `convotron plot-curve`: columns series,style,x,y; one `points` row per run, `line` rows for
the reference lines.

- the learner: scripts/limit-runs.sh's runs.csv (`convotron fit` with defaults on numpy data),
  x = N training rows, y = relative test MSE on fresh noiseless rows (the excess error), and its
  limit sigma^2 (r + k - 1)/(N Var y) from the same file;
- `convotron compare --noise` runs.csv files (w learned with a* known, constant normalised step mu):
  Convotron and plain SGD, x = samples, y = relative test MSE, their limit sigma^2 r/(n Var y), and
  the constant-step floor mu/(2 - mu) sigma^2/Var y (the steady-state excess error of normalised
  LMS, which a constant step keeps whatever n).

usage: limit_curve.py LEARNER_RUNS_CSV COMPARE_RUNS_CSV... > curve.csv"""
import csv, sys
from limit_table import read_runs

LEARNER = "convotron fit (defaults): w and a learned"
LIMIT = "limit σ²(r+k−1)/(n·Var y)"
LIMIT_W = "limit σ²r/(n·Var y), a* known"
FLOOR = "constant-step floor μ/(2−μ)·σ²/Var y"
METHODS = {"convotron": "Convotron, μ = {mu}, a* known", "sgd": "plain SGD, μ = {mu}, a* known"}


def main():
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["series", "style", "x", "y"])
    rows = []
    for (inputs, s, noise, n), runs in sorted(read_runs(sys.argv[1]).items()):
        for r in runs:
            rows.append((LEARNER, "points", n, r["relative_test_mse"]))
            rows.append((LIMIT, "line", n, r["limit"]))
    for path in sys.argv[2:]:
        with open(path) as f:
            for r in csv.DictReader(f):
                if r["step_rule"] != "normalized":
                    continue
                n, noise, mu = int(r["samples"]), float(r["noise"]), float(r["step"])
                if not noise > 0:
                    sys.exit(f"{path}: a noiseless compare run; run compare with --noise")
                rel = r["relative_test_mse"] if r["diverged"] == "0" else "Infinity"  # a diverged run: counted, not drawn
                rows.append((METHODS[r["method"]].format(mu=r["step"]), "points", n, rel))
                rows.append((LIMIT_W, "line", n, r["limit"]))
                rows.append((FLOOR, "line", n, repr(mu / (2 - mu) * noise * noise)))
    # Legend order: the learner and its limit, then compare's methods, their limit and the floor.
    order = [LEARNER, LIMIT, METHODS["convotron"], METHODS["sgd"], LIMIT_W, FLOOR]
    rows.sort(key=lambda row: next(i for i, name in enumerate(order) if row[0].startswith(name.split("{")[0])))
    out.writerows(rows)


if __name__ == "__main__":
    main()
