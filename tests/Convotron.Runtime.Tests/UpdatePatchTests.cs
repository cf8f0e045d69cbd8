using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Convotron.Tests;

/// <summary>Convotron updating only along one disjoint patch (Goel, Klivans &amp; Meka).</summary>
public class UpdatePatchTests
{
    /// <summary>
    /// Patch 0 reads 0 .. r − 1 alone; patches 1 .. k − 1 are random index sets over the rest of
    /// the input, overlapping each other arbitrarily (coordinates repeat across patches).
    /// </summary>
    internal static PatchGeometry DisjointFirstPatch(int r, int k, int d, Xoshiro256StarStar rng)
    {
        var patches = new List<int[]> { Enumerable.Range(0, r).ToArray() };
        int[] rest = Enumerable.Range(r, d - r).ToArray();
        for (int j = 1; j < k; j++)
        {
            for (int i = rest.Length - 1; i > 0; i--)
            {
                int m = (int)rng.NextUInt64((ulong)i + 1);
                (rest[i], rest[m]) = (rest[m], rest[i]);
            }
            patches.Add(rest[..r]);
        }
        return PatchGeometry.FromPatches(d, patches);
    }

    [Fact]
    public void RecoversTheFilterWithOverlappingOtherPatches()
    {
        PatchGeometry g = DisjointFirstPatch(r: 8, k: 6, d: 32, new Xoshiro256StarStar(11));
        // The other patches overlap: some coordinate is read twice among them.
        Assert.Contains(g.Indices.ToArray().Skip(8).GroupBy(i => i), group => group.Count() > 1);
        Assert.False(g.HasNonOverlappingPart && g.NonOverlappingTaps.Length == g.FilterSize);
        var model = new DynamicConvNet(g, Activation.ReLU);
        // The other patches' errors enter the residual as noise of size ‖a‖ against the signal a_0:
        // the normalised step is stable for μ below about 2 a_0²/‖a‖²; take half of that. The rate
        // falls with a_0²/‖a‖² (docs/EXPERIMENTS.md: the seeds that miss are those where a_0 carries
        // little of ‖a‖), so the test takes a random w* with output weights where patch 0 carries a
        // fair share: a* ~ N(0, I) with a_0 set to ‖a*‖/2.
        var random = Xoshiro256StarStar.ForStream(1, 0);
        double[] filter = Reference.Random(random, g.FilterSize), a = Reference.Random(random, g.PatchCount);
        a[0] = 0.5 * Math.Sqrt(a.Skip(1).Sum(v => v * v));
        var teacher = new Teacher(g, Activation.ReLU, filter, a);
        double mu = a[0] * a[0] / a.Sum(v => v * v);
        var result = ConvotronLearner.Learn(model, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(1, 1)),
            new ConvotronOptions { Samples = 20_000, OutputWeights = a, UpdatePatch = 0, Step = StepSize.Normalized(mu), EvaluationInterval = 0 });
        double error = Distance(model.Filter, teacher.Filter);
        Assert.True(error <= 1e-8, $"‖w − w*‖/‖w*‖ = {error}");
        Assert.Equal(20_000, result.SamplesUsed);
    }

    [Fact]
    public void TheStepIsTheSinglePatchRule()
    {
        PatchGeometry g = DisjointFirstPatch(r: 4, k: 3, d: 12, new Xoshiro256StarStar(2));
        var rng = new Xoshiro256StarStar(4);
        double[] w = Reference.Random(rng, 4), a = Reference.Random(rng, 3), x = Reference.Random(rng, 12);
        double y = 0.7;
        foreach (StepSize step in new[] { StepSize.Fixed(0.05), StepSize.Normalized(0.5) })
        {
            var model = new DynamicConvNet(g, Activation.Leaky(0.2), w, a);
            var source = new OneSample(x, y);
            ConvotronLearner.Learn(model, source, new ConvotronOptions { Samples = 1, OutputWeights = a, ResetFilter = false, UpdatePatch = 0, Step = step, EvaluationInterval = 0 });
            double residual = y - Reference.Predict(g, Activation.Leaky(0.2), w, a, x);
            double[] px = g.Patch(0).ToArray().Select(i => x[i]).ToArray();
            double eta = step.Rule == StepRule.Fixed ? step.Value : step.Value / (a[0] * a[0] * px.Sum(v => v * v));
            for (int t = 0; t < 4; t++)
                Assert.Equal(w[t] + eta * residual * a[0] * px[t], model.Filter[t], 1e-13);
        }
    }

    [Fact]
    public void APatchThatOverlapsAnotherIsRefused()
    {
        PatchGeometry g = DisjointFirstPatch(r: 8, k: 6, d: 32, new Xoshiro256StarStar(11));
        var teacher = Teacher.Random(g, Activation.ReLU, Xoshiro256StarStar.ForStream(1, 0));
        var source = teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(1, 1));
        var e = Assert.Throws<ArgumentException>(() => ConvotronLearner.Learn(new DynamicConvNet(g, Activation.ReLU), source, new ConvotronOptions { UpdatePatch = 1 }));
        Assert.Equal("UpdatePatch", e.ParamName);
        Assert.Contains("shares input coordinate", e.Message, StringComparison.Ordinal);
        var strided = PatchGeometry.Strided1D(16, 9, 160);
        e = Assert.Throws<ArgumentException>(() => ConvotronLearner.Learn(new DynamicConvNet(strided, Activation.ReLU),
            Teacher.Random(strided, Activation.ReLU, new Xoshiro256StarStar(1)).Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(2)), new ConvotronOptions { UpdatePatch = 0 }));
        Assert.Equal("UpdatePatch", e.ParamName);
        foreach (int j in new[] { -1, 6 })
        {
            var range = Assert.Throws<ArgumentOutOfRangeException>(() => ConvotronLearner.Learn(new DynamicConvNet(g, Activation.ReLU), source, new ConvotronOptions { UpdatePatch = j }));
            Assert.Equal("UpdatePatch", range.ParamName);
            Assert.Contains("[0, 6)", range.Message, StringComparison.Ordinal);
        }
    }

    internal static double Distance(ReadOnlySpan<double> w, ReadOnlySpan<double> target)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < w.Length; i++)
        {
            diff += (w[i] - target[i]) * (w[i] - target[i]);
            norm += target[i] * target[i];
        }
        return Math.Sqrt(diff / norm);
    }

    private sealed class OneSample(double[] x, double y) : ISampleSource
    {
        public int InputSize => x.Length;

        public Teacher? Teacher => null;

        public double Next(Span<double> destination)
        {
            x.CopyTo(destination);
            return y;
        }
    }
}
