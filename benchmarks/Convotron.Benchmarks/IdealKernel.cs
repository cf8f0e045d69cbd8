using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>
/// kernel-bound [--rounds 9]: the witness of the FMA bound of one ConvotronStep at (160, 16, 9),
/// ReLU. <see cref="IdealStep160s9"/> is the best hand-written AVX-512 version of the step found
/// so far; it is first checked against the generated class on random inputs (≤ 1e−12 relative),
/// then generated and ideal (also in one pass over x, ConvotronStepOnePass) are timed in
/// interleaved rounds and set against the 17 ns floor (544 multiply-adds at 8 per cycle
/// and 4 GHz). This core measured 16 per cycle in 512-bit registers, a 10 ns floor: see
/// docs/PERFORMANCE.md, "The arithmetic bound".
/// </summary>
public static class KernelBound
{
    private const double FloorNanoseconds = 17.0;

    public static int Run(string[] args)
    {
        int rounds = 9;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        if (!Avx512F.IsSupported)
        {
            Console.Error.WriteLine("kernel-bound needs AVX-512 (the ideal kernel is written for it)");
            return 2;
        }
        var generated = new Net160s9();
        var (inputs, labels) = Cases.Prepare(generated, 64, 3);
        var random = new Xoshiro256StarStar(11);
        random.NextDoubles(generated.Filter);
        random.NextDoubles(generated.OutputWeights);
        double[] w = generated.Filter.ToArray(), a = generated.OutputWeights.ToArray();

        // Correct first: the same residuals and the same filter after 64 steps (both hand-written forms).
        var rules = new ModelUpdates(generated);
        double worst = 0;
        double[] onePassW = (double[])w.Clone();
        for (int n = 0; n < 64; n++)
        {
            double expected = rules.Convotron(inputs[n], labels[n], 1e-3);
            double actual = IdealStep160s9.ConvotronStep(w, a, inputs[n], labels[n], 1e-3);
            double onePass = IdealStep160s9.ConvotronStepOnePass(onePassW, a, inputs[n], labels[n], 1e-3);
            worst = Math.Max(worst, Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-300));
            worst = Math.Max(worst, Math.Abs(onePass - expected) / Math.Max(Math.Abs(expected), 1e-300));
            for (int i = 0; i < w.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(w[i] - generated.Filter[i]) / Math.Max(Math.Abs(generated.Filter[i]), 1e-300));
                worst = Math.Max(worst, Math.Abs(onePassW[i] - generated.Filter[i]) / Math.Max(Math.Abs(generated.Filter[i]), 1e-300));
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ideal vs generated over 64 steps: worst relative difference {worst:E2}"));
        if (!(worst <= 1e-12))
        {
            Console.Error.WriteLine("the ideal kernel does not compute the generated step");
            return 1;
        }

        double sink = 0;
        IConvNet model = generated;
        var loop = new RuleLoop(generated, BenchmarkRule.Convotron, inputs, labels);
        var many = new double[4096][];
        for (int n = 0; n < many.Length; n++)
        {
            many[n] = new double[160];
            InputDistribution.Gaussian.Sample(random, many[n]);
        }
        var contenders = new Interleaved.Contender[]
        {
            // The generated kernel under the runtime's rule, through its struct type as the learners run it.
            new("generated", steps => Time(steps, () => sink += loop.Run(steps))),
            new("ideal", steps => Time(steps, () => { for (long n = 0; n < steps; n++) sink += IdealStep160s9.ConvotronStep(w, a, inputs[n & 63], labels[n & 63], 1e-12); })),
            new("ideal, one pass", steps => Time(steps, () => { for (long n = 0; n < steps; n++) sink += IdealStep160s9.ConvotronStepOnePass(onePassW, a, inputs[n & 63], labels[n & 63], 1e-12); })),
            new("products only", steps => Time(steps, () => { for (long n = 0; n < steps; n++) sink += IdealStep160s9.PredictParts(w, inputs[n & 63], trees: false); })),
            new("products + trees", steps => Time(steps, () => { for (long n = 0; n < steps; n++) sink += IdealStep160s9.PredictParts(w, inputs[n & 63], trees: true); })),
            new("ideal, no update", steps => Time(steps, () => { for (long n = 0; n < steps; n++) sink += IdealStep160s9.Predict(w, a, inputs[n & 63]); })),
            // Predict alone over 64 inputs (ReLU signs the branch predictor can learn) and over 4,096 (5 MB, fresh signs):
            // the generated σ is a compare and branch, the ideal one a vector max.
            new("generated Predict", steps => Time(steps, () => { for (long n = 0; n < steps; n++) sink += model.Predict(inputs[n & 63]); })),
            new("generated P. 4096", steps => Time(steps, () => { for (long n = 0; n < steps; n++) sink += model.Predict(many[n & 4095]); })),
            new("ideal P. 4096", steps => Time(steps, () => { for (long n = 0; n < steps; n++) sink += IdealStep160s9.Predict(w, a, many[n & 4095]); })),
        };
        var (seconds, ratios) = Interleaved.Measure(contenders, rounds, 0.2, verbose: false);
        Console.WriteLine($"ConvotronStep at (160, 16, 9), ns per step, medians of {rounds} interleaved rounds (floor {FloorNanoseconds} ns):");
        for (int c = 0; c < contenders.Length; c++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {contenders[c].Name,-18} {seconds[c] * 1e9,7:F1} ns  {FloorNanoseconds / (seconds[c] * 1e9) * 100,5:F0} % of the floor  generated / this {ratios[c],5:F2}"));
        }
        if (double.IsNaN(sink))
            Console.Write("");
        return 0;

        static double Time(long steps, Action loop)
        {
            var clock = Stopwatch.StartNew();
            loop();
            return clock.Elapsed.TotalSeconds;
        }
    }
}

