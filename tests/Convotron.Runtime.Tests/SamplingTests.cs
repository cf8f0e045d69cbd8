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

    /// <summary>
    /// The bulk samplers give the same bits on the AVX-512, AVX2 and scalar paths, whatever the
    /// fill lengths (partial rows, the vector transform's remainder) and across consecutive fills.
    /// </summary>
    [Fact]
    public void BulkDrawsAreTheSameOnEveryVectorPath()
    {
        int[] lengths = [1, 3, 7, 8, 9, 160, 157, 513, 1000, 2];
        foreach (var (name, fill) in new (string, Action<Xoshiro256StarStar, double[], Lanes.Path>)[]
        {
            ("gaussian", (rng, x, path) => Ziggurat.Fill(rng, x, path)),
            ("uniform", (rng, x, path) => BulkDraws.Uniform(rng.BulkLanes, x, -1.5, 2 * Math.Sqrt(3), path)),
            ("rademacher", (rng, x, path) => BulkDraws.Rademacher(rng.BulkLanes, x, path)),
            ("words", (rng, x, path) => Lanes.Fill(rng.BulkLanes, System.Runtime.InteropServices.MemoryMarshal.Cast<double, ulong>(x.AsSpan()), path)),
        })
        {
            ulong[] Draw(Lanes.Path path)
            {
                var rng = new Xoshiro256StarStar(2024);
                return lengths.SelectMany(n =>
                {
                    var x = new double[n];
                    fill(rng, x, path);
                    return x.Select(BitConverter.DoubleToUInt64Bits);
                }).Append(rng.NextUInt64()).ToArray();
            }
            ulong[] scalar = Draw(Lanes.Path.Scalar);
            Assert.True(scalar.Take(scalar.Length - 1).Distinct().Count() > scalar.Length / 2 || name == "rademacher", name);
            Assert.Equal(scalar, Draw(Lanes.Path.Vector256));
            Assert.Equal(scalar, Draw(Lanes.Path.Vector512));
            Assert.Equal(scalar, Draw(Lanes.Path.Best));
        }
    }

    /// <summary>
    /// Lane l of the bulk words is an ordinary xoshiro256** stream: the generator's state jumped
    /// l times by 2^128 draws; the generator's own stream continues after eight jumps.
    /// </summary>
    [Fact]
    public void BulkLanesAreJumpedXoshiroStreams()
    {
        var bulk = Xoshiro256StarStar.FromState(1, 2, 3, 4);
        var words = new ulong[8 * 5 + 3];
        Lanes.Fill(bulk.BulkLanes, words);
        var reference = new Xoshiro256StarStar.State { S0 = 1, S1 = 2, S2 = 3, S3 = 4 };
        for (int lane = 0; lane < 8; lane++)
        {
            var stream = reference;
            for (int row = 0; row < 6; row++)
            {
                ulong expected = stream.Next();
                if (8 * row + lane < words.Length)
                    Assert.Equal(expected, words[8 * row + lane]);
            }
            reference.Jump();
        }
        Assert.Equal(reference.Next(), bulk.NextUInt64());
        // The jump is linear over GF(2) and not the identity.
        var a = new Xoshiro256StarStar.State { S0 = 5, S1 = 6, S2 = 7, S3 = 8 };
        var b = new Xoshiro256StarStar.State { S0 = 9, S1 = 1, S2 = 0, S3 = 3 };
        var sum = new Xoshiro256StarStar.State { S0 = 5 ^ 9, S1 = 6 ^ 1, S2 = 7, S3 = 8 ^ 3 };
        a.Jump(); b.Jump(); sum.Jump();
        Assert.Equal((a.S0 ^ b.S0, a.S1 ^ b.S1, a.S2 ^ b.S2, a.S3 ^ b.S3), (sum.S0, sum.S1, sum.S2, sum.S3));
        Assert.NotEqual((5UL, 6UL, 7UL, 8UL), (a.S0 ^ b.S0 ^ 9, a.S1, a.S2, a.S3));
    }

    /// <summary>
    /// The draws of one seed, pinned: a digest of Gaussian, uniform, Rademacher and single
    /// label-noise draws. `.ci/run` reruns this test with DOTNET_EnableAVX512F=0 and with
    /// DOTNET_EnableHWIntrinsic=0, so the same seed must give the same draws on AVX-512, AVX2 and
    /// scalar code. Changing the samplers' draws changes this digest (and every seeded result).
    /// </summary>
    [Fact]
    public void DrawsArePinnedAcrossVectorWidths()
    {
        var rng = new Xoshiro256StarStar(1);
        ulong digest = 0xCBF29CE484222325UL;
        void Mix(ReadOnlySpan<double> values)
        {
            foreach (double v in values)
                digest = (digest ^ BitConverter.DoubleToUInt64Bits(v)) * 0x100000001B3UL;
        }
        foreach (int n in new[] { 160, 157, 3, 4096 })
        {
            foreach (var distribution in new[] { InputDistribution.Gaussian, InputDistribution.Uniform, InputDistribution.Rademacher })
            {
                var x = new double[n];
                distribution.Sample(rng, x);
                Mix(x);
            }
        }
        var teacher = new Teacher(PatchGeometry.Strided1D(2, 2, 4), Activation.ReLU, [1, 0], [0, 0], labelNoise: 1.0);
        for (int i = 0; i < 1000; i++)
            Mix([teacher.Label(new double[4], rng)]);
        Assert.Equal(PinnedDigest, digest);
        Assert.Contains(Environment.GetEnvironmentVariable("CONVOTRON_EXPECT_PATH") ?? Lanes.Resolve(Lanes.Path.Best).ToString(), Lanes.Resolve(Lanes.Path.Best).ToString());
    }

    private const ulong PinnedDigest = 17967428339001390606UL;

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

    /// <summary>
    /// The ziggurat's squeeze: on every layer's wedge the lines it uses instead of Math.Exp really
    /// lie below and above the density as Math.Exp computes it (so no wedge decision, and no draw,
    /// changes), and they are tight: the band left to the exact test is a small part of the wedge.
    /// </summary>
    [Fact]
    public void ZigguratSqueezeBoundsTheDensity()
    {
        double undecided = 0;
        int wedges = 0;
        for (int layer = 1; layer < Ziggurat.Layers; layer++)
        {
            (double from, double to) = Ziggurat.Wedge(layer);
            // y is uniform between f(X[layer]) and f(X[layer + 1]); the band between the lines is what Math.Exp still decides.
            double low = Ziggurat.Density(to), high = Ziggurat.Density(from);
            const int points = 400;
            for (int k = 0; k <= points; k++)
            {
                double x = k == points ? Math.BitDecrement(to) : from + (to - from) * k / points;
                (double below, double above) = Ziggurat.Squeeze(layer, x);
                double f = Ziggurat.Density(x);
                Assert.True(below <= f && f < above, $"layer {layer}, x = {x:R}: {below:R} <= {f:R} < {above:R}");
                undecided += Math.Max(0, Math.Min(above, high) - Math.Max(below, low)) / (high - low);
                wedges++;
            }
        }
        double share = undecided / wedges;
        Assert.True(share < 0.05, $"the squeeze leaves {share:P1} of the wedge to Math.Exp");
    }

    /// <summary>
    /// The condition that makes the ziggurat exact: every layer has the same area under
    /// f(x) = e^(−x²/2) — the base strip (its rectangle up to R plus the tail beyond R, held as a
    /// rectangle of width X[0]) and each layer above it, X[l]·(f(X[l + 1]) − f(X[l])).
    /// </summary>
    [Fact]
    public void ZigguratLayersHaveEqualAreas()
    {
        double r = Ziggurat.R;
        double v = r * Ziggurat.Density(r) + Math.Sqrt(2 * Math.PI) * MathNet.Numerics.Distributions.Normal.CDF(0, 1, -r);
        for (int layer = 0; layer < Ziggurat.Layers; layer++)
        {
            (double inner, double outer) = Ziggurat.Wedge(layer);
            double area = layer == 0 ? outer * Ziggurat.Density(inner) : outer * (Ziggurat.Density(inner) - Ziggurat.Density(outer));
            Assert.True(Math.Abs(area / v - 1) < 1e-10, $"layer {layer}: area {area:R}, the base strip's {v:R}");
        }
        Assert.Equal(r, Ziggurat.Wedge(0).From);
        Assert.Equal(0.0, Ziggurat.Wedge(Ziggurat.Layers - 1).From);
    }

    /// <summary>
    /// Kolmogorov–Smirnov against the exact normal CDF, the mass beyond 3.65 (a region of many
    /// wedges) and the mass beyond R, where the ziggurat's tail method takes over.
    /// </summary>
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
        // Beyond R ~54 of the 10^6 draws are expected: within 4 standard deviations of the count.
        double beyond = x.Count(v => Math.Abs(v) > Ziggurat.R);
        double mean = n * 2 * (1 - MathNet.Numerics.Distributions.Normal.CDF(0, 1, Ziggurat.R));
        Assert.InRange(beyond, mean - 4 * Math.Sqrt(mean), mean + 4 * Math.Sqrt(mean));
        Assert.True(x.Min() < -Ziggurat.R && x.Max() > Ziggurat.R, "the tail method ran on both signs");
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

    [Fact]
    public void DataSetCreateWritesEachRowOnceInOrderAndChecksIt()
    {
        var calls = new System.Collections.Generic.List<int>();
        DataSet data = DataSet.Create(2, 3, (row, inputs) =>
        {
            calls.Add(row);
            inputs[0] = row;
            inputs[1] = -row;
            return 10.0 * row;
        });
        Assert.Equal([0, 1, 2], calls);
        Assert.Equal([0.0, 0, 1, -1, 2, -2], data.Inputs.ToArray());
        Assert.Equal([0.0, 10, 20], data.Labels.ToArray());
        Assert.Equal(new DataSet(2, [0, 0, 1, -1, 2, -2], [0, 10, 20]).LabelVariance, data.LabelVariance);
        Assert.Equal("inputSize", Assert.Throws<ArgumentOutOfRangeException>(() => DataSet.Create(0, 3, (_, _) => 0)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => DataSet.Create(2, 0, (_, _) => 0)).ParamName);
        Assert.Equal("write", Assert.Throws<ArgumentNullException>(() => DataSet.Create(2, 3, null!)).ParamName);
        var label = Assert.Throws<ArgumentException>(() => DataSet.Create(1, 3, (row, _) => row == 1 ? double.NaN : 0));
        Assert.Equal("write", label.ParamName);
        Assert.Contains("row 1 a non-finite label", label.Message, StringComparison.Ordinal);
        var input = Assert.Throws<ArgumentException>(() => DataSet.Create(2, 3, (row, inputs) => { inputs[1] = row == 2 ? double.PositiveInfinity : 0; return 0; }));
        Assert.Contains("row 2 a non-finite input", input.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RentedDataSetHoldsTheSameRowsAsDrawAndOnlyThoseRows()
    {
        // A rented data set sits on pooled arrays longer than its rows: everything it shows must be
        // exactly the rows Draw gives from the same stream, and nothing past them.
        var teacher = Teacher.Random(PatchGeometry.Strided1D(4, 2, 10), Activation.ReLU, Xoshiro256StarStar.ForStream(9, 0), labelNoise: 0.1);
        DataSet drawn = DataSet.Draw(teacher, InputDistribution.Gaussian, 37, Xoshiro256StarStar.ForStream(9, 1));
        for (int round = 0; round < 2; round++)
        {
            // The second round rents again after the first gave its arrays back (the pool usually
            // hands the same, dirty arrays out again): the rows must not change.
            DataSet rented = DataSet.Rent(teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(9, 1)), 37);
            Assert.Equal(37, rented.Count);
            Assert.Equal(drawn.Inputs.ToArray(), rented.Inputs.ToArray());
            Assert.Equal(drawn.Labels.ToArray(), rented.Labels.ToArray());
            Assert.Equal(drawn.LabelVariance, rented.LabelVariance);
            Assert.Equal(drawn.Input(36).ToArray(), rented.Input(36).ToArray());
            Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => rented.Input(37).Length).ParamName);
            Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => rented.Label(37)).ParamName);
            Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => rented.Label(-1)).ParamName);
            Assert.Equal(drawn.Slice(30, 7).Labels.ToArray(), rented.Slice(30, 7).Labels.ToArray());
            DataSet.Return(rented);
        }
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => DataSet.Rent(teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(9, 1)), 0)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => DataSet.Draw(teacher, InputDistribution.Gaussian, int.MaxValue / 4, Xoshiro256StarStar.ForStream(9, 1))).ParamName);
    }
}
