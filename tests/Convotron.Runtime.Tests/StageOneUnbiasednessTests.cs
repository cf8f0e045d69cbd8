using System;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace Convotron.Tests;

/// <summary>
/// Du &amp; Goel's stage-1 updates g and h are unbiased for the gradient of
/// L(w_non, a) = ½‖w_non aᵀ − w*_non a*ᵀ‖²_F + (1/16)(‖w_non‖² − ‖a‖²)² when the inputs are
/// symmetric with identity covariance. Checked by Monte Carlo (N = 10⁶) against the closed
/// form, coordinate by coordinate within 4 standard errors; and the same check must reject the
/// estimator with c = 1 under ReLU and with a skewed input distribution, so it has power.
/// </summary>
public class StageOneUnbiasednessTests(ITestOutputHelper output)
{
    private const int Samples = 1_000_000;

    // Overlapping patches (taps 0, 1, 6, 7 are shared), so the teacher's overlapping taps feed y
    // but must not bias the non-overlapping estimate.
    private static readonly PatchGeometry Geometry = PatchGeometry.Strided1D(8, 6, 40);

    /// <summary>x = E − 1 with E ~ Exp(1): zero mean, unit variance, but skewed.</summary>
    private sealed class CentredExponential : InputDistribution
    {
        public override string Name => "centred-exponential";

        public override void Sample(Xoshiro256StarStar random, Span<double> destination)
        {
            for (int i = 0; i < destination.Length; i++)
                destination[i] = -Math.Log(random.NextDoubleNonZero()) - 1.0;
        }
    }

    public static TheoryData<string, double> Configurations()
    {
        var data = new TheoryData<string, double>();
        foreach (string distribution in new[] { "gaussian", "uniform", "rademacher" })
            foreach (double alpha in new[] { 0.0, 0.3, 1.0 })
                data.Add(distribution, alpha);
        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void KernelUpdatesAreUnbiased(string distribution, double alpha)
    {
        double worst = MaxStandardizedError(InputDistribution.FromName(distribution), alpha, factorOne: false);
        output.WriteLine($"{distribution}, alpha = {alpha}: largest |mean − ∇L| = {worst:F2} standard errors over {Samples} samples");
        Assert.True(worst <= 4.0, $"a coordinate of the stage-1 update is {worst:F2} standard errors from ∇L");
    }

    [Fact]
    public void CheckRejectsTheFactorOneUnderReLU()
    {
        double worst = MaxStandardizedError(InputDistribution.Gaussian, 0.0, factorOne: true);
        output.WriteLine($"c = 1 under ReLU: {worst:F1} standard errors");
        Assert.True(worst > 4.0, $"with c = 1 the check should fail, but the worst coordinate is only {worst:F2} standard errors off");
    }

    [Fact]
    public void CheckRejectsASkewedInputDistribution()
    {
        double worst = MaxStandardizedError(new CentredExponential(), 0.0, factorOne: false);
        output.WriteLine($"skewed inputs: {worst:F1} standard errors");
        Assert.True(worst > 4.0, $"with skewed inputs the check should fail, but the worst coordinate is only {worst:F2} standard errors off");
    }

    private static double MaxStandardizedError(InputDistribution inputs, double alpha, bool factorOne)
    {
        Activation act = Activation.Leaky(alpha);
        var setup = new Xoshiro256StarStar(2024);
        var teacher = Teacher.Random(Geometry, act, setup);
        int[] taps = Geometry.NonOverlappingTaps.ToArray();
        int n = taps.Length, k = Geometry.PatchCount;
        // A point away from balance: ‖w_non‖ ≠ ‖a‖.
        double[] w = Reference.Random(setup, Geometry.FilterSize, 0.4);
        double[] a = Reference.Random(setup, k, 0.9);
        double[] wNon = taps.Select(t => w[t]).ToArray();
        double[] wStarNon = taps.Select(t => teacher.Filter[t]).ToArray();
        Assert.NotEqual(Math.Sqrt(wNon.Sum(v => v * v)), Math.Sqrt(a.Sum(v => v * v)), 1);
        var (gradW, gradA) = Reference.ObjectiveGradient(wNon, a, wStarNon, teacher.OutputWeights);

        var model = new DynamicConvNet(Geometry, act, w, a);
        var random = new Xoshiro256StarStar(7);
        var x = new double[Geometry.InputSize];
        var zeroW = new double[n];
        var zeroA = new double[k];
        var sum = new double[n + k];
        var sumSquares = new double[n + k];
        var estimate = new double[n + k];
        for (int s = 0; s < Samples; s++)
        {
            inputs.Sample(random, x);
            double y = teacher.Predict(x);
            if (factorOne)
            {
                var (g, h, _) = Reference.StageOne(Geometry, act, w, a, x, y, c: 1.0);
                g.CopyTo(estimate, 0);
                h.CopyTo(estimate, n);
            }
            else
            {
                // One step of size 1 without noise moves w_non by −g and a by −h.
                w.CopyTo(model.Filter);
                a.CopyTo(model.OutputWeights);
                new ModelUpdates(model).DoubleConvotron(x, y, 1.0, zeroW, zeroA);
                for (int m = 0; m < n; m++)
                    estimate[m] = w[taps[m]] - model.Filter[taps[m]];
                for (int j = 0; j < k; j++)
                    estimate[n + j] = a[j] - model.OutputWeights[j];
            }
            for (int i = 0; i < estimate.Length; i++)
            {
                sum[i] += estimate[i];
                sumSquares[i] += estimate[i] * estimate[i];
            }
        }
        double worst = 0;
        for (int i = 0; i < n + k; i++)
        {
            double mean = sum[i] / Samples;
            double variance = sumSquares[i] / Samples - mean * mean;
            double standardError = Math.Sqrt(variance / Samples);
            double expected = i < n ? gradW[i] : gradA[i - n];
            worst = Math.Max(worst, Math.Abs(mean - expected) / standardError);
        }
        return worst;
    }
}
