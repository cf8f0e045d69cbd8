using System;
using System.Runtime.CompilerServices;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>What a <see cref="RuleLoop"/> runs per sample.</summary>
public enum BenchmarkRule
{
    Convotron,
    NormalizedConvotron,
    Predict,
    Gradient,
    DoubleConvotron,
}

/// <summary>
/// A learning rule run over a batch of samples the way the learners run it: <see cref="UpdateRules"/>
/// over the model's kernel as its own struct type (<see cref="IPatchKernel.Accept{TResult}"/>), so the
/// JIT compiles the loop once per kernel and inlines the primitives; one virtual call per
/// <see cref="Run"/>, none per sample. Generated, dynamic and naive models all run the same rule code.
/// </summary>
public sealed class RuleLoop : IKernelVisitor<double>
{
    private readonly IConvNet _model;
    private readonly BenchmarkRule _rule;
    private readonly double[][] _inputs;
    private readonly double[] _labels;
    private readonly double _rate;
    private readonly RuleScratch _scratch;
    private readonly double[] _z, _filterGradient, _outputGradient, _filterNoise, _outputNoise;
    private long _steps;

    /// <summary>The rule on <paramref name="model"/> over the inputs (sample n is input n mod their count, a power of 2).</summary>
    public RuleLoop(IConvNet model, BenchmarkRule rule, double[][] inputs, double[] labels, double rate = 1e-12)
    {
        if (inputs.Length == 0 || (inputs.Length & (inputs.Length - 1)) != 0)
            throw new ArgumentException("the batch size must be a power of 2", nameof(inputs));
        (_model, _rule, _inputs, _labels, _rate) = (model, rule, inputs, labels, rate);
        PatchGeometry geometry = model.Geometry;
        _scratch = new RuleScratch(geometry);
        _z = new double[geometry.PatchCount];
        _filterGradient = new double[geometry.FilterSize];
        _outputGradient = new double[geometry.PatchCount];
        _filterNoise = new double[geometry.NonOverlappingTaps.Length];
        _outputNoise = new double[geometry.PatchCount];
    }

    /// <summary>Runs <paramref name="steps"/> samples; returns the sum of what the rule returned (a sink).</summary>
    public double Run(long steps)
    {
        _steps = steps;
        return _model.Kernel.Accept(this);
    }

    /// <inheritdoc/>
    public double Visit<TKernel>(TKernel kernel) where TKernel : struct, IPatchKernel => _rule switch
    {
        // One method per rule, so that each loop has the JIT's whole inlining budget to itself.
        BenchmarkRule.Convotron => Convotron(kernel, normalized: false),
        BenchmarkRule.NormalizedConvotron => Convotron(kernel, normalized: true),
        BenchmarkRule.Predict => Predict(kernel),
        BenchmarkRule.Gradient => Gradient(kernel),
        _ => DoubleConvotron(kernel),
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Convotron<TKernel>(TKernel kernel, bool normalized) where TKernel : struct, IPatchKernel
    {
        Span<double> w = _model.Filter, a = _model.OutputWeights;
        double[][] inputs = _inputs;
        double[] labels = _labels;
        long mask = inputs.Length - 1, steps = _steps;
        double rate = _rate, sum = 0.0;
        RuleScratch scratch = _scratch;
        if (normalized)
        {
            for (long n = 0; n < steps; n++)
                sum += UpdateRules.NormalizedConvotron(kernel, w, a, inputs[n & mask], labels[n & mask], rate, scratch);
            return sum;
        }
        for (long n = 0; n < steps; n++)
            sum += UpdateRules.Convotron(kernel, w, a, inputs[n & mask], labels[n & mask], rate, scratch);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Predict<TKernel>(TKernel kernel) where TKernel : struct, IPatchKernel
    {
        Span<double> w = _model.Filter, a = _model.OutputWeights, z = _z;
        double[][] inputs = _inputs;
        long mask = inputs.Length - 1, steps = _steps;
        double sum = 0.0;
        for (long n = 0; n < steps; n++)
            sum += kernel.Forward(w, a, inputs[n & mask], z);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Gradient<TKernel>(TKernel kernel) where TKernel : struct, IPatchKernel
    {
        Span<double> w = _model.Filter, a = _model.OutputWeights;
        double[][] inputs = _inputs;
        double[] labels = _labels;
        long mask = inputs.Length - 1, steps = _steps;
        double sum = 0.0;
        for (long n = 0; n < steps; n++)
            sum += UpdateRules.Gradient(kernel, w, a, inputs[n & mask], labels[n & mask], _filterGradient, _outputGradient, _scratch);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double DoubleConvotron<TKernel>(TKernel kernel) where TKernel : struct, IPatchKernel
    {
        Span<double> w = _model.Filter, a = _model.OutputWeights;
        double[][] inputs = _inputs;
        double[] labels = _labels;
        long mask = inputs.Length - 1, steps = _steps;
        double sum = 0.0;
        StepSize step = StepSize.Fixed(_rate);
        for (long n = 0; n < steps; n++)
            sum += UpdateRules.DoubleConvotron(kernel, w, a, inputs[n & mask], labels[n & mask], step, _filterNoise, _outputNoise, _scratch);
        return sum;
    }
}
