using System;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>
/// Du &amp; Goel's Algorithm 1 written the plain way, the yardstick of the end-to-end check: scalar
/// loops for every kernel (<see cref="NaiveConvNet{TGeometry}"/>, also as the teacher), Gaussian
/// inputs by Box–Muller over System.Random, one sample at a time. Same stages, steps and sample
/// counts as <see cref="Algorithm1.Learn"/> with fixed steps, no averaging, no sign check.
/// </summary>
public sealed class PlainAlgorithm1<TGeometry> where TGeometry : struct, INaiveGeometry
{
    private readonly NaiveConvNet<TGeometry> _teacher = new();
    private readonly double[] _x = new double[TGeometry.D];
    private Random _random = new(1);

    public PlainAlgorithm1(ReadOnlySpan<double> filter, ReadOnlySpan<double> outputWeights)
    {
        filter.CopyTo(_teacher.Filter);
        outputWeights.CopyTo(_teacher.OutputWeights);
    }

    /// <summary>T1 + T2 + T3 samples; returns the validation MSE of the chosen pair.</summary>
    public double Run(NaiveConvNet<TGeometry> model, int seed, long t1, long t2, long t3, double eta)
    {
        _random = new Random(seed);
        ReadOnlySpan<int> taps = TGeometry.Geometry.NonOverlappingTaps;
        int k = TGeometry.K;
        var wNon = new double[taps.Length];
        UnitVector(wNon);
        model.Filter.Clear();
        for (int n = 0; n < taps.Length; n++)
            model.Filter[taps[n]] = wNon[n];
        UnitVector(model.OutputWeights);
        var filterNoise = new double[taps.Length];
        var outputNoise = new double[k];
        for (long step = 0; step < t1; step++)
        {
            double y = Sample();
            UnitVector(filterNoise);
            UnitVector(outputNoise);
            for (int n = 0; n < filterNoise.Length; n++)
                filterNoise[n] *= eta;
            for (int j = 0; j < k; j++)
                outputNoise[j] *= eta;
            model.DoubleConvotronStep(_x, y, eta, filterNoise, outputNoise);
        }
        var negative = (NaiveConvNet<TGeometry>)model.Clone();
        for (int j = 0; j < k; j++)
            negative.OutputWeights[j] = -model.OutputWeights[j];
        model.Filter.Clear();
        negative.Filter.Clear();
        for (long step = 0; step < t2; step++)
        {
            double y = Sample();
            model.ConvotronStep(_x, y, eta);
            negative.ConvotronStep(_x, y, eta);
        }
        double positiveError = 0, negativeError = 0;
        for (long n = 0; n < t3; n++)
        {
            double y = Sample();
            double e1 = model.Predict(_x) - y, e2 = negative.Predict(_x) - y;
            positiveError += e1 * e1;
            negativeError += e2 * e2;
        }
        return Math.Min(positiveError, negativeError) / t3;
    }

    private double Sample()
    {
        BoxMuller(_x);
        return _teacher.Predict(_x);
    }

    private void UnitVector(Span<double> v)
    {
        BoxMuller(v);
        double norm = 0;
        foreach (double value in v)
            norm += value * value;
        norm = Math.Sqrt(norm);
        for (int i = 0; i < v.Length; i++)
            v[i] /= norm;
    }

    private void BoxMuller(Span<double> v)
    {
        for (int i = 0; i < v.Length; i += 2)
        {
            double u = 1.0 - _random.NextDouble(), angle = 2 * Math.PI * _random.NextDouble();
            double radius = Math.Sqrt(-2 * Math.Log(u));
            v[i] = radius * Math.Cos(angle);
            if (i + 1 < v.Length)
                v[i + 1] = radius * Math.Sin(angle);
        }
    }
}
