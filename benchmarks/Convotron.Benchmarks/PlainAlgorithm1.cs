using System;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>
/// Du &amp; Goel's Algorithm 1 written the plain way, the yardstick of the end-to-end check: scalar
/// loops for every kernel (<see cref="NaiveConvNet{TGeometry}"/>, also as the teacher; the two update
/// rules as plain loops of their own below, as a user without the library writes them), Gaussian
/// inputs by Box–Muller over System.Random, one sample at a time. Same stages, steps and sample
/// counts as <see cref="Algorithm1.Learn"/> with fixed steps, no averaging, no sign check.
/// </summary>
public sealed class PlainAlgorithm1<TGeometry> where TGeometry : struct, INaiveGeometry
{
    private readonly NaiveConvNet<TGeometry> _teacher = new();
    private readonly double[] _x = new double[TGeometry.D];
    private readonly int[] _taps = TGeometry.Geometry.NonOverlappingTaps.ToArray();
    private readonly double[] _z = new double[TGeometry.K];
    private readonly double[] _v = new double[TGeometry.Geometry.NonOverlappingTaps.Length];
    private readonly double[] _wNon = new double[TGeometry.Geometry.NonOverlappingTaps.Length];
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
            DoubleConvotronStep(model, _x, y, eta, filterNoise, outputNoise);
        }
        var negative = (NaiveConvNet<TGeometry>)model.Clone();
        for (int j = 0; j < k; j++)
            negative.OutputWeights[j] = -model.OutputWeights[j];
        model.Filter.Clear();
        negative.Filter.Clear();
        for (long step = 0; step < t2; step++)
        {
            double y = Sample();
            ConvotronStep(model, _x, y, eta);
            ConvotronStep(negative, _x, y, eta);
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

    /// <summary>w += η (y − f(x)) Σ_j a_j P_j x.</summary>
    private static double ConvotronStep(NaiveConvNet<TGeometry> model, double[] x, double y, double learningRate)
    {
        double residual = y - model.Predict(x);
        Span<double> w = model.Filter, a = model.OutputWeights;
        double scale = learningRate * residual;
        for (int j = 0; j < TGeometry.K; j++)
        {
            int o = TGeometry.Offset(j);
            double c = scale * a[j];
            for (int t = 0; t < TGeometry.R; t++)
                w[t] += c * x[o + TGeometry.TapOffset(t)];
        }
        return residual;
    }

    /// <summary>Stage 1 (Double Convotron) on w_non and a, ReLU (c = 2), in one pass over the patches.</summary>
    private double DoubleConvotronStep(NaiveConvNet<TGeometry> model, double[] x, double y, double learningRate,
        double[] filterNoise, double[] outputNoise)
    {
        Span<double> w = model.Filter, a = model.OutputWeights;
        double[] z = _z, v = _v, wNon = _wNon;
        int[] taps = _taps;
        for (int n = 0; n < taps.Length; n++)
        {
            wNon[n] = w[taps[n]];
            v[n] = 0;
        }
        double fNon = 0, aNorm2 = 0, wNorm2 = 0;
        for (int j = 0; j < TGeometry.K; j++)
        {
            int o = TGeometry.Offset(j);
            double zj = 0;
            for (int n = 0; n < taps.Length; n++)
            {
                double xi = x[o + TGeometry.TapOffset(taps[n])];
                zj += wNon[n] * xi;
                v[n] += a[j] * xi;
            }
            z[j] = zj;
            fNon += a[j] * (zj >= 0 ? zj : 0);
            aNorm2 += a[j] * a[j];
        }
        for (int n = 0; n < taps.Length; n++)
            wNorm2 += wNon[n] * wNon[n];
        double e = 2 * (fNon - y), balance = 0.25 * (wNorm2 - aNorm2);
        for (int n = 0; n < taps.Length; n++)
            w[taps[n]] = wNon[n] - learningRate * (e * v[n] + balance * wNon[n]) + filterNoise[n];
        for (int j = 0; j < TGeometry.K; j++)
            a[j] = a[j] - learningRate * (e * z[j] - balance * a[j]) + outputNoise[j];
        return y - fNon;
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
