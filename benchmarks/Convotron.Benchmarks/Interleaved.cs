using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace Convotron.Benchmarks;

/// <summary>
/// Times several contenders in interleaved rounds (each round runs every contender once, so
/// machine noise from other processes hits all of them alike) after a warm-up past tiered
/// compilation, and reports per-contender medians and per-round ratios to the first contender.
/// </summary>
public static class Interleaved
{
    /// <summary>One contender: runs <c>operations</c> operations and returns the seconds they took.</summary>
    public sealed record Contender(string Name, Func<long, double> Run);

    /// <summary>Median seconds per operation for each contender, and the median of the per-round ratios to the first contender.</summary>
    public static (double[] SecondsPerOperation, double[] RatioToFirst) Measure(IReadOnlyList<Contender> contenders, int rounds,
        double secondsPerRound, long minimumOperations = 1, bool verbose = true)
    {
        // Warm up for a second (tier-up waits ~100 ms after the first calls), then size each
        // contender's runs to about secondsPerRound.
        var operations = new long[contenders.Count];
        for (int c = 0; c < contenders.Count; c++)
            operations[c] = minimumOperations;
        for (var warm = Stopwatch.StartNew(); warm.Elapsed.TotalSeconds < 1.0;)
        {
            for (int c = 0; c < contenders.Count; c++)
            {
                double seconds = contenders[c].Run(operations[c]);
                if (seconds < secondsPerRound / 4)
                    operations[c] *= 2;
            }
        }
        for (int c = 0; c < contenders.Count; c++)
            operations[c] = Math.Max(minimumOperations, (long)(operations[c] * secondsPerRound / Math.Max(contenders[c].Run(operations[c]), 1e-6)));

        var times = new double[contenders.Count][];
        for (int c = 0; c < contenders.Count; c++)
            times[c] = new double[rounds];
        var ratios = new double[contenders.Count][];
        for (int c = 0; c < contenders.Count; c++)
            ratios[c] = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            for (int c = 0; c < contenders.Count; c++)
                times[c][round] = contenders[c].Run(operations[c]) / operations[c];
            for (int c = 0; c < contenders.Count; c++)
                ratios[c][round] = times[0][round] / times[c][round];
            if (verbose)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: ") + string.Join(", ",
                    contenders.Select((contender, c) => string.Create(CultureInfo.InvariantCulture, $"{contender.Name} {times[c][round] * 1e9:F2} ns"))));
            }
        }
        return (times.Select(Median).ToArray(), ratios.Select(Median).ToArray());
    }

    public static double Median(double[] values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }
}
