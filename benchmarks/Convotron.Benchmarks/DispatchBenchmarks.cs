using System;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>
/// Does interface dispatch cost anything in the learners' hot loops? The learners are generic
/// over a class type, which the JIT compiles once for all reference types (calls go through the
/// interface); this compares that shape with a loop that calls the sealed class directly
/// (devirtualised and inlinable), on the same samples.
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private const int Steps = 4096;
    private DynamicConvNet _model = null!;
    private double[][] _inputs = null!;
    private double[] _labels = null!;

    [Params("1d-160-16-9", "1d-160-16-16")]
    public string Geometry { get; set; } = "1d-160-16-9";

    [GlobalSetup]
    public void Setup()
    {
        _model = (DynamicConvNet)Cases.Create(Geometry, Cases.Dynamic);
        (_inputs, _labels) = Cases.Prepare(_model, 64, 3);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public double SharedGenericThroughInterface() => Loop(_model, _inputs, _labels);

    [Benchmark(OperationsPerInvoke = Steps)]
    public double DirectSealedCall()
    {
        double sum = 0;
        DynamicConvNet model = _model;
        for (int n = 0; n < Steps; n++)
            sum += model.ConvotronStep(_inputs[n & 63], _labels[n & 63], 1e-12);
        return sum;
    }

    // The learners' shape: generic over a reference type, so one shared instantiation.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Loop<TModel>(TModel model, double[][] inputs, double[] labels) where TModel : class, IConvNet
    {
        double sum = 0;
        for (int n = 0; n < Steps; n++)
            sum += model.ConvotronStep(inputs[n & 63], labels[n & 63], 1e-12);
        return sum;
    }
}