/// <summary>
/// A hand-written ConvotronStep for d = 160, r = 16, s = 9, k = 17, ReLU, on AVX-512: the
/// patch dots of eight patches are summed across lanes together (a transposing add tree: 7
/// shuffle-add levels for 8 sums instead of 8 separate horizontal sums), the activations and
/// f(x) in vectors, then Σ_j a_j P_j x in four independent FMA chains and one update of w.
/// </summary>
public static class IdealStep160s9
{
    private const int K = 17, S = 9;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Predict(double[] w, double[] a, ReadOnlySpan<double> x)
    {
        Check(w, a, x);
        ref double x0 = ref MemoryMarshal.GetReference(x);
        ref double wr = ref MemoryMarshal.GetArrayDataReference(w);
        ref double ar = ref MemoryMarshal.GetArrayDataReference(a);
        Vector512<double> w0 = Vector512.LoadUnsafe(ref wr), w1 = Vector512.LoadUnsafe(ref wr, 8);
        Vector512<double> z0 = Sums8(
            Products(ref x0, 0, w0, w1), Products(ref x0, 1, w0, w1), Products(ref x0, 2, w0, w1), Products(ref x0, 3, w0, w1),
            Products(ref x0, 4, w0, w1), Products(ref x0, 5, w0, w1), Products(ref x0, 6, w0, w1), Products(ref x0, 7, w0, w1));
        Vector512<double> z1 = Sums8(
            Products(ref x0, 8, w0, w1), Products(ref x0, 9, w0, w1), Products(ref x0, 10, w0, w1), Products(ref x0, 11, w0, w1),
            Products(ref x0, 12, w0, w1), Products(ref x0, 13, w0, w1), Products(ref x0, 14, w0, w1), Products(ref x0, 15, w0, w1));
        return Output(z0, z1, Vector512.Sum(Products(ref x0, 16, w0, w1)), ref ar);
    }

    /// <summary>The generated class's ConvotronStep: w += η (y − f(x)) Σ_j a_j P_j x; returns y − f(x).</summary>
    public static double ConvotronStep(double[] w, double[] a, ReadOnlySpan<double> x, double y, double learningRate)
    {
        double residual = y - Predict(w, a, x);
        double scale = learningRate * residual;
        ref double x0 = ref MemoryMarshal.GetReference(x);
        ref double ar = ref MemoryMarshal.GetArrayDataReference(a);
        Vector512<double> s0 = default, s1 = default, t0 = default, t1 = default, u0 = default, u1 = default, v0 = default, v1 = default;
        for (int j = 0; j < 16; j += 4)
        {
            Accumulate(ref x0, j, Unsafe.Add(ref ar, j), ref s0, ref s1);
            Accumulate(ref x0, j + 1, Unsafe.Add(ref ar, j + 1), ref t0, ref t1);
            Accumulate(ref x0, j + 2, Unsafe.Add(ref ar, j + 2), ref u0, ref u1);
            Accumulate(ref x0, j + 3, Unsafe.Add(ref ar, j + 3), ref v0, ref v1);
        }
        Accumulate(ref x0, 16, Unsafe.Add(ref ar, 16), ref s0, ref s1);
        // The same association as the generated kernel: ((0 + 1) + (2 + 3)), so the results agree to rounding.
        Vector512<double> sum0 = (s0 + t0) + (u0 + v0), sum1 = (s1 + t1) + (u1 + v1);
        ref double wr = ref MemoryMarshal.GetArrayDataReference(w);
        Vector512<double> c = Vector512.Create(scale);
        Vector512.FusedMultiplyAdd(sum0, c, Vector512.LoadUnsafe(ref wr)).StoreUnsafe(ref wr);
        Vector512.FusedMultiplyAdd(sum1, c, Vector512.LoadUnsafe(ref wr, 8)).StoreUnsafe(ref wr, 8);
        return residual;
    }

