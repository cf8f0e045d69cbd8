using System;
using BenchmarkDotNet.Attributes;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>
/// Each model member and learning rule (UpdateRules over the kernel's struct type) on a batch of 64 inputs (so one input is not cache-trivially reused),
/// per geometry and implementation; times are per call. Steps use a tiny learning rate so the
/// weights stay put across millions of calls.
/// </summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    private const int Batch = 64;
    private IConvNet _model = null!;
    private double[][] _inputs = null!;
    private double[] _labels = null!;
    private double[] _hidden = null!;
    private RuleLoop _convotron = null!, _normalized = null!, _gradient = null!;

    [ParamsSource(nameof(Geometries))]
    public string Geometry { get; set; } = "1d-160-16-9";

    [ParamsSource(nameof(Implementations))]
    public string Implementation { get; set; } = Cases.Dynamic;

    public static string[] Geometries => ["1d-160-16-9", "1d-160-16-16", "1d-4096-64-33", "2d-28-4-3", "2d-28-5-2"];

    public static string[] Implementations => Program.Implementations;

    [GlobalSetup]
    public void Setup()
    {
        _model = Cases.Create(Geometry, Implementation);
        (_inputs, _labels) = Cases.Prepare(_model, Batch, 1);
        _hidden = new double[_model.Geometry.PatchCount];
        _convotron = new RuleLoop(_model, BenchmarkRule.Convotron, _inputs, _labels);
        _normalized = new RuleLoop(_model, BenchmarkRule.NormalizedConvotron, _inputs, _labels);
        _gradient = new RuleLoop(_model, BenchmarkRule.Gradient, _inputs, _labels);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public double Predict()
    {
        double sum = 0;
        for (int n = 0; n < Batch; n++)
            sum += _model.Predict(_inputs[n]);
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public double HiddenActivations()
    {
        for (int n = 0; n < Batch; n++)
            _model.HiddenActivations(_inputs[n], _hidden);
        return _hidden[0];
    }

    // The rules as the learners run them: UpdateRules through the kernel's struct type.
    [Benchmark(OperationsPerInvoke = Batch)]
    public double ConvotronStep() => _convotron.Run(Batch);

    [Benchmark(OperationsPerInvoke = Batch)]
    public double NormalizedConvotronStep() => _normalized.Run(Batch);

    [Benchmark(OperationsPerInvoke = Batch)]
    public double Gradient() => _gradient.Run(Batch);
}

/// <summary>The stage-1 kernel, on the geometries that have a non-overlapping part.</summary>
[MemoryDiagnoser]
public class Stage1Benchmarks
{
    private const int Batch = 64;
    private IConvNet _model = null!;
    private double[][] _inputs = null!;
    private double[] _labels = null!;
    private RuleLoop _stage1 = null!;

    [ParamsSource(nameof(Geometries))]
    public string Geometry { get; set; } = "1d-160-16-9";

    [ParamsSource(nameof(Implementations))]
    public string Implementation { get; set; } = Cases.Dynamic;

    public static string[] Geometries => ["1d-160-16-9", "1d-160-16-16", "1d-4096-64-33", "2d-28-4-3"];

    public static string[] Implementations => Program.Implementations;

    [GlobalSetup]
    public void Setup()
    {
        _model = Cases.Create(Geometry, Implementation);
        (_inputs, _labels) = Cases.Prepare(_model, Batch, 2);
        _stage1 = new RuleLoop(_model, BenchmarkRule.DoubleConvotron, _inputs, _labels);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public double DoubleConvotronStep() => _stage1.Run(Batch);
}
