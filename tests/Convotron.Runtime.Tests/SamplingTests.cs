using System;
using System.Linq;
using Xunit;

namespace Convotron.Tests;

public class SamplingTests
{
    [Theory]
    [InlineData("gaussian", 3.0)]
    [InlineData("uniform", 1.8)]
    [InlineData("rademacher", 1.0)]
    public void DistributionsAreSymmetricWithUnitVariance(string name, double fourthMoment)
    {
        var distribution = InputDistribution.FromName(name);
        var rng = new Xoshiro256StarStar(99);
        const int n = 400_000;
        var x = new double[157];   // odd length: exercises the tails of the block samplers
        double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
        long count = 0;
        for (int draw = 0; draw < n / x.Length + 1; draw++)
        {
            distribution.Sample(rng, x);
            foreach (double v in x)
            {
                m1 += v;
                m2 += v * v;
                m3 += v * v * v;
                m4 += v * v * v * v;
                count++;
            }
        }
        m1 /= count; m2 /= count; m3 /= count; m4 /= count;
        // Standard errors: sd(x) = 1, sd(x²) ≤ √(m4 − 1), sd(x³) ≤ √15; allow 5 of them.
        double se = 1 / Math.Sqrt(count);
        Assert.InRange(m1, -5 * se, 5 * se);
        Assert.InRange(m2, 1 - 5 * se * Math.Sqrt(Math.Max(fourthMoment - 1, 1e-3)), 1 + 5 * se * Math.Sqrt(Math.Max(fourthMoment - 1, 1e-3)) + 1e-12);
        Assert.InRange(m3, -5 * se * Math.Sqrt(15), 5 * se * Math.Sqrt(15));
        Assert.InRange(m4, fourthMoment - 0.05, fourthMoment + 0.05);
    }

    [Fact]
    public void UniformStaysInsideItsSupport()
    {
        var x = new double[10_000];
        InputDistribution.Uniform.Sample(new Xoshiro256StarStar(1), x);
        Assert.All(x, v => Assert.InRange(v, -Math.Sqrt(3), Math.Sqrt(3)));
        InputDistribution.Rademacher.Sample(new Xoshiro256StarStar(1), x);
        Assert.All(x, v => Assert.True(v is 1.0 or -1.0));
    }

    [Fact]
    public void SymmetrizedAppliesARandomSign()
    {
        var distribution = InputDistribution.Symmetrized("abs-normal-ish", rng => 1.0 + rng.NextDouble() * 0.0);
        var x = new double[100_000];
        distribution.Sample(new Xoshiro256StarStar(3), x);
        Assert.All(x, v => Assert.Equal(1.0, Math.Abs(v)));
        Assert.InRange(x.Average(), -0.02, 0.02);
        Assert.Equal("abs-normal-ish", distribution.Name);
    }

