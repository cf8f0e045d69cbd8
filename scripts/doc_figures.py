#!/usr/bin/env python3
"""The seeded figures that README.md and docs/ quote, made from the commands that produce them.

Every generated block in a Markdown file sits between two markers,

    <!-- figure: NAME -->
    ...
    <!-- /figure: NAME -->

and is rendered here from the CSV files of the `convotron` command that NAME names (FIGURES
below). The commands are seeded and give the same bits on every CPU, so a block is a pure function
of the commit:

    python3 scripts/doc_figures.py            rewrite every block from a fresh run (builds the tool), and
                                              copy the plots the docs show into docs/images/
    python3 scripts/doc_figures.py --check    fail, with a diff, when a block differs from what this
                                              commit prints (CI runs this)
    python3 scripts/doc_figures.py --only figure1 [--check]

A block that no file holds, or a marker without its end, is an error too, so a figure cannot be
dropped or duplicated silently.
"""
import argparse
import csv
import difflib
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = ["dotnet", os.path.join(ROOT, "src/Cli/bin/Release/net10.0/linux-x64/convotron.dll")]
DOCS = ["README.md", "docs/EXPERIMENTS.md", "docs/COMPARE.md"]


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def sci(value, digits=2):
    """3.25e-26 style (digits after the point), '-' for NaN."""
    v = float(value)
    if math.isnan(v):
        return "-"
    if v == 0:
        return "0"
    text = f"{v:.{digits}e}"
    if text.endswith("e+00"):
        return text[:-4]
    return text.replace("e-0", "e-").replace("e+0", "e+").replace("e+", "e")


def table(header, body):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def figure1(out):
    body = [[r["distribution"], r["stride"], r["k"], f"{float(r['stage1_angle']):.4f}", sci(r["stage2_test_mse"], 3),
             sci(r["relative_test_mse"], 3), sci(r["refined_relative_test_mse"]), f"{int(r['samples_used']):,}"]
            for r in rows(os.path.join(out, "summary.csv"))]
    return table(["inputs", "s", "k", "stage-1 angle", "stage-2 test MSE", "relative test MSE after stage 3",
                  "after refinement", "samples used"], body)


def figure1_seeds(out):
    body = []
    for r in rows(os.path.join(out, "summary_seeds.csv")):
        body.append([r["distribution"], r["stride"],
                     f"{float(r['median_stage1_angle']):.3f} / {float(r['worst_stage1_angle']):.3f}",
                     f"{sci(r['median_relative_test_mse'])} / {sci(r['worst_relative_test_mse'])}",
                     f"{r['refined_at_most_1e-6']}/{r['seeds']}", sci(r["worst_refined_relative_test_mse"], 1), r["diverged"]])
    return table(["inputs", "s", "stage-1 angle median / worst", "relative MSE after stage 3, median / worst",
                  "refined ≤ 1e-6", "worst refined", "diverged"], body)


def step_name(rule, step):
    value = float(step)
    text = f"{value:g}".replace("e-0", "e-")
    return f"η = {text}" if rule == "fixed" else f"μ = {text}"


def compare_table(out, method, title):
    cells = [r for r in rows(os.path.join(out, "cells.csv")) if r["method"] == method]
    scales = list(dict.fromkeys(r["init_scale"] for r in cells))
    steps = list(dict.fromkeys((r["step_rule"], r["step"]) for r in cells))
    body = []
    for rule, step in steps:
        line = [step_name(rule, step)]
        for scale in scales:
            cell = next(r for r in cells if r["step_rule"] == rule and r["step"] == step and r["init_scale"] == scale)
            rate = f"{float(cell['success_rate']):.1f}"
            line.append(rate + (f" ({cell['diverged']} div)" if int(cell["diverged"]) > 0 else ""))
        body.append(line)
    return table([f"{title}: step \\ ‖w₀‖"] + [f"{float(s):g}" for s in scales], body)


