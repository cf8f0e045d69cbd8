using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>
/// A regression check for CI: times one kernel (ConvotronStep unless --kernel says otherwise) of
/// two implementations at (160, 16, 9) in interleaved rounds (so machine noise hits both alike),
/// and compares the median ratio with a floor. Exit code 1 below the floor.
///   ratio [--rounds 9] [--min 1.2] [--fast generated] [--slow naive] [--geometry 1d-160-16-9]
///         [--kernel ConvotronStep|NormalizedConvotronStep|Predict|Gradient|DoubleConvotronStep]
/// </summary>
public static class RatioCheck
{
    public static int Run(string[] args)
    {
        int rounds = 9;
        double minimum = 1.2;
        string fast = Cases.Generated, slow = Cases.Naive, geometry = "1d-160-16-9", kernel = "ConvotronStep";
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--min": minimum = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--fast": fast = args[i + 1]; break;
                case "--slow": slow = args[i + 1]; break;
                case "--geometry": geometry = args[i + 1]; break;
                case "--kernel": kernel = args[i + 1]; break;
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
        Func<IConvNet, double[][], double[], int, double>? time = Timer(kernel, a.Geometry);
        if (time is null)
        {
            Console.Error.WriteLine($"unknown kernel {kernel}");
            return 2;
        }
        // Warm up past tiered compilation (tier-up waits ~100 ms after the first calls), then
        // size a round to ~50 ms.
        for (var warm = Stopwatch.StartNew(); warm.Elapsed.TotalSeconds < 1.0;)
        {
            time(a, inputs, labels, 20_000);
            time(b, inputs, labels, 20_000);
        }
        int calls = (int)Math.Clamp(0.05 / (time(b, inputs, labels, 20_000) / 20_000), 10_000, 5_000_000);
        var ratios = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            double tb = time(b, inputs, labels, calls);
            double ta = time(a, inputs, labels, calls);
            ratios[round] = tb / ta;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round + 1}: {fast} {ta / calls * 1e9:F1} ns, {slow} {tb / calls * 1e9:F1} ns, ratio {ratios[round]:F2}"));
        }
        Array.Sort(ratios);
        double median = ratios[rounds / 2];
        bool ok = median >= minimum;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{kernel} {geometry}: {fast} is {median:F2}x {slow} (median of {rounds} interleaved rounds; floor {minimum:F2}x): {(ok ? "ok" : "REGRESSION")}"));
        return ok ? 0 : 1;
    }

    /// <summary>A timer of calls to one kernel over the 64 inputs, in seconds.</summary>
    private static Func<IConvNet, double[][], double[], int, double>? Timer(string kernel, PatchGeometry geometry)
    {
        var filterGradient = new double[geometry.FilterSize];
        var outputGradient = new double[geometry.PatchCount];
        var filterNoise = new double[geometry.NonOverlappingTaps.Length];
        var outputNoise = new double[geometry.PatchCount];
        Func<IConvNet, double[], double, double>? call = kernel switch
        {
            "ConvotronStep" => static (model, x, y) => model.ConvotronStep(x, y, 1e-12),
            "NormalizedConvotronStep" => static (model, x, y) => model.NormalizedConvotronStep(x, y, 1e-12),
            "Predict" => static (model, x, y) => model.Predict(x),
            "Gradient" => (model, x, y) => model.Gradient(x, y, filterGradient, outputGradient),
            "DoubleConvotronStep" => (model, x, y) => model.DoubleConvotronStep(x, y, 1e-12, filterNoise, outputNoise),
            _ => null,
        };
        if (call is null)
            return null;
        if (kernel == "ConvotronStep")
            return static (model, inputs, labels, calls) => TimeConvotronStep(model, inputs, labels, calls);
        return (model, inputs, labels, calls) =>
        {
            var clock = Stopwatch.StartNew();
            double sink = 0;
            for (int n = 0; n < calls; n++)
                sink += call(model, inputs[n & 63], labels[n & 63]);
            clock.Stop();
            if (double.IsNaN(sink))
                Console.Write("");
            return clock.Elapsed.TotalSeconds;
        };
    }

    /// <summary>ConvotronStep without a delegate per call, as the CI floor has always timed it.</summary>
    private static double TimeConvotronStep(IConvNet model, double[][] inputs, double[] labels, int calls)
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
