#!/usr/bin/python3
"""The per-sample Convotron update a researcher writes first, in numpy.

Same model and update as IConvNet.ConvotronStep (ReLU, 1D strided patches):
    f = sum_j a_j relu(w . x[j*s : j*s+r]);  w += eta * (y - f) * sum_j a_j x[j*s : j*s+r]
on precomputed samples (sampling is not timed), one Python-level step per sample with the
patches gathered by a precomputed index matrix (the idiomatic vectorised form of a step).

    /usr/bin/python3 benchmarks/numpy_convotron.py [--d 160 --r 16 --s 9 --steps 20000 --rounds 7]

Prints the median over rounds of steps per second. Needs Debian's python3-numpy.
"""
import argparse
import statistics
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--d", type=int, default=160)
    parser.add_argument("--r", type=int, default=16)
    parser.add_argument("--s", type=int, default=9)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    d, r, s = args.d, args.r, args.s
    k = (d - r) // s + 1
    rng = np.random.default_rng(1)
    w_star, a = rng.standard_normal(r), rng.standard_normal(k)
    patches = np.arange(k)[:, None] * s + np.arange(r)[None, :]          # k x r index matrix
    xs = rng.standard_normal((args.steps, d))
    ys = np.maximum(xs[:, patches] @ w_star, 0.0) @ a                    # teacher labels
    eta = 1e-4
    rates = []
    for _ in range(args.rounds):
        w = np.zeros(r)
        start = time.perf_counter()
        for x, y in zip(xs, ys):
            p = x[patches]                                               # k x r
            f = a @ np.maximum(p @ w, 0.0)
            w += eta * (y - f) * (a @ p)
        rates.append(args.steps / (time.perf_counter() - start))
    print(f"numpy Convotron step, d={d} r={r} s={s}: median {statistics.median(rates):,.0f} steps/s "
          f"over {args.rounds} rounds of {args.steps} (numpy {np.__version__})")


if __name__ == "__main__":
    main()