def compare_summary(out):
    lines = []
    cells = rows(os.path.join(out, "cells.csv"))
    for method, title in (("convotron", "Convotron"), ("sgd", "Plain SGD")):
        mine = [c for c in cells if c["method"] == method]
        runs = sum(int(c["runs"]) for c in mine)
        successes = sum(int(c["successes"]) for c in mine)
        every = sum(1 for c in mine if c["successes"] == c["runs"])
        diverged = sum(int(c["diverged"]) for c in mine)
        zero = [c for c in mine if float(c["init_scale"]) == 0]
        at_zero = sum(int(c["successes"]) for c in zero)
        lines.append(f"- {title}: **{successes}/{runs}** runs succeed, {every}/{len(mine)} cells in every seed, "
                     f"{diverged} runs diverged; from `w = 0`: {at_zero}/{sum(int(c['runs']) for c in zero)}.")
    return "\n".join(lines)


def compare_noise(out, samples, r):
    """The constant-normalised-step floor against normalised LMS's μ/(2 − μ)·σ² (σ² relative to Var y)."""
    cells = rows(os.path.join(out, "cells.csv"))
    body = []
    for step in dict.fromkeys(c["step"] for c in cells):
        convotron = next(c for c in cells if c["method"] == "convotron" and c["step"] == step)
        sgd = next(c for c in cells if c["method"] == "sgd" and c["step"] == step)
        mu = float(step)
        sigma2 = float(convotron["limit"]) * samples / r
        body.append([f"{mu:g}", sci(mu / (2 - mu) * sigma2),
                     f"{sci(convotron['median_relative_test_mse'])} ({float(convotron['median_limit_ratio']):.0f}× the limit)",
                     f"{sci(sgd['median_relative_test_mse'])} ({float(sgd['median_limit_ratio']):.0f}×)"])
    return table(["μ", "μ/(2 − μ) · σ²", "Convotron", "plain SGD (normalised)"], body)


def sweep_summary(out):
    cells = rows(os.path.join(out, "sweep.csv"))
    runs = rows(os.path.join(out, "runs.csv"))
    lines = []
    for noisy in (False, True):
        mine = [c for c in cells if (float(c["noise"]) > 0) == noisy]
        total = sum(int(c["runs"]) for c in mine)
        successes = sum(int(c["successes"]) for c in mine)
        finals = [float(r["final_relative_test_mse"]) for r in runs if (float(r["noise"]) > 0) == noisy]
        median = statistics.median(finals)
        if noisy:
            noise = ", ".join(sorted({c["noise"] for c in mine}))
            ratios = [float(c["worst_oracle_ratio"]) for c in mine]
            medians = sorted(float(c["median_oracle_ratio"]) for c in mine)
            lines.append(f"- Noise {noise}: **{successes}/{total}** within 2× of the limit; per cell, median ratio "
                         f"{medians[0]:.2f}–{medians[-1]:.2f}, worst {max(ratios):.2f} (median final relative test MSE {sci(median)}).")
        else:
            lines.append(f"- Noiseless: **{successes}/{total}** runs succeed, median final relative test MSE {sci(median, 1)}, "
                         f"worst {sci(max(finals), 1)}.")
    return "\n".join(lines)


def fit_summary(out):
    """fit's summary.txt, with the scratch directory named as the documented one."""
    text = open(os.path.join(out, "summary.txt"), encoding="utf-8").read().strip("\n")
    return "```text\n" + text.replace(out, "results/fit") + "\n```"


# NAME: (convotron arguments, with {out} for the output directory; render(out) -> Markdown).
FIGURES = {
    "figure1": (["figure1", "--out", "{out}"], figure1),
    "figure1-seeds": (["figure1", "--seeds", "20", "--out", "{out}"], figure1_seeds),
    "compare-convotron": (["compare", "--out", "{out}"], lambda out: compare_table(out, "convotron", "Convotron")),
    "compare-sgd": (["compare", "--out", "{out}"], lambda out: compare_table(out, "sgd", "plain SGD")),
    "compare-summary": (["compare", "--out", "{out}"], compare_summary),
    "compare-noise": (["compare", "--noise", "0.1", "--samples", "100000", "--seeds", "3", "--fixed-steps", "none",
                       "--normalized-steps", "0.05,0.1,0.5,1.0", "--init-scales", "1", "--out", "{out}"],
                      lambda out: compare_noise(out, 100_000, 16)),
    "sweep": (["sweep", "--out", "{out}"], sweep_summary),
    "fit": (["fit", "samples/data/teacher.csv", "--geometry", "1d:r=8,s=6,d=32", "--out", "{out}"], fit_summary),
}