    /// <summary>
    /// Parts of <see cref="Predict"/>, to time what its 21–25 ns are spent on (not f(x)): the
    /// loads and products only, summed without any reduction across lanes (<paramref name="trees"/>
    /// false), or also the two transposing add trees (true), without σ, a and the final sums.
    /// </summary>
    public static double PredictParts(double[] w, ReadOnlySpan<double> x, bool trees)
    {
        ref double x0 = ref MemoryMarshal.GetReference(x);
        ref double wr = ref MemoryMarshal.GetArrayDataReference(w);
        Vector512<double> w0 = Vector512.LoadUnsafe(ref wr), w1 = Vector512.LoadUnsafe(ref wr, 8);
        Vector512<double> p0 = Products(ref x0, 0, w0, w1), p1 = Products(ref x0, 1, w0, w1), p2 = Products(ref x0, 2, w0, w1), p3 = Products(ref x0, 3, w0, w1);
        Vector512<double> p4 = Products(ref x0, 4, w0, w1), p5 = Products(ref x0, 5, w0, w1), p6 = Products(ref x0, 6, w0, w1), p7 = Products(ref x0, 7, w0, w1);
        Vector512<double> q0 = Products(ref x0, 8, w0, w1), q1 = Products(ref x0, 9, w0, w1), q2 = Products(ref x0, 10, w0, w1), q3 = Products(ref x0, 11, w0, w1);
        Vector512<double> q4 = Products(ref x0, 12, w0, w1), q5 = Products(ref x0, 13, w0, w1), q6 = Products(ref x0, 14, w0, w1), q7 = Products(ref x0, 15, w0, w1);
        Vector512<double> last = Products(ref x0, 16, w0, w1);
        if (trees)
            return (Sums8(p0, p1, p2, p3, p4, p5, p6, p7) + Sums8(q0, q1, q2, q3, q4, q5, q6, q7) + last).GetElement(0);
        return (((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7)) + ((q0 + q1) + (q2 + q3)) + ((q4 + q5) + (q6 + q7)) + last).GetElement(0);
    }

    /// <summary>
    /// The same step in one pass over x: each patch's two vectors are loaded once and feed both
    /// its dot product with w and Σ_j a_j P_j x (which does not depend on the residual), instead of
    /// a second pass of loads after the prediction. A measurement of what the loads cost, not a
    /// kernel the generator emits.
    /// </summary>
    public static double ConvotronStepOnePass(double[] w, double[] a, ReadOnlySpan<double> x, double y, double learningRate)
    {
        Check(w, a, x);
        ref double x0 = ref MemoryMarshal.GetReference(x);
        ref double wr = ref MemoryMarshal.GetArrayDataReference(w);
        ref double ar = ref MemoryMarshal.GetArrayDataReference(a);
        Vector512<double> w0 = Vector512.LoadUnsafe(ref wr), w1 = Vector512.LoadUnsafe(ref wr, 8);
        Vector512<double> s0 = default, s1 = default, t0 = default, t1 = default, u0 = default, u1 = default, v0 = default, v1 = default;
        // Arguments are evaluated left to right: patch j adds into set j mod 4 in increasing j, as the generated kernel does.
        Vector512<double> z0 = Sums8(
            Both(ref x0, 0, w0, w1, ref ar, ref s0, ref s1), Both(ref x0, 1, w0, w1, ref ar, ref t0, ref t1),
            Both(ref x0, 2, w0, w1, ref ar, ref u0, ref u1), Both(ref x0, 3, w0, w1, ref ar, ref v0, ref v1),
            Both(ref x0, 4, w0, w1, ref ar, ref s0, ref s1), Both(ref x0, 5, w0, w1, ref ar, ref t0, ref t1),
            Both(ref x0, 6, w0, w1, ref ar, ref u0, ref u1), Both(ref x0, 7, w0, w1, ref ar, ref v0, ref v1));
        Vector512<double> z1 = Sums8(
            Both(ref x0, 8, w0, w1, ref ar, ref s0, ref s1), Both(ref x0, 9, w0, w1, ref ar, ref t0, ref t1),
            Both(ref x0, 10, w0, w1, ref ar, ref u0, ref u1), Both(ref x0, 11, w0, w1, ref ar, ref v0, ref v1),
            Both(ref x0, 12, w0, w1, ref ar, ref s0, ref s1), Both(ref x0, 13, w0, w1, ref ar, ref t0, ref t1),
            Both(ref x0, 14, w0, w1, ref ar, ref u0, ref u1), Both(ref x0, 15, w0, w1, ref ar, ref v0, ref v1));
        double residual = y - Output(z0, z1, Vector512.Sum(Both(ref x0, 16, w0, w1, ref ar, ref s0, ref s1)), ref ar);
        Vector512<double> sum0 = (s0 + t0) + (u0 + v0), sum1 = (s1 + t1) + (u1 + v1);
        Vector512<double> c = Vector512.Create(learningRate * residual);
        Vector512.FusedMultiplyAdd(sum0, c, w0).StoreUnsafe(ref wr);
        Vector512.FusedMultiplyAdd(sum1, c, w1).StoreUnsafe(ref wr, 8);
        return residual;
    }

