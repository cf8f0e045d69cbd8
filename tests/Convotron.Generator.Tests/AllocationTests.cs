using System;
using Xunit;

namespace Convotron.Generator.Tests;

/// <summary>Every kernel of the generated models allocates nothing.</summary>
[Collection(TimingCollection.Name)]
public sealed class AllocationTests
{
    private const int Calls = 10_000;

    [Theory]
    [MemberData(nameof(EquivalenceTests.AllCases), MemberType = typeof(EquivalenceTests))]
    public void Kernels_allocate_nothing_over_10000_calls(EquivalenceTests.Case c)
    {
        if (c.Geometry.PatchCount * (long)c.Geometry.FilterSize > 100_000)
            return; // the long-filter model: same code paths as "1d loops", 10,000 calls would only cost time
        IConvNet model = c.Create();
        var random = new Random(3);
        for (int i = 0; i < model.Filter.Length; i++)
            model.Filter[i] = (random.NextDouble() - 0.5) * 1e-3;
        for (int i = 0; i < model.OutputWeights.Length; i++)
            model.OutputWeights[i] = (random.NextDouble() - 0.5) * 1e-3;
        int d = c.Geometry.InputSize, r = c.Geometry.FilterSize, k = c.Geometry.PatchCount;
        var x = new double[d];
        for (int i = 0; i < d; i++)
            x[i] = random.NextDouble() - 0.5;
        var hidden = new double[k];
        var filterGradient = new double[r];
        var outputGradient = new double[k];
        var filterNoise = new double[c.Geometry.NonOverlappingTaps.Length];
        var outputNoise = new double[k];
        bool stage1 = c.Geometry.HasNonOverlappingPart;
        var rules = new ModelUpdates(model);
        var preActivations = new double[k];

        (string Name, Action Call)[] kernels =
        [
            ("Predict", () => model.Predict(x)),
            ("HiddenActivations", () => model.HiddenActivations(x, hidden)),
            ("Convotron", () => rules.Convotron(x, 0.1, 1e-6)),
            ("NormalizedConvotron", () => rules.NormalizedConvotron(x, 0.1, 1e-3)),
            ("Gradient", () => rules.Gradient(x, 0.1, filterGradient, outputGradient)),
            ("DoubleConvotron", () => { if (stage1) rules.DoubleConvotron(x, 0.1, 1e-6, filterNoise, outputNoise); }),
            ("NormalizedDoubleConvotron", () => { if (stage1) rules.NormalizedDoubleConvotron(x, 0.1, 1e-3, filterNoise, outputNoise); }),
            ("Kernel.Forward", () => model.Kernel.Forward(model.Filter, model.OutputWeights, x, preActivations)),
            ("Kernel.PreActivations", () => model.Kernel.PreActivations(model.Filter, x, preActivations)),
            ("Kernel.AddPatches", () => model.Kernel.AddPatches(x, preActivations, 1e-9, filterGradient)),
            ("Kernel.Accept", () => model.Kernel.Accept(s_visitor)),
            ("Filter/OutputWeights/Geometry/Activation", () => { _ = model.Filter[0] + model.OutputWeights[0]; _ = model.Geometry; _ = model.Activation; }),
        ];
        foreach ((string name, Action call) in kernels)
        {
            long bytes = AllocatedBytes(call);
            Assert.True(bytes == 0, $"{c.Name}: {name} allocated {bytes} bytes over {Calls} calls");
        }
    }

    private static readonly ForwardVisitor s_visitor = new();

    /// <summary>Runs Forward through the kernel's struct type.</summary>
    private sealed class ForwardVisitor : IKernelVisitor<int>
    {
        public int Visit<TKernel>(TKernel kernel) where TKernel : struct, IPatchKernel => kernel.Geometry.PatchCount;
    }

    [Fact]
    public void The_measurement_sees_an_allocation()
    {
        // The negative control: Clone allocates a new model, and the counter must show it.
        IConvNet model = new Models.Net160x16s9();
        Assert.True(AllocatedBytes(() => model.Clone()) > 0);
    }

    /// <summary>
    /// Bytes allocated over <see cref="Calls"/> calls, the least of three measurements: a kernel that
    /// allocates per call shows in every one, while the runtime's own one-off allocations on this
    /// thread (tiered recompilation of a hot method) show in at most one.
    /// </summary>
    private static long AllocatedBytes(Action call)
    {
        for (int i = 0; i < 100; i++)
            call(); // warm up: JIT and static initialisation allocate once
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Calls; i++)
                call();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
