#!/usr/bin/python3
"""Teacher data made outside the project (numpy), for the runs of docs/LEARNING.md and
docs/EXPERIMENTS.md: f*(x) = sum_j a*_j relu(w* . x[j s : j s + r]), w*, a* ~ N(0, I).

Writes TRAIN.npy (n rows, label noise sigma = NOISE * std(f*)) and TEST.npy (noiseless rows),
both float64 of shape (rows, d + 1) with the label in the last column, which `convotron fit`
and `convotron predict` read. Needs numpy (Debian: apt-get install python3-numpy).

usage: teacher_data.py --d 160 --r 16 --s 12 --n 20000 --noise 0.1 --inputs gaussian \\
           --seed 1 --train train.npy --test test.npy [--test-rows 10000]
"""
import argparse
import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--d", type=int, default=160)
    p.add_argument("--r", type=int, default=16)
    p.add_argument("--s", type=int, required=True)
    p.add_argument("--n", type=int, required=True, help="training rows")
    p.add_argument("--noise", type=float, default=0.0, help="label noise as a fraction of std(f*)")
    p.add_argument("--inputs", choices=["gaussian", "uniform"], default="gaussian")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--test-rows", type=int, default=10000)
    args = p.parse_args()
    if not (1 <= args.r <= args.d and args.s >= 1 and args.n >= 1 and args.noise >= 0):
        p.error("need 1 <= r <= d, s >= 1, n >= 1, noise >= 0")
    rng = np.random.default_rng(args.seed)
    k = (args.d - args.r) // args.s + 1
    w = rng.standard_normal(args.r)
    a = rng.standard_normal(k)
    # Patch matrix: index[j, t] = j*s + t.
    index = np.arange(k)[:, None] * args.s + np.arange(args.r)[None, :]

    def inputs(rows):
        if args.inputs == "gaussian":
            return rng.standard_normal((rows, args.d))
        return rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), (rows, args.d))  # zero mean, unit variance

    def teacher(x):
        return np.maximum(x[:, index] @ w, 0.0) @ a

    x_train = inputs(args.n)
    f_train = teacher(x_train)
    x_test = inputs(args.test_rows)
    f_test = teacher(x_test)
    sigma = args.noise * np.std(f_test)
    y_train = f_train + sigma * rng.standard_normal(args.n)
    np.save(args.train, np.column_stack([x_train, y_train]))
    np.save(args.test, np.column_stack([x_test, f_test]))
    limit = sigma ** 2 * (args.r + k - 1) / (args.n * np.var(f_test)) if sigma > 0 else 0.0
    print(f"k = {k}, sigma = {sigma:.6g}, Var f* = {np.var(f_test):.6g}, limit sigma^2 (r + k - 1)/(n Var y) = {limit:.4g}")


if __name__ == "__main__":
    main()
