// The experiments of docs/EXPERIMENTS.md for three claims the library can now run, each over
// 20 seeds (seeds run in parallel; every seed's result depends only on the seed, so the tables
// are the same whatever the thread count):
//
//   dotnet run -c Release --project samples/PaperClaims -- update-patch   # Convotron along one disjoint patch
//   dotnet run -c Release --project samples/PaperClaims -- correlated     # AR(1) inputs: Convotron, Algorithm 1, + refinement
//   dotnet run -c Release --project samples/PaperClaims -- channels       # a 3-channel 2D teacher, Algorithm 1 + refinement
//   dotnet run -c Release --project samples/PaperClaims -- speed          # single-patch vs full Convotron step, interleaved
//
// Options: --seeds N (default 20), --threads N (default all cores). Prints Markdown tables.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Convotron;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: PaperClaims update-patch|correlated|channels|speed [--seeds N] [--threads N]");
    return 2;
}
int seeds = 20, threads = Environment.ProcessorCount;
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--seeds": seeds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'; see the comment at the top of Program.cs");
            return 2;
    }
}
var clock = Stopwatch.StartNew();
switch (args[0])
{
    case "update-patch": Experiments.UpdatePatch(seeds, threads); break;
    case "correlated": Experiments.Correlated(seeds, threads); break;
    case "channels": Experiments.Channels(seeds, threads); break;
    case "speed": Experiments.Speed(rounds: 9); break;
    default:
        Console.Error.WriteLine($"unknown experiment '{args[0]}': update-patch, correlated, channels or speed");
        return 2;
}
Console.WriteLine(args[0] == "speed" ? $"\n{clock.Elapsed.TotalSeconds:F0} s" : $"\n{seeds} seeds, {threads} threads, {clock.Elapsed.TotalSeconds:F0} s");
return 0;

internal static class Experiments
{
    private const int D = 160, R = 16;

    /// <summary>
    /// Patch 0 reads x[0 .. r−1] alone; patches 1 .. k−1 are random r-subsets of the other d − r
    /// coordinates, drawn independently, so they overlap each other arbitrarily.
    /// </summary>
    private static PatchGeometry DisjointFirstPatch(int k, Xoshiro256StarStar rng)
    {
        var patches = new List<int[]> { Enumerable.Range(0, R).ToArray() };
        int[] rest = Enumerable.Range(R, D - R).ToArray();
        for (int j = 1; j < k; j++)
        {
            for (int i = rest.Length - 1; i > 0; i--)
            {
                int m = (int)rng.NextUInt64((ulong)i + 1);
                (rest[i], rest[m]) = (rest[m], rest[i]);
            }
            patches.Add(rest[..R]);
        }
        return PatchGeometry.FromPatches(D, patches);
    }

