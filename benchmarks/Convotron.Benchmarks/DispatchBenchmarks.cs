using System;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>
/// Does reaching the kernel through its interface cost anything in the learners' hot loops? The
/// same rule (UpdateRules.Convotron) over the same samples and model, two ways: generic over
/// <see cref="IPatchKernel"/> itself (one shared instantiation, an interface call per primitive, as
/// <see cref="ModelUpdates"/> does), and through <see cref="IPatchKernel.Accept{TResult}"/> with the
/// kernel as its own struct type (<see cref="RuleLoop"/>, as the learners do): the JIT specialises the
/// loop per kernel and inlines the primitives' entry points.
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private const int Steps = 4096;
    private IConvNet _model = null!;
    private double[][] _inputs = null!;
    private double[] _labels = null!;
    private RuleScratch _scratch = null!;
    private RuleLoop _loop = null!;

    [Params("1d-160-16-9", "1d-160-16-16")]
    public string Geometry { get; set; } = "1d-160-16-9";

    [Params(Cases.Generated, Cases.Dynamic)]
    public string Implementation { get; set; } = Cases.Generated;

    [GlobalSetup]
    public void Setup()
    {
        _model = Cases.Create(Geometry, Implementation);
        (_inputs, _labels) = Cases.Prepare(_model, 64, 3);
        _scratch = new RuleScratch(_model.Geometry);
        _loop = new RuleLoop(_model, BenchmarkRule.Convotron, _inputs, _labels);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public double ThroughTheInterface() => InterfaceLoop(_model, _model.Kernel, _inputs, _labels, _scratch);

    [Benchmark(OperationsPerInvoke = Steps)]
    public double StructKernel() => _loop.Run(Steps);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double InterfaceLoop(IConvNet model, IPatchKernel kernel, double[][] inputs, double[] labels, RuleScratch scratch)
    {
        double sum = 0;
        for (int n = 0; n < Steps; n++)
            sum += UpdateRules.Convotron(kernel, model.Filter, model.OutputWeights, inputs[n & 63], labels[n & 63], 1e-12, scratch);
        return sum;
    }
}
