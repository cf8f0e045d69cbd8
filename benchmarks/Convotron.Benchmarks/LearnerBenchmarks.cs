using System;
using BenchmarkDotNet.Attributes;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>
/// A full Algorithm-1 run, sampling included: T1 = T2 = T3 = 10,000 Gaussian samples with the
/// paper's steps, no test set. One operation is one sample (30,000 per run), so the reported
/// time per operation is the inverse of steps per second.
/// </summary>
[MemoryDiagnoser]
public class Algorithm1Benchmarks
{
    private const int Steps = 10_000;
    private Teacher _teacher = null!;
    private IConvNet _model = null!;
    private ulong _seed;

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
        _teacher = Teacher.Random(_model.Geometry, Activation.ReLU, new Xoshiro256StarStar(1));
    }

    [Benchmark(OperationsPerInvoke = 3 * Steps)]
    public double FullRun()
    {
        var options = new Algorithm1Options
        {
            Stage1Steps = Steps, Stage2Steps = Steps, ValidationSamples = Steps, EvaluationInterval = 0, Seed = ++_seed,
        };
        var result = Algorithm1.Learn(_model, _teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(_seed)), options);
        return result.ValidationMsePositive;
    }
}

/// <summary>Filling one input of d = 160 coordinates.</summary>
[MemoryDiagnoser]
public class SamplerBenchmarks
{
    private readonly double[] _x = new double[160];
    private readonly Xoshiro256StarStar _random = new(1);

    [Benchmark(OperationsPerInvoke = 160)]
    public double Gaussian()
    {
        InputDistribution.Gaussian.Sample(_random, _x);
        return _x[0];
    }

    [Benchmark(OperationsPerInvoke = 160)]
    public double Uniform()
    {
        InputDistribution.Uniform.Sample(_random, _x);
        return _x[0];
    }

    [Benchmark(OperationsPerInvoke = 160)]
    public double Rademacher()
    {
        InputDistribution.Rademacher.Sample(_random, _x);
        return _x[0];
    }

    /// <summary>The baseline the issue quotes: scalar Box–Muller over System.Random.</summary>
    [Benchmark(OperationsPerInvoke = 160, Baseline = true)]
    public double BoxMullerSystemRandom()
    {
        var random = _systemRandom;
        for (int i = 0; i < _x.Length; i += 2)
        {
            double u = 1.0 - random.NextDouble(), v = random.NextDouble();
            double radius = Math.Sqrt(-2 * Math.Log(u));
            _x[i] = radius * Math.Cos(2 * Math.PI * v);
            _x[i + 1] = radius * Math.Sin(2 * Math.PI * v);
        }
        return _x[0];
    }

    private readonly Random _systemRandom = new(1);
}
