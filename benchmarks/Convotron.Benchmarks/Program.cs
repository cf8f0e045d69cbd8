using System;
using System.Diagnostics;
using Convotron;

// quick sampler timing
var rng = new Xoshiro256StarStar(1);
var x = new double[160];
foreach (var dist in new[] { InputDistribution.Gaussian, InputDistribution.Uniform, InputDistribution.Rademacher })
{
    for (int warm = 0; warm < 3; warm++)
    {
        var sw = Stopwatch.StartNew();
        const int n = 200_000;
        for (int i = 0; i < n; i++)
            dist.Sample(rng, x);
        if (warm == 2)
            Console.WriteLine($"{dist.Name}: {sw.Elapsed.TotalNanoseconds / n / 160:F2} ns per coordinate");
    }
}