    private static double Distance(ReadOnlySpan<double> w, ReadOnlySpan<double> target)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < w.Length; i++)
        {
            diff += (w[i] - target[i]) * (w[i] - target[i]);
            norm += target[i] * target[i];
        }
        return Math.Sqrt(diff / norm);
    }

    private static T[] PerSeed<T>(int seeds, int threads, Func<ulong, T> run)
    {
        var results = new T[seeds];
        Parallel.For(0, seeds, new ParallelOptions { MaxDegreeOfParallelism = threads }, n => results[n] = run((ulong)n + 1));
        return results;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /// <summary>Scientific notation; NaN and +∞ stand for diverged runs (they sort last in medians).</summary>
    private static string E(double value) => double.IsNaN(value) || double.IsPositiveInfinity(value) ? "diverged" : value.ToString("0.0e+0", CultureInfo.InvariantCulture);

    /// <summary>‖w − w*‖/‖w*‖ after Convotron with known a, or NaN when the run diverged.</summary>
    private static double Convotron(PatchGeometry g, Teacher teacher, InputDistribution inputs, ulong seed, long samples, StepSize step, int? patch)
    {
        var model = new DynamicConvNet(g, Activation.ReLU);
        try
        {
            ConvotronLearner.Learn(model, teacher.Stream(inputs, Xoshiro256StarStar.ForStream(seed, 1)), new ConvotronOptions
            {
                Samples = samples, Step = step, OutputWeights = teacher.OutputWeights.ToArray(), UpdatePatch = patch, EvaluationInterval = 0,
            });
        }
        catch (LearningDivergedException)
        {
            return double.NaN;
        }
        return Distance(model.Filter, teacher.Filter);
    }

    public static void UpdatePatch(int seeds, int threads)
    {
        const int k = 10;
        const long samples = 50_000;
        InputDistribution[] laws = [InputDistribution.Gaussian, InputDistribution.Uniform, InputDistribution.Rademacher, InputDistribution.AutoRegressive(0.5), InputDistribution.AutoRegressive(0.9)];
        Console.WriteLine($"Convotron with known a along patch 0 only vs every patch, d = {D}, r = {R}, k = {k}: patch 0 reads x[0..{R - 1}] alone,");
        Console.WriteLine($"patches 1..{k - 1} random {R}-subsets of x[{R}..{D - 1}] (a new geometry per seed); {samples:N0} samples, the same for every rule.");
        Console.WriteLine("‖w − w*‖/‖w*‖ over seeds (median, worst), the seeds reaching 1e-8, and the largest μ_0 = a_0²/‖a‖² among the seeds that do not.\n");
        Console.WriteLine("| inputs | rule | median | worst | ≤ 1e-8 | largest μ_0 missing 1e-8 |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (InputDistribution inputs in laws)
        {
            var rows = PerSeed(seeds, threads, seed =>
            {
                PatchGeometry g = DisjointFirstPatch(k, Xoshiro256StarStar.ForStream(seed, 4));
                var teacher = Teacher.Random(g, Activation.ReLU, Xoshiro256StarStar.ForStream(seed, 0));
                double[] a = teacher.OutputWeights.ToArray();
                double muJ = a[0] * a[0] / a.Sum(v => v * v);
                return (MuJ: muJ, Errors: new[]
                {
                    Convotron(g, teacher, inputs, seed, samples, StepSize.Normalized(0.5), null),
                    Convotron(g, teacher, inputs, seed, samples, StepSize.Normalized(0.5), 0),
                    Convotron(g, teacher, inputs, seed, samples, StepSize.Normalized(muJ), 0),
                    Convotron(g, teacher, inputs, seed, 10 * samples, StepSize.Normalized(muJ), 0),
                });
            });
            string[] names = ["every patch, μ = 0.5", "patch 0 only, μ = 0.5", "patch 0 only, μ = μ_0", $"patch 0 only, μ = μ_0, {10 * samples:N0} samples"];
            for (int rule = 0; rule < names.Length; rule++)
            {
                double[] errors = rows.Select(r => r.Errors[rule]).ToArray();
                double[] missing = rows.Where(r => !(r.Errors[rule] <= 1e-8)).Select(r => r.MuJ).ToArray();
                double[] finite = errors.Where(double.IsFinite).ToArray();
                string worst = finite.Length < errors.Length ? $"{errors.Length - finite.Length} diverged" : E(finite.Max());
                Console.WriteLine($"| {inputs.Name} | {names[rule]} | {E(Median(errors.Select(v => double.IsNaN(v) ? double.PositiveInfinity : v)))} | {worst} | {errors.Count(v => v <= 1e-8)}/{errors.Length} | {(missing.Length == 0 ? "–" : missing.Max().ToString("F3", CultureInfo.InvariantCulture))} |");
            }
        }
    }

    public static void Correlated(int seeds, int threads)
    {
        double[] rhos = [0.0, 0.25, 0.5, 0.75, 0.9];
        int[] strides = [9, 12, 16];
        const long convotronSamples = 10_000, refinementSamples = 100_000;
        Console.WriteLine($"AR(1) inputs, Cov(x_i, x_j) = ρ^|i−j|, d = {D}, r = {R}; Convotron with known a (μ = 0.5, {convotronSamples:N0} samples),");
        Console.WriteLine($"Algorithm 1 with the paper's Gaussian settings, then refinement ({refinementSamples:N0} samples). Success: relative test MSE ≤ 1e-2");
        Console.WriteLine("(test inputs from the same AR(1) law). κ(Σ_x): condition number of the input covariance; λ ratio: median over seeds of");
        Console.WriteLine("λ_min/λ_max of Σ_ij a*_i a*_j P_i Σ_x P_jᵀ.\n");
        Console.WriteLine("| ρ | s | κ(Σ_x) | λ ratio | Convotron: median ‖w − w*‖/‖w*‖ | ≤ 1e-8 | Algorithm 1: success | median rel. MSE | stage-1 angle (median) | + refinement: success | median rel. MSE |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (double rho in rhos)
        {
            InputDistribution inputs = InputDistribution.AutoRegressive(rho);
            foreach (int s in strides)
            {
                PatchGeometry g = PatchGeometry.Strided1D(R, s, D);
                double kappa = GeometryReport.Compute(g, new double[g.PatchCount].Select(_ => 1.0).ToArray(), inputs).InputConditionNumber;
                var rows = PerSeed(seeds, threads, seed =>
                {
                    var teacher = Teacher.Random(g, Activation.ReLU, Xoshiro256StarStar.ForStream(seed, 0));
                    var report = GeometryReport.Compute(g, teacher.OutputWeights, inputs);
                    double convotron = Convotron(g, teacher, inputs, seed, convotronSamples, StepSize.Normalized(0.5), null);
                    var test = DataSet.Draw(teacher, inputs, 10_000, Xoshiro256StarStar.ForStream(seed, 3));
                    var model = new DynamicConvNet(g, Activation.ReLU);
                    double algorithm1 = double.NaN, refined = double.NaN, angle = double.NaN;
                    try
                    {
                        var result = Algorithm1.Learn(model, teacher.Stream(inputs, Xoshiro256StarStar.ForStream(seed, 1)),
                            new Algorithm1Options { EvaluationInterval = 0, Seed = seed }, new LearnerRun(test));
                        algorithm1 = result.RelativeTestMse;
                        angle = result.Stage1Angle;
                        refined = Refinement.Learn(model, teacher.Stream(inputs, Xoshiro256StarStar.ForStream(seed, 2)),
                            new RefinementOptions { Samples = refinementSamples, EvaluationInterval = 0 }, new LearnerRun(test)).RelativeTestMse;
                    }
                    catch (LearningDivergedException)
                    {
                    }
                    return (Ratio: report.MinEigenvalue / report.MaxEigenvalue, Convotron: convotron, Algorithm1: algorithm1, Angle: angle, Refined: refined);
                });
                static double Safe(double v) => double.IsNaN(v) ? double.PositiveInfinity : v;
                Console.WriteLine($"| {rho} | {s} | {kappa:F1} | {E(Median(rows.Select(r => r.Ratio)))} | {E(Median(rows.Select(r => Safe(r.Convotron))))} | {rows.Count(r => r.Convotron <= 1e-8)}/{seeds} " +
                                  $"| {rows.Count(r => r.Algorithm1 <= 1e-2)}/{seeds} | {E(Median(rows.Select(r => Safe(r.Algorithm1))))} | {Median(rows.Select(r => Safe(r.Angle))):F3} " +
                                  $"| {rows.Count(r => r.Refined <= 1e-2)}/{seeds} | {E(Median(rows.Select(r => Safe(r.Refined))))} |");
            }
        }
    }

    /// <summary>
    /// The cost of the single-patch rule, which the learner composes from Predict and patch j's runs
    /// of x: ConvotronLearner.Learn over a cycling set of 64 samples at (160, 16, 16), full rule vs
    /// UpdatePatch = 3, on the generated model and on DynamicConvNet, in interleaved rounds (machine
    /// noise hits both alike); medians per step (sampling from the set included) and of the ratio.
    /// </summary>
    public static void Speed(int rounds)
    {
        var generated = new Net160s16();
        PatchGeometry g = generated.Geometry;
        var teacher = Teacher.Random(g, Activation.ReLU, new Xoshiro256StarStar(1));
        var data = DataSet.Draw(teacher, InputDistribution.Gaussian, 64, new Xoshiro256StarStar(2));
        double[] a = teacher.OutputWeights.ToArray();
        const long steps = 400_000;
        double Time(IConvNet model, int? patch)
        {
            var options = new ConvotronOptions
            {
                Samples = steps, OutputWeights = a, UpdatePatch = patch, EvaluationInterval = 0,
                Step = StepSize.Normalized(0.5 * a[3] * a[3] / a.Sum(v => v * v)),
            };
            var clock = Stopwatch.StartNew();
            ConvotronLearner.Learn(model, data.Stream(new Xoshiro256StarStar(3)), options);
            return clock.Elapsed.TotalSeconds / steps * 1e9;
        }
        foreach ((string name, IConvNet model) in new (string, IConvNet)[] { ("generated", generated), ("dynamic", new DynamicConvNet(g, Activation.ReLU)) })
        {
            for (int warm = 0; warm < 3; warm++)
            {
                Time(model, null);
                Time(model, 3);
            }
            var full = new double[rounds];
            var single = new double[rounds];
            var ratio = new double[rounds];
            for (int r = 0; r < rounds; r++)
            {
                full[r] = Time(model, null);
                single[r] = Time(model, 3);
                ratio[r] = single[r] / full[r];
            }
            Console.WriteLine($"{name}: full rule {Median(full):F1} ns/step, single patch {Median(single):F1} ns/step, " +
                              $"single/full {Median(ratio):F2} (median of {rounds} interleaved rounds; range {ratio.Min():F2}–{ratio.Max():F2})");
        }
    }

    public static void Channels(int seeds, int threads)
    {
        PatchGeometry g = PatchGeometry.Parse("2d:rh=3,rw=3,sh=2,sw=2,height=16,width=16,channels=3");
        const long refinementSamples = 100_000;
        Algorithm1Options normalized = Algorithm1Options.Normalized;
        (string Name, Func<ulong, Algorithm1Options> Options)[] presets =
        [
            ("paper (η = 1e-4, T1 = T2 = 10,000)", seed => new Algorithm1Options { EvaluationInterval = 0, Seed = seed }),
            ("normalised, T1 = T2 = 10,000", seed => new Algorithm1Options
            {
                Stage1Step = normalized.Stage1Step, Stage2Step = normalized.Stage2Step, Stage1SignCheckSamples = normalized.Stage1SignCheckSamples,
                Stage1AveragingFraction = normalized.Stage1AveragingFraction, EvaluationInterval = 0, Seed = seed,
            }),
            ("normalised, T1 = T2 = 40,000", seed => new Algorithm1Options
            {
                Stage1Steps = 40_000, Stage2Steps = 40_000,
                Stage1Step = normalized.Stage1Step, Stage2Step = normalized.Stage2Step, Stage1SignCheckSamples = normalized.Stage1SignCheckSamples,
                Stage1AveragingFraction = normalized.Stage1AveragingFraction, EvaluationInterval = 0, Seed = seed,
            }),
        ];
        Console.WriteLine($"{g}: input {g.InputSize} = 3 × 16 × 16, filter {g.FilterSize} = 3 × 3 × 3, k = {g.PatchCount}, |T_non| = {g.NonOverlappingTaps.Length} (the window's centre in each channel).");
        Console.WriteLine($"Random ReLU teacher, Gaussian inputs; Algorithm 1, then refinement ({refinementSamples:N0} samples); relative test MSE on 10,000 test samples.\n");
        Console.WriteLine("| Algorithm 1 settings | stage-1 angle: median | rel. MSE after Algorithm 1: median | worst | after refinement: median | worst | ≤ 1e-12 | samples (median) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var preset in presets)
        {
            var rows = PerSeed(seeds, threads, seed =>
            {
                var teacher = Teacher.Random(g, Activation.ReLU, Xoshiro256StarStar.ForStream(seed, 0));
                var test = DataSet.Draw(teacher, InputDistribution.Gaussian, 10_000, Xoshiro256StarStar.ForStream(seed, 3));
                var model = new DynamicConvNet(g, Activation.ReLU);
                var result = Algorithm1.Learn(model, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(seed, 1)), preset.Options(seed), new LearnerRun(test));
                var refined = Refinement.Learn(model, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(seed, 2)),
                    new RefinementOptions { Samples = refinementSamples, EvaluationInterval = 0 }, new LearnerRun(test));
                return (result.Stage1Angle, result.RelativeTestMse, Refined: refined.RelativeTestMse, Samples: (double)(result.SamplesUsed + refined.SamplesUsed));
            });
            Console.WriteLine($"| {preset.Name} | {Median(rows.Select(r => r.Stage1Angle)):F3} | {E(Median(rows.Select(r => r.RelativeTestMse)))} | {E(rows.Max(r => r.RelativeTestMse))} " +
                              $"| {E(Median(rows.Select(r => r.Refined)))} | {E(rows.Max(r => r.Refined))} | {rows.Count(r => r.Refined <= 1e-12)}/{rows.Length} | {Median(rows.Select(r => r.Samples)):N0} |");
        }
    }
}

/// <summary>The (160, 16, 16) geometry compiled by the generator, for the speed comparison.</summary>
[ConvNet(r: 16, s: 16, d: 160)]
internal sealed partial class Net160s16;
