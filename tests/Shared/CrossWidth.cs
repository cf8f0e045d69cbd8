using System;

namespace Convotron.Tests.Shared;

/// <summary>The seeded work the cross-width tests of the runtime (dynamic model) and the generator (generated models) digest.</summary>
internal static class CrossWidth
{
    /// <summary>Fails unless <paramref name="digest"/> is <paramref name="pinned"/>, printing the value to pin and the vector paths this run took.</summary>
    public static void AssertPinned(Digest digest, ulong pinned, string name) =>
        Xunit.Assert.True(digest.Value == pinned,
            $"{name}: 0x{digest.Value:X16}UL, pinned 0x{pinned:X16}UL (AVX-512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, " +
            $"AVX2 {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}, Vector128 {System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated})");

    /// <summary>
    /// Runs every kernel of <paramref name="model"/> on 64 seeded samples (each step changes w and
    /// a, so later calls see the earlier results) and digests every value returned and written.
    /// </summary>
    public static Digest KernelDigest(IConvNet model)
    {
        int d = model.Geometry.InputSize, r = model.Geometry.FilterSize, k = model.Geometry.PatchCount;
        int non = model.Geometry.NonOverlappingTaps.Length;
        var random = new Xoshiro256StarStar(17);
        random.NextDoubles(model.Filter);
        random.NextDoubles(model.OutputWeights);
        for (int j = 0; j < k; j++)
            model.OutputWeights[j] -= 0.5;
        var digest = new Digest();
        var x = new double[d];
        var hidden = new double[k];
        var filterGradient = new double[r];
        var outputGradient = new double[k];
        var filterNoise = new double[non];
        var outputNoise = new double[k];
        var rules = new ModelUpdates(model);
        for (int n = 0; n < 64; n++)
        {
            InputDistribution.Gaussian.Sample(random, x);
            double y = random.NextDouble() - 0.5;
            digest.Add(model.Predict(x));
            model.HiddenActivations(x, hidden);
            digest.Add(hidden);
            digest.Add(rules.Gradient(x, y, filterGradient, outputGradient));
            digest.Add(filterGradient);
            digest.Add(outputGradient);
            digest.Add(n % 2 == 0 ? rules.Convotron(x, y, 1e-3) : rules.NormalizedConvotron(x, y, 0.1));
            if (non > 0)
            {
                InputDistribution.Gaussian.Sample(random, filterNoise);
                InputDistribution.Gaussian.Sample(random, outputNoise);
                digest.Add(n % 2 == 0
                    ? rules.DoubleConvotron(x, y, 1e-3, filterNoise, outputNoise)
                    : rules.NormalizedDoubleConvotron(x, y, 0.05, filterNoise, outputNoise));
            }
            digest.Add(model.Filter);
            digest.Add(model.OutputWeights);
        }
        return digest;
    }

}

/// <summary>FNV-1a over the bits of every double added, in order.</summary>
internal sealed class Digest
{
    public ulong Value { get; private set; } = 0xCBF29CE484222325UL;

    public void Add(double value) => Value = (Value ^ BitConverter.DoubleToUInt64Bits(value)) * 0x100000001B3UL;

    public void Add(ReadOnlySpan<double> values)
    {
        foreach (double v in values)
            Add(v);
    }
}
