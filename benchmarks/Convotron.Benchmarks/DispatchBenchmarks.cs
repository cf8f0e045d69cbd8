using System;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>
/// Does interface dispatch cost anything in the learners' hot loops? The learners are generic
/// over a class type, which the JIT compiles once for all reference types, so every step is an
/// interface call. The alternative is a loop generic over a struct kernel wrapping the sealed
/// model: the JIT specialises it per struct, devirtualises the call and may inline it. Same
/// samples, same model, both shapes.
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private const int Steps = 4096;
    private IConvNet _model = null!;
    private double[][] _inputs = null!;
    private double[] _labels = null!;

    [Params("1d-160-16-9", "1d-160-16-16")]
    public string Geometry { get; set; } = "1d-160-16-9";

    [Params(Cases.Generated, Cases.Dynamic)]
    public string Implementation { get; set; } = Cases.Generated;

    [GlobalSetup]
    public void Setup()
    {
        _model = Cases.Create(Geometry, Implementation);
        (_inputs, _labels) = Cases.Prepare(_model, 64, 3);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public double SharedGenericThroughInterface() => SharedLoop(_model, _inputs, _labels);

    [Benchmark(OperationsPerInvoke = Steps)]
    public double StructKernel() => _model switch
    {
        Net160s9 m => StructLoop(new Stride9Kernel(m), _inputs, _labels),
        Net160s16 m => StructLoop(new Stride16Kernel(m), _inputs, _labels),
        DynamicConvNet m => StructLoop(new DynamicKernel(m), _inputs, _labels),
        _ => throw new InvalidOperationException(),
    };

    // The learners' shape: generic over a reference type, so one shared instantiation.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double SharedLoop<TModel>(TModel model, double[][] inputs, double[] labels) where TModel : class, IConvNet
    {
        double sum = 0;
        for (int n = 0; n < Steps; n++)
            sum += model.ConvotronStep(inputs[n & 63], labels[n & 63], 1e-12);
        return sum;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double StructLoop<TKernel>(TKernel kernel, double[][] inputs, double[] labels) where TKernel : struct, IStepKernel
    {
        double sum = 0;
        for (int n = 0; n < Steps; n++)
            sum += kernel.Step(inputs[n & 63], labels[n & 63], 1e-12);
        return sum;
    }

    public interface IStepKernel
    {
        double Step(ReadOnlySpan<double> x, double y, double learningRate);
    }

    // One non-generic struct per sealed model type (a struct generic over a class would be shared
    // code again): each call below is a direct call to the sealed class, open to inlining.
    private readonly struct Stride9Kernel(Net160s9 model) : IStepKernel
    {
        public double Step(ReadOnlySpan<double> x, double y, double learningRate) => model.ConvotronStep(x, y, learningRate);
    }

    private readonly struct Stride16Kernel(Net160s16 model) : IStepKernel
    {
        public double Step(ReadOnlySpan<double> x, double y, double learningRate) => model.ConvotronStep(x, y, learningRate);
    }

    private readonly struct DynamicKernel(DynamicConvNet model) : IStepKernel
    {
        public double Step(ReadOnlySpan<double> x, double y, double learningRate) => model.ConvotronStep(x, y, learningRate);
    }
}