    private static void Check(double[] w, double[] a, ReadOnlySpan<double> x)
    {
        if (x.Length != 160 || w.Length != 16 || a.Length != K)
            throw new ArgumentException("x must have length 160, w 16 and a 17.", nameof(x));
    }

    /// <summary>f(x) = Σ_j a_j max(z_j, 0) from patches 0–7 (z0), 8–15 (z1) and 16 (z16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Output(Vector512<double> z0, Vector512<double> z1, double z16, ref double ar)
    {
        Vector512<double> zero = Vector512<double>.Zero;
        Vector512<double> f = Vector512.Max(z0, zero) * Vector512.LoadUnsafe(ref ar) + Vector512.Max(z1, zero) * Vector512.LoadUnsafe(ref ar, 8);
        return Vector512.Sum(f) + Math.Max(z16, 0.0) * Unsafe.Add(ref ar, 16);
    }

    /// <summary>Patch j's products with w (returned) and a_j P_j x added into (acc0, acc1), from one load of each half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Both(ref double x0, int patch, Vector512<double> w0, Vector512<double> w1, ref double ar,
        ref Vector512<double> acc0, ref Vector512<double> acc1)
    {
        Vector512<double> xa = Vector512.LoadUnsafe(ref x0, (nuint)(S * patch)), xb = Vector512.LoadUnsafe(ref x0, (nuint)(S * patch + 8));
        Vector512<double> c8 = Vector512.Create(Unsafe.Add(ref ar, patch));
        acc0 = Vector512.FusedMultiplyAdd(xa, c8, acc0);
        acc1 = Vector512.FusedMultiplyAdd(xb, c8, acc1);
        return xa * w0 + xb * w1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Products(ref double x0, int patch, Vector512<double> w0, Vector512<double> w1) =>
        Vector512.LoadUnsafe(ref x0, (nuint)(S * patch)) * w0 + Vector512.LoadUnsafe(ref x0, (nuint)(S * patch + 8)) * w1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(ref double x0, int patch, double c, ref Vector512<double> acc0, ref Vector512<double> acc1)
    {
        Vector512<double> c8 = Vector512.Create(c);
        acc0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)(S * patch)), c8, acc0);
        acc1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x0, (nuint)(S * patch + 8)), c8, acc1);
    }

    /// <summary>Element i is the sum of v{i}'s lanes: a transposing add tree of 3 levels (unpacks, then 128-bit shuffles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Sums8(Vector512<double> v0, Vector512<double> v1, Vector512<double> v2, Vector512<double> v3,
        Vector512<double> v4, Vector512<double> v5, Vector512<double> v6, Vector512<double> v7)
    {
        Vector512<double> p01 = Avx512F.UnpackLow(v0, v1) + Avx512F.UnpackHigh(v0, v1);
        Vector512<double> p23 = Avx512F.UnpackLow(v2, v3) + Avx512F.UnpackHigh(v2, v3);
        Vector512<double> p45 = Avx512F.UnpackLow(v4, v5) + Avx512F.UnpackHigh(v4, v5);
        Vector512<double> p67 = Avx512F.UnpackLow(v6, v7) + Avx512F.UnpackHigh(v6, v7);
        Vector512<double> q0 = Avx512F.Shuffle4x128(p01, p23, 0x88) + Avx512F.Shuffle4x128(p01, p23, 0xDD);
        Vector512<double> q1 = Avx512F.Shuffle4x128(p45, p67, 0x88) + Avx512F.Shuffle4x128(p45, p67, 0xDD);
        return Avx512F.Shuffle4x128(q0, q1, 0x88) + Avx512F.Shuffle4x128(q0, q1, 0xDD);
    }
}
