using System;
using System.Linq;
using Xunit;

namespace Convotron.Tests;

/// <summary>The stationary Gaussian AR(1) input law and the covariance in <see cref="GeometryReport"/>.</summary>
public class AutoRegressiveTests
{
    /// <summary>Sample moments of 10⁵ draws against Cov = ρ^lag: every entry within 4 standard errors, odd moments ≈ 0.</summary>
    [Theory]
    [InlineData("1d:r=3,s=2,d=9", 0.6)]
    [InlineData("1d:r=3,s=2,d=9", -0.5)]
    [InlineData("2d:rh=2,rw=2,sh=1,sw=1,height=3,width=4,channels=2", 0.7)]
    public void SampleCovarianceMatchesRhoToTheLag(string geometryText, double rho)
    {
        PatchGeometry g = PatchGeometry.Parse(geometryText);
        InputDistribution inputs = InputDistribution.AutoRegressive(rho).ForGeometry(g);
        double[,] expected = inputs.Covariance(g);
        int d = g.InputSize;
        // The stated law, written out: ρ^(|Δrow| + |Δcol|) within a channel, 0 across channels.
        int channels = g.Channels, width = g.Layout == PatchLayout.Strided2D ? 4 : d / channels, plane = d / channels;
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
            {
                double law = i / plane != j / plane ? 0.0
                    : Math.Pow(rho, Math.Abs(i % plane / width - j % plane / width) + Math.Abs(i % plane % width - j % plane % width));
                Assert.Equal(law, expected[i, j], 1e-15);
            }

        const int n = 100_000;
        var rng = new Xoshiro256StarStar(17);
        var x = new double[d];
        var sum = new double[d];
        var cube = new double[d];
        var products = new double[d, d];
        for (int draw = 0; draw < n; draw++)
        {
            inputs.Sample(rng, x);
            for (int i = 0; i < d; i++)
            {
                sum[i] += x[i];
                cube[i] += x[i] * x[i] * x[i];
                for (int j = 0; j <= i; j++)
                    products[i, j] += x[i] * x[j];
            }
        }
        for (int i = 0; i < d; i++)
        {
            // Mean zero (sd 1) and E[x³] = 0 (sd √15) for a centred Gaussian of variance 1.
            Assert.InRange(sum[i] / n, -4 / Math.Sqrt(n), 4 / Math.Sqrt(n));
            Assert.InRange(cube[i] / n, -4 * Math.Sqrt(15.0 / n), 4 * Math.Sqrt(15.0 / n));
            for (int j = 0; j <= i; j++)
            {
                // Var(x_i x_j) = 1 + ρ_ij² for unit-variance jointly Gaussian coordinates.
                double c = expected[i, j], standardError = Math.Sqrt((1 + c * c) / n);
                Assert.InRange(products[i, j] / n, c - 4 * standardError, c + 4 * standardError);
            }
        }
    }

