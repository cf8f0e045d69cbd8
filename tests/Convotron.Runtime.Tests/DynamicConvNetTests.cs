using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Convotron.Tests;

public class DynamicConvNetTests
{
    public static TheoryData<string, double> Geometries()
    {
        var data = new TheoryData<string, double>();
        foreach (string g in new[]
        {
            "1d:r=16,s=9,d=160", "1d:r=16,s=16,d=160", "1d:r=3,s=5,d=20", "1d:r=7,s=2,d=7", "1d:r=4,s=1,d=10",
            // r = 8 and 24, k = 19 and 23: Predict's eight-patches-at-once form with 1 and 3 vectors per patch and a tail.
            "1d:r=8,s=3,d=62", "1d:r=24,s=8,d=200",
            "2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28", "2d:rh=3,rw=2,sh=2,sw=2,height=7,width=9", "2d:rh=5,rw=5,sh=2,sw=2,height=12,width=12",
            "general",
        })
        {
            foreach (double alpha in new[] { 0.0, 0.3, 1.0 })
                data.Add(g, alpha);
        }
        return data;
    }

    internal static PatchGeometry Make(string name) => name == "general"
        ? PatchGeometry.FromPatches(12, [[0, 5, 3, 4], [7, 8, 9, 1], [11, 2, 6, 10], [4, 3, 5, 0]])
        : PatchGeometry.Parse(name);

