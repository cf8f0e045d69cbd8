using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>
/// A regression check for CI: times ConvotronStep of two implementations at (160, 16, 9) in
/// interleaved rounds (so machine noise hits both alike), and compares the median ratio with a
/// floor. Exit code 1 below the floor.
///   ratio [--rounds 9] [--min 1.2] [--fast generated] [--slow naive] [--geometry 1d-160-16-9]
/// </summary>
public static class RatioCheck
{
    public static int Run(string[] args)
    {
        int rounds = 9;
        double minimum = 1.2;
        string fast = Cases.Generated, slow = Cases.Naive, geometry = "1d-160-16-9";
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--min": minimum = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--fast": fast = args[i + 1]; break;
                case "--slow": slow = args[i + 1]; break;
                case "--geometry": geometry = args[i + 1]; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        if (rounds < 7)
        {
            Console.Error.WriteLine("--rounds must be at least 7");
            return 2;
        }
        IConvNet a = Cases.Create(geometry, fast), b = Cases.Create(geometry, slow);
        var (inputs, labels) = Cases.Prepare(a, 64, 1);
        Cases.Prepare(b, 64, 1);
        // Warm up past tiered compilation (tier-up waits ~100 ms after the first calls), then
        // size a round to ~50 ms.
        for (var warm = Stopwatch.StartNew(); warm.Elapsed.TotalSeconds < 1.0;)
        {
            Time(a, inputs, labels, 20_000);
            Time(b, inputs, labels, 20_000);
        }
        int calls = (int)Math.Clamp(0.05 / (Time(b, inputs, labels, 20_000) / 20_000), 10_000, 5_000_000);
        var ratios = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            double tb = Time(b, inputs, labels, calls);
            double ta = Time(a, inputs, labels, calls);
            ratios[round] = tb / ta;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round + 1}: {fast} {ta / calls * 1e9:F1} ns, {slow} {tb / calls * 1e9:F1} ns, ratio {ratios[round]:F2}"));
        }
        Array.Sort(ratios);
        double median = ratios[rounds / 2];
        bool ok = median >= minimum;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ConvotronStep {geometry}: {fast} is {median:F2}x {slow} (median of {rounds} interleaved rounds; floor {minimum:F2}x): {(ok ? "ok" : "REGRESSION")}"));
        return ok ? 0 : 1;
    }

    private static double Time(IConvNet model, double[][] inputs, double[] labels, int calls)
    {
        var clock = Stopwatch.StartNew();
        double sink = 0;
        for (int n = 0; n < calls; n++)
            sink += model.ConvotronStep(inputs[n & 63], labels[n & 63], 1e-12);
        clock.Stop();
        if (double.IsNaN(sink))
            Console.Write("");
        return clock.Elapsed.TotalSeconds;
    }
}