MARKER = re.compile(r"<!-- figure: ([a-z0-9-]+) -->\n(.*?)<!-- /figure: \1 -->", re.S)


# The plots README.md and docs/ show, copied from a command's output into docs/images/ (not compared
# by --check: a PNG's bytes depend on the fonts of the machine that drew it).
IMAGES = {
    "figure1": ["figure1_a_gaussian_stage1.png", "figure1_b_gaussian_stage2.png", "figure1_c_uniform_stage1.png",
                "figure1_d_uniform_stage2.png", "refinement.png"],
    "compare-convotron": ["compare_convotron.png", "compare_sgd.png"],
}


def render(names, scratch, copy_images):
    """Runs each distinct command once and renders every block named."""
    runs, blocks = {}, {}
    for name in names:
        arguments, draw = FIGURES[name]
        key = tuple(arguments)
        if key not in runs:
            out = os.path.join(scratch, f"run{len(runs)}")
            command = CLI + [a.replace("{out}", out) for a in arguments]
            print("doc-figures: convotron " + " ".join(arguments).replace("{out}", "…"), flush=True)
            result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if result.returncode != 0:
                sys.exit(f"doc-figures: convotron {' '.join(arguments)} failed ({result.returncode}):\n{result.stdout}")
            runs[key] = out
        blocks[name] = draw(runs[key]).rstrip("\n") + "\n"
        if copy_images:
            for image in IMAGES.get(name, []):
                shutil.copyfile(os.path.join(runs[key], image), os.path.join(ROOT, "docs/images", image))
    return blocks


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on drift")
    parser.add_argument("--only", action="append", choices=sorted(FIGURES), help="only these figures")
    parser.add_argument("--no-build", action="store_true", help="use the tool as built")
    args = parser.parse_args()
    names = args.only or list(FIGURES)

    texts = {path: open(os.path.join(ROOT, path), encoding="utf-8").read() for path in DOCS}
    found = {}
    for path, text in texts.items():
        if text.count("<!-- figure:") != len(MARKER.findall(text)):
            sys.exit(f"doc-figures: {path} has a figure marker without its end marker")
        for match in MARKER.finditer(text):
            found.setdefault(match.group(1), []).append(path)
    unknown = sorted(set(found) - set(FIGURES))
    missing = sorted(set(FIGURES) - set(found))
    if unknown or missing:
        sys.exit(f"doc-figures: unknown blocks {unknown}, blocks in no file {missing}")

    if not args.no_build:
        subprocess.run(["dotnet", "build", "src/Cli", "-c", "Release", "--nologo", "-v", "quiet"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as scratch:
        blocks = render(names, scratch, copy_images=not args.check)

    drift = False
    for path, text in texts.items():
        def replace(match):
            name = match.group(1)
            return f"<!-- figure: {name} -->\n{blocks[name]}<!-- /figure: {name} -->" if name in blocks else match.group(0)
        updated = MARKER.sub(replace, text)
        if updated == text:
            continue
        if args.check:
            drift = True
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), updated.splitlines(True), f"{path} (committed)", f"{path} (this commit prints)"))
        else:
            temporary = os.path.join(ROOT, path + ".tmp")
            with open(temporary, "w", encoding="utf-8") as f:
                f.write(updated)
            os.replace(temporary, os.path.join(ROOT, path))
            print(f"doc-figures: updated {path}")
    if args.check:
        print("doc-figures: " + ("the figures above differ from what this commit prints; run scripts/doc_figures.py" if drift
                                 else f"{len(names)} figures match what this commit prints"))
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
