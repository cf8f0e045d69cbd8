using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>
/// A regression check for CI: times one learning rule (the Convotron step unless --kernel says otherwise),
/// run by the runtime's UpdateRules through each model's kernel as its struct type, on two
/// implementations at (160, 16, 9) in interleaved rounds (so machine noise hits both alike),
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
        BenchmarkRule? rule = RuleOf(kernel);
        if (rule is null)
        {
            Console.Error.WriteLine($"unknown kernel {kernel}");
            return 2;
        }
        // The rule through each kernel's struct type, as the learners run it (one visit per round).
        RuleLoop loopA = new(a, rule.Value, inputs, labels), loopB = new(b, rule.Value, inputs, labels);
        Func<IConvNet, double[][], double[], int, double> time = (model, _, _, calls) => Time(ReferenceEquals(model, a) ? loopA : loopB, calls);
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

    /// <summary>The rule a --kernel name times (the names of the former model members, kept for CI and the docs).</summary>
    private static BenchmarkRule? RuleOf(string kernel) => kernel switch
    {
        "ConvotronStep" => BenchmarkRule.Convotron,
        "NormalizedConvotronStep" => BenchmarkRule.NormalizedConvotron,
        "Predict" => BenchmarkRule.Predict,
        "Gradient" => BenchmarkRule.Gradient,
        "DoubleConvotronStep" => BenchmarkRule.DoubleConvotron,
        _ => null,
    };

    /// <summary>Seconds for <paramref name="calls"/> samples of the loop's rule.</summary>
    private static double Time(RuleLoop loop, int calls)
    {
        var clock = Stopwatch.StartNew();
        double sink = loop.Run(calls);
        clock.Stop();
        if (double.IsNaN(sink))
            Console.Write("");
        return clock.Elapsed.TotalSeconds;
    }
}