    [Fact]
    public void SameSeedSameDrawsAndStreamsDiffer()
    {
        double[] Draw(Xoshiro256StarStar rng)
        {
            var v = new double[333];
            InputDistribution.Gaussian.Sample(rng, v);
            return v;
        }
        Assert.Equal(Draw(new Xoshiro256StarStar(5)), Draw(new Xoshiro256StarStar(5)));
        Assert.Equal(Draw(Xoshiro256StarStar.ForStream(5, 2)), Draw(Xoshiro256StarStar.ForStream(5, 2)));
        Assert.NotEqual(Draw(Xoshiro256StarStar.ForStream(5, 1)), Draw(Xoshiro256StarStar.ForStream(5, 2)));
        Assert.NotEqual(Draw(Xoshiro256StarStar.ForStream(5, 1)), Draw(Xoshiro256StarStar.ForStream(6, 1)));
        Assert.All(Draw(new Xoshiro256StarStar(0)), v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void XoshiroMatchesTheReferenceImplementation()
    {
        // xoshiro256** from the state {1, 2, 3, 4} (Vigna's reference C code): the first outputs.
        var rng = Xoshiro256StarStar.FromState(1, 2, 3, 4);
        Assert.Equal(11520UL, rng.NextUInt64());
        Assert.Equal(0UL, rng.NextUInt64());
        Assert.Equal(1509978240UL, rng.NextUInt64());
        Assert.Equal(1215971899390074240UL, rng.NextUInt64());
    }

    /// <summary>Kolmogorov–Smirnov against the exact normal CDF, and the tail mass beyond the ziggurat's base strip.</summary>
    [Fact]
    public void GaussianMatchesTheNormalDistribution()
    {
        const int n = 1_000_000;
        var x = new double[n];
        InputDistribution.Gaussian.Sample(new Xoshiro256StarStar(12), x);
        Array.Sort(x);
        double d = 0;
        for (int i = 0; i < n; i++)
        {
            double cdf = MathNet.Numerics.Distributions.Normal.CDF(0, 1, x[i]);
            d = Math.Max(d, Math.Max(cdf - (double)i / n, (i + 1.0) / n - cdf));
        }
        // The 0.1% critical value of the KS statistic is 1.95/√n.
        Assert.True(d < 1.95 / Math.Sqrt(n), $"KS distance {d:E3}");
        double tail = x.Count(v => Math.Abs(v) > 3.6541528853610088) / (double)n;
        double expected = 2 * (1 - MathNet.Numerics.Distributions.Normal.CDF(0, 1, 3.6541528853610088));
        Assert.InRange(tail, expected * 0.8, expected * 1.2);
    }

    [Fact]
    public void BoundedIntegersAreUniform()
    {
        var rng = new Xoshiro256StarStar(8);
        var counts = new int[7];
        for (int i = 0; i < 70_000; i++)
            counts[rng.NextUInt64(7)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextUInt64(0));
    }

    [Fact]
    public void TeacherLabelsWithZeroMeanNoise()
    {
        var geometry = PatchGeometry.Strided1D(3, 3, 9);
        var teacher = new Teacher(geometry, Activation.ReLU, [1, 2, 3], [1, -1, 0.5], labelNoise: 0.5);
        var rng = new Xoshiro256StarStar(4);
        var x = new double[9];
        double sum = 0, sum2 = 0;
        const int n = 100_000;
        for (int i = 0; i < n; i++)
        {
            InputDistribution.Gaussian.Sample(rng, x);
            double e = teacher.Label(x, rng) - teacher.Predict(x);
            sum += e;
            sum2 += e * e;
        }
        Assert.InRange(sum / n, -0.01, 0.01);
        Assert.InRange(sum2 / n, 0.25 * 0.98, 0.25 * 1.02);
        Assert.Equal("labelNoise", Assert.Throws<ArgumentOutOfRangeException>(() => new Teacher(geometry, Activation.ReLU, [1, 2, 3], [1, 1, 1], double.NaN)).ParamName);
        Assert.Equal("filter", Assert.Throws<ArgumentException>(() => new Teacher(geometry, Activation.ReLU, [1, double.NaN, 3], [1, 1, 1])).ParamName);
    }

    [Fact]
    public void DataSetsValidateAndShuffleEveryRowOncePerPass()
    {
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => new DataSet(2, [], [])).ParamName);
        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => new DataSet(2, [1, 2, 3], [1, 2])).ParamName);
        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => new DataSet(1, [1, double.PositiveInfinity], [1, 2])).ParamName);
        var data = new DataSet(1, [0, 1, 2, 3, 4], [0, 10, 20, 30, 40]);
        Assert.Equal(200, data.LabelVariance);
        var stream = data.Stream(new Xoshiro256StarStar(1));
        var x = new double[1];
        for (int pass = 0; pass < 3; pass++)
        {
            var seen = Enumerable.Range(0, 5).Select(_ => stream.Next(x)).Order().ToArray();
            Assert.Equal([0.0, 10, 20, 30, 40], seen);
        }
    }
}
