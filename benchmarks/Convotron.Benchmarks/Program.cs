using System;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Convotron.Benchmarks;

/// <summary>
/// dotnet run -c Release --project benchmarks/Convotron.Benchmarks -- [--quick] [BenchmarkDotNet arguments]
///   --quick          in-process toolchain and a short job: CI-sized, no child project per job
///   ratio            the interleaved generated-vs-naive regression check (see RatioCheck)
///   algorithm1       Algorithm 1 end to end against a plain C# implementation, interleaved (see EndToEnd)
///   samplers         ns per coordinate of every sampler and code path, interleaved (see SamplerSpeed)
///   kernel-bound     generated ConvotronStep at (160, 16, 9) against a hand-written ideal one (see KernelBound)
/// Everything else goes to BenchmarkDotNet's switcher (e.g. --filter *KernelBenchmarks*).
/// </summary>
public static class Program
{
    public static string[] Implementations =>
        Cases.All["1d-160-16-9"].Generated is null ? [Cases.Dynamic, Cases.Naive] : [Cases.Generated, Cases.Dynamic, Cases.Naive];

    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "ratio")
            return RatioCheck.Run(args[1..]);
        if (args.Length > 0 && args[0] == "samplers")
            return SamplerSpeed.Run(args[1..]);
        if (args.Length > 0 && args[0] == "kernel-bound")
            return KernelBound.Run(args[1..]);
        if (args.Length > 0 && args[0] == "algorithm1")
            return EndToEnd.Run(args[1..]);
        bool quick = args.Contains("--quick");
        args = args.Where(a => a != "--quick").ToArray();
        IConfig config = DefaultConfig.Instance;
        if (quick)
        {
            config = DefaultConfig.Instance.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("quick"))
                .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return 0;
    }
}
