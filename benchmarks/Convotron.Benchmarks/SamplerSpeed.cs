using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>
/// samplers [--rounds 9] [--d 160]: ns per coordinate of every sampler and code path, interleaved,
/// with Box–Muller over System.Random as the yardstick (its ratio shows how loaded the machine is).
/// </summary>
public static class SamplerSpeed
{
    public static int Run(string[] args)
    {
        int rounds = 9, d = 160;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--d": d = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        var x = new double[d];
        var words = new ulong[d];
        var random = new Xoshiro256StarStar(1);
        var system = new Random(1);
        double sink = 0;
        Interleaved.Contender Fill(string name, Action fill) => new(name, calls =>
        {
            var clock = Stopwatch.StartNew();
            for (long n = 0; n < calls; n++)
                fill();
            double seconds = clock.Elapsed.TotalSeconds;
            sink += x[0];
            return seconds;
        });
        var contenders = new List<Interleaved.Contender>
        {
            Fill("box-muller/System.Random", () =>
            {
                for (int i = 0; i + 1 < x.Length; i += 2)
                {
                    double u = 1.0 - system.NextDouble(), v = system.NextDouble();
                    double radius = Math.Sqrt(-2 * Math.Log(u));
                    x[i] = radius * Math.Cos(2 * Math.PI * v);
                    x[i + 1] = radius * Math.Sin(2 * Math.PI * v);
                }
            }),
            Fill("gaussian", () => InputDistribution.Gaussian.Sample(random, x)),
            Fill("gaussian/v256", () => Ziggurat.Fill(random, x, Lanes.Path.Vector256)),
            Fill("gaussian/scalar", () => Ziggurat.Fill(random, x, Lanes.Path.Scalar)),
            Fill("uniform", () => InputDistribution.Uniform.Sample(random, x)),
            Fill("uniform/scalar", () => BulkDraws.Uniform(random.BulkLanes, x, -1.5, 1.0, Lanes.Path.Scalar)),
            Fill("rademacher", () => InputDistribution.Rademacher.Sample(random, x)),
            Fill("lane-words", () => Lanes.Fill(random.BulkLanes, words)),
            Fill("transform-only/fast-only", () =>
            {
                var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<double, ulong>(x.AsSpan());
                for (int i = 0; i < bits.Length; i++)
                    bits[i] = (words[i] & ((Ziggurat.Layers / 2 - 1) | Ziggurat.SignBit)) | ((words[i] >> 30) << 12); // never rejected: the lower half of the layers, u < 2^-18
                Ziggurat.Transform(random.BulkLanes, bits, Lanes.Path.Best);
            }),
            Fill("transform-only", () =>
            {
                var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<double, ulong>(x.AsSpan());
                words.CopyTo(bits);
                Ziggurat.Transform(random.BulkLanes, bits, Lanes.Path.Best);
            }),
            Fill("transform-only/no-reject", () =>
            {
                var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<double, ulong>(x.AsSpan());
                for (int i = 0; i < bits.Length; i++)
                    bits[i] = words[i] & ((Ziggurat.Layers - 1) | Ziggurat.SignBit); // natural layers and signs, uniform 0: never rejected
                Ziggurat.Transform(random.BulkLanes, bits, Lanes.Path.Best);
            }),
            Fill("transform-only/nr-copy", () =>
            {
                var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<double, ulong>(x.AsSpan());
                for (int i = 0; i < bits.Length; i++)
                    bits[i] = words[i] & ((Ziggurat.Layers - 1) | Ziggurat.SignBit);
            }),
            Fill("fresh-words+transform", () =>
            {
                // Fresh lane words each call (so rejections fall anywhere), copied before the transform.
                Lanes.Fill(random.BulkLanes, words);
                var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<double, ulong>(x.AsSpan());
                words.CopyTo(bits);
                Ziggurat.Transform(random.BulkLanes, bits, Lanes.Path.Best);
            }),
            Fill("transform-only/scalar", () =>
            {
                var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<double, ulong>(x.AsSpan());
                words.CopyTo(bits);
                Ziggurat.Transform(random.BulkLanes, bits, Lanes.Path.Scalar);
            }),
            Fill("lane-words/v256", () => Lanes.Fill(random.BulkLanes, words, Lanes.Path.Vector256)),
            Fill("lane-words/scalar", () => Lanes.Fill(random.BulkLanes, words, Lanes.Path.Scalar)),
        };
        var (seconds, ratios) = Interleaved.Measure(contenders, rounds, 0.05, verbose: false);
        Console.WriteLine($"ns per coordinate at d = {d}, median of {rounds} interleaved rounds (speed-up over Box–Muller, median of per-round ratios):");
        for (int c = 0; c < contenders.Count; c++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {contenders[c].Name,-26} {seconds[c] / d * 1e9,7:F3} ns   {ratios[c],6:F1}x"));
        return double.IsNaN(sink) ? 1 : 0;
    }
}