    private static double Scale(PatchGeometry g, ReadOnlySpan<double> w, ReadOnlySpan<double> a, ReadOnlySpan<double> x)
    {
        double scale = 0;
        for (int j = 0; j < g.PatchCount; j++)
        {
            ReadOnlySpan<int> patch = g.Patch(j);
            double inner = 0;
            for (int t = 0; t < patch.Length; t++)
                inner += Math.Abs(w[t] * x[patch[t]]);
            scale += Math.Abs(a[j]) * inner;
        }
        return scale;
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void KernelsMatchTheFormulas(string geometryName, double alpha)
    {
        PatchGeometry g = Make(geometryName);
        Activation act = Activation.Leaky(alpha);
        var rng = new Xoshiro256StarStar(42);
        int r = g.FilterSize, k = g.PatchCount, n = g.NonOverlappingTaps.Length;
        for (int trial = 0; trial < 20; trial++)
        {
            double[] w = Reference.Random(rng, r), a = Reference.Random(rng, k), x = Reference.Random(rng, g.InputSize);
            double y = Reference.Random(rng, 1)[0] * 3;
            var model = new DynamicConvNet(g, act, w, a);
            double tolerance = 1e-13 * (Scale(g, w, a, x) + Math.Abs(y) + 1);

            double f = Reference.Predict(g, act, w, a, x);
            Assert.Equal(f, model.Predict(x), tolerance);

            var hidden = new double[k];
            model.HiddenActivations(x, hidden);
            for (int j = 0; j < k; j++)
                Assert.Equal(act.Apply(Reference.Dot(g, w, x, j)), hidden[j], tolerance);

            // Convotron: w += η (y − f) Σ_j a_j P_j x.
            double[] u = Reference.PooledInput(g, a, x);
            var step = (DynamicConvNet)model.Clone();
            Assert.Equal(y - f, new ModelUpdates(step).Convotron(x, y, 0.01), tolerance);
            for (int t = 0; t < r; t++)
                Assert.Equal(w[t] + 0.01 * (y - f) * u[t], step.Filter[t], tolerance);
            Assert.Equal(a, step.OutputWeights.ToArray());

            // Normalised: η = μ / ‖u‖².
            step = (DynamicConvNet)model.Clone();
            double norm2 = u.Sum(v => v * v);
            Assert.Equal(y - f, new ModelUpdates(step).NormalizedConvotron(x, y, 0.5), tolerance);
            for (int t = 0; t < r; t++)
                Assert.Equal(w[t] + 0.5 / norm2 * (y - f) * u[t], step.Filter[t], tolerance * (1 + 1 / norm2));

            // Gradient of (f − y)²/2 against central finite differences.
            var gw = new double[r];
            var ga = new double[k];
            Assert.Equal(y - f, new ModelUpdates(model).Gradient(x, y, gw, ga), tolerance);
            for (int j = 0; j < k; j++)
                Assert.Equal((f - y) * act.Apply(Reference.Dot(g, w, x, j)), ga[j], tolerance);
            for (int t = 0; t < r; t++)
            {
                double expected = 0;
                for (int j = 0; j < k; j++)
                {
                    double z = Reference.Dot(g, w, x, j);
                    expected += a[j] * (z > 0 ? 1.0 : alpha) * x[g.Patch(j)[t]];
                }
                Assert.Equal((f - y) * expected, gw[t], tolerance * (1 + Math.Abs(f - y)));
            }

            if (n == 0)
            {
                Assert.Throws<InvalidOperationException>(() => new ModelUpdates(model).DoubleConvotron(x, y, 0.1, [], new double[k]));
                Assert.Throws<InvalidOperationException>(() => new ModelUpdates(model).NormalizedDoubleConvotron(x, y, 0.1, [], new double[k]));
                continue;
            }

            // Stage 1: w_non += −η g + ξ_w, a += −η h + ξ_a; other taps untouched.
            double[] noiseW = Reference.Random(rng, n, 1e-3), noiseA = Reference.Random(rng, k, 1e-3);
            var (gradW, gradA, residual) = Reference.StageOne(g, act, w, a, x, y, 2 / (1 + alpha));
            foreach (bool normalized in new[] { false, true })
            {
                step = (DynamicConvNet)model.Clone();
                double eta = 0.01;
                if (normalized)
                {
                    double c = 2 / (1 + alpha), v2 = 0, z2 = 0;
                    double[] vv = new double[n];
                    for (int j = 0; j < k; j++)
                    {
                        double z = 0;
                        for (int m = 0; m < n; m++)
                        {
                            int t = g.NonOverlappingTaps[m];
                            z += w[t] * x[g.Patch(j)[t]];
                            vv[m] += a[j] * x[g.Patch(j)[t]];
                        }
                        z2 += z * z;
                    }
                    v2 = vv.Sum(v => v * v);
                    eta = 0.3 / (c * c * (v2 + z2));
                    Assert.Equal(residual, new ModelUpdates(step).NormalizedDoubleConvotron(x, y, 0.3, noiseW, noiseA), tolerance);
                }
                else
                {
                    Assert.Equal(residual, new ModelUpdates(step).DoubleConvotron(x, y, eta, noiseW, noiseA), tolerance);
                }
                double stepTolerance = tolerance * (1 + eta * 10);
                var expectedW = (double[])w.Clone();
                for (int m = 0; m < n; m++)
                    expectedW[g.NonOverlappingTaps[m]] += -eta * gradW[m] + noiseW[m];
                for (int t = 0; t < r; t++)
                    Assert.Equal(expectedW[t], step.Filter[t], stepTolerance);
                for (int j = 0; j < k; j++)
                    Assert.Equal(a[j] - eta * gradA[j] + noiseA[j], step.OutputWeights[j], stepTolerance);
            }
        }
    }

    [Fact]
    public void SpanLengthsAreCheckedAndNamed()
    {
        var model = new DynamicConvNet(PatchGeometry.Strided1D(4, 4, 16), Activation.ReLU);
        var x = new double[16];
        AssertParam("x", () => model.Predict(new double[15]));
        AssertParam("hidden", () => model.HiddenActivations(x, new double[3]));
        AssertParam("x", () => new ModelUpdates(model).Convotron(new double[17], 0, 0.1));
        AssertParam("x", () => new ModelUpdates(model).NormalizedConvotron(new double[1], 0, 0.1));
        AssertParam("filterNoise", () => new ModelUpdates(model).DoubleConvotron(x, 0, 0.1, new double[3], new double[4]));
        AssertParam("outputNoise", () => new ModelUpdates(model).DoubleConvotron(x, 0, 0.1, new double[4], new double[5]));
        AssertParam("filterGradient", () => new ModelUpdates(model).Gradient(x, 0, new double[5], new double[4]));
        AssertParam("outputGradient", () => new ModelUpdates(model).Gradient(x, 0, new double[4], new double[3]));
        AssertParam("filter", () => new DynamicConvNet(model.Geometry, Activation.ReLU, new double[3], new double[4]));

        static void AssertParam(string name, Action action)
        {
            var e = Assert.Throws<ArgumentException>(action);
            Assert.Equal(name, e.ParamName);
            Assert.Contains("must have length", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void NormalizedStepDoesNothingWhenThePooledInputIsZero()
    {
        var model = new DynamicConvNet(PatchGeometry.Strided1D(2, 2, 4), Activation.ReLU, [1, 2], [0, 0]);
        Assert.Equal(5.0, new ModelUpdates(model).NormalizedConvotron([1, 1, 1, 1], 5.0, 0.5));
        Assert.Equal([1.0, 2.0], model.Filter.ToArray());
    }

    [Fact]
    public void CloneIsIndependent()
    {
        var model = new DynamicConvNet(PatchGeometry.Strided1D(2, 2, 4), Activation.Leaky(0.2), [1, 2], [3, 4]);
        var copy = model.Clone();
        copy.Filter[0] = 9;
        copy.OutputWeights[1] = 9;
        Assert.Equal(1, model.Filter[0]);
        Assert.Equal(4, model.OutputWeights[1]);
        Assert.Equal(model.Geometry, copy.Geometry);
        Assert.Equal(model.Activation, copy.Activation);
    }
    [Fact]
    public void BranchFreeActivationIsTheDefinitionBitForBit()
    {
        // σ(z) = z for z ≥ 0, α·z otherwise; Apply computes it as max(z, α·z) (no branch). Only
        // z = +∞ with α = 0 differs (0·∞ is NaN), and that stays non-finite.
        var random = new Xoshiro256StarStar(21);
        var z = new List<double> { 0.0, -0.0, double.Epsilon, -double.Epsilon, 1e-308, -1e-308, double.MaxValue, -double.MaxValue, double.NaN, double.NegativeInfinity };
        var draws = new double[2000];
        InputDistribution.Gaussian.Sample(random, draws);
        z.AddRange(draws);
        z.AddRange(draws.Select(v => v * 1e-300));
        z.AddRange(draws.Select(v => v * 1e300));
        foreach (double alpha in new[] { 0.0, 1e-3, 0.01, 0.3, 0.5, 0.999, 1.0 })
        {
            Activation activation = alpha == 0.0 ? Activation.ReLU : Activation.Leaky(alpha);
            foreach (double v in z)
            {
                double expected = v >= 0.0 ? v : alpha * v;
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(activation.Apply(v)));
            }
            Assert.Equal(double.PositiveInfinity, Activation.Leaky(Math.Max(alpha, 1e-3)).Apply(double.PositiveInfinity));
            Assert.False(double.IsFinite(activation.Apply(double.PositiveInfinity)));
        }
    }

    [Fact]
    public void BranchFreeDerivativeIsTheDefinitionBitForBit()
    {
        // σ'(z) = 1 for z > 0, α otherwise (α at ±0 and NaN); Derivative computes it as a vector select.
        var random = new Xoshiro256StarStar(22);
        var z = new List<double> { 0.0, -0.0, double.Epsilon, -double.Epsilon, double.MaxValue, -double.MaxValue, double.NaN, -double.NaN,
            double.PositiveInfinity, double.NegativeInfinity };
        var draws = new double[2000];
        InputDistribution.Gaussian.Sample(random, draws);
        z.AddRange(draws);
        foreach (double alpha in new[] { 0.0, 1e-3, 0.3, 0.999, 1.0 })
        {
            Activation activation = alpha == 0.0 ? Activation.ReLU : Activation.Leaky(alpha);
            foreach (double v in z)
            {
                double expected = v > 0.0 ? 1.0 : alpha;
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(activation.Derivative(v)));
            }
        }
    }

    [Fact]
    public void GradientThroughSwitchedOffUnitsIsTheDefinition()
    {
        // The gradient adds every patch's σ'(z_j)-weighted term, zero factors included (no branch on the sign of
        // z_j): against the definition computed here, on a ReLU model where about half the units are off.
        var geometry = PatchGeometry.Strided1D(16, 9, 160);
        var random = new Xoshiro256StarStar(23);
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        InputDistribution.Gaussian.Sample(random, model.Filter);
        InputDistribution.Gaussian.Sample(random, model.OutputWeights);
        var x = new double[160];
        var filterGradient = new double[16];
        var outputGradient = new double[geometry.PatchCount];
        int off = 0;
        for (int trial = 0; trial < 50; trial++)
        {
            InputDistribution.Gaussian.Sample(random, x);
            double residual = new ModelUpdates(model).Gradient(x, 0.5, filterGradient, outputGradient);
            var z = new double[geometry.PatchCount];
            double f = 0.0;
            for (int j = 0; j < z.Length; j++)
            {
                for (int i = 0; i < 16; i++)
                    z[j] += model.Filter[i] * x[9 * j + i];
                f += model.OutputWeights[j] * Math.Max(z[j], 0.0);
                off += z[j] <= 0.0 ? 1 : 0;
            }
            Assert.Equal(0.5 - f, residual, 1e-12);
            for (int i = 0; i < 16; i++)
            {
                double expected = 0.0;
                for (int j = 0; j < z.Length; j++)
                    expected += (f - 0.5) * model.OutputWeights[j] * (z[j] > 0.0 ? 1.0 : 0.0) * x[9 * j + i];
                Assert.Equal(expected, filterGradient[i], 1e-11);
            }
            for (int j = 0; j < z.Length; j++)
                Assert.Equal((f - 0.5) * Math.Max(z[j], 0.0), outputGradient[j], 1e-12);
        }
        Assert.InRange(off, 50 * 17 / 4, 50 * 17 * 3 / 4); // the switched-off units were exercised
    }
}