    [Fact]
    public void DrawsAreDeterministicPerSeed()
    {
        PatchGeometry g = PatchGeometry.Parse("2d:rh=2,rw=2,sh=1,sw=1,height=5,width=6");
        InputDistribution inputs = InputDistribution.AutoRegressive(0.5).ForGeometry(g);
        double[] Draw(ulong seed)
        {
            var x = new double[g.InputSize * 3];
            var rng = new Xoshiro256StarStar(seed);
            for (int i = 0; i < 3; i++)
                inputs.Sample(rng, x.AsSpan(i * g.InputSize, g.InputSize));
            return x;
        }
        Assert.Equal(Draw(3), Draw(3));
        Assert.NotEqual(Draw(3), Draw(4));
        // ρ = 0 is the Gaussian itself, bit for bit (the innovation factor is exactly 1).
        var gaussian = new double[30];
        var ar = new double[30];
        InputDistribution.Gaussian.Sample(new Xoshiro256StarStar(9), gaussian);
        InputDistribution.AutoRegressive(0.0).ForGeometry(g).Sample(new Xoshiro256StarStar(9), ar);
        Assert.Equal(gaussian, ar);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-1.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void RhoOutsideTheOpenUnitIntervalIsRefused(double rho)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => InputDistribution.AutoRegressive(rho));
        Assert.Equal("rho", e.ParamName);
    }

    [Fact]
    public void NameRoundTripsThroughFromName()
    {
        InputDistribution inputs = InputDistribution.FromName("AR1:0.75");
        Assert.Equal("ar1:0.75", inputs.Name);
        Assert.Equal(inputs, InputDistribution.FromName(inputs.Name));
        Assert.Equal(InputDistribution.AutoRegressive(0.75), inputs);
        Assert.Throws<ArgumentException>(() => InputDistribution.FromName("ar1:1"));
        Assert.Throws<ArgumentException>(() => InputDistribution.FromName("ar1:x"));
        // Laws with independent coordinates are their own shape.
        PatchGeometry g = PatchGeometry.Strided1D(4, 2, 10);
        Assert.Same(InputDistribution.Uniform, InputDistribution.Uniform.ForGeometry(g));
        var e = Assert.Throws<ArgumentException>(() => inputs.ForGeometry(g).Sample(new Xoshiro256StarStar(1), new double[9]));
        Assert.Equal("destination", e.ParamName);
    }

    [Fact]
    public void TeacherStreamsLayTheSequenceAlongTheGeometry()
    {
        PatchGeometry g = PatchGeometry.Parse("2d:rh=2,rw=2,sh=2,sw=2,height=4,width=4,channels=2");
        var teacher = Teacher.Random(g, Activation.ReLU, new Xoshiro256StarStar(1));
        var x = new double[g.InputSize];
        var y = new double[g.InputSize];
        teacher.Stream(InputDistribution.AutoRegressive(0.4), new Xoshiro256StarStar(2)).Next(x);
        InputDistribution.AutoRegressive(0.4).ForGeometry(g).Sample(new Xoshiro256StarStar(2), y);
        Assert.Equal(y, x);
    }

    [Fact]
    public void ReportGivesTheCovarianceEigenvalues()
    {
        // One patch of two taps, a = 1: Q Σ_x Qᵀ = [[1, ρ], [ρ, 1]], eigenvalues 1 ± ρ; Σ_x is the same matrix.
        PatchGeometry g = PatchGeometry.Strided1D(2, 1, 2);
        var report = GeometryReport.Compute(g, [1.0], InputDistribution.AutoRegressive(0.5));
        Assert.Equal(0.5, report.MinEigenvalue, 1e-12);
        Assert.Equal(1.5, report.MaxEigenvalue, 1e-12);
        Assert.Equal(3.0, report.InputConditionNumber, 1e-12);
        Assert.Null(report.DuGoelLowerBound);

        // Identity covariance reproduces the plain report, bound included.
        PatchGeometry paper = PatchGeometry.Strided1D(16, 9, 160);
        double[] a = Reference.Random(new Xoshiro256StarStar(3), paper.PatchCount);
        var plain = GeometryReport.Compute(paper, a);
        var gaussian = GeometryReport.Compute(paper, a, InputDistribution.Gaussian);
        Assert.Equal(plain.MinEigenvalue, gaussian.MinEigenvalue, 1e-12);
        Assert.Equal(plain.MaxEigenvalue, gaussian.MaxEigenvalue, 1e-10);
        Assert.Equal(1.0, plain.InputConditionNumber);
        Assert.Equal(1.0, gaussian.InputConditionNumber, 1e-12);
        Assert.NotNull(plain.DuGoelLowerBound);

        // The AR(1) Toeplitz matrix of size d has eigenvalues inside ((1−ρ)/(1+ρ), (1+ρ)/(1−ρ)), approaching both ends.
        var ar = GeometryReport.Compute(paper, a, InputDistribution.AutoRegressive(0.5));
        Assert.InRange(ar.InputConditionNumber, 0.95 * 9, 9);
        var bad = new double[paper.InputSize, paper.InputSize];
        bad[0, 1] = 1;
        Assert.Equal("inputCovariance", Assert.Throws<ArgumentException>(() => GeometryReport.Compute(paper, a, bad)).ParamName);
        Assert.Equal("inputCovariance", Assert.Throws<ArgumentException>(() => GeometryReport.Compute(paper, a, new double[3, 3])).ParamName);
    }
}
