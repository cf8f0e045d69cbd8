using System;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>The constants of one fixed geometry, folded by the JIT when the model is specialised over a struct.</summary>
public interface INaiveGeometry
{
    static abstract int D { get; }
    static abstract int R { get; }
    static abstract int K { get; }
    static abstract PatchGeometry Geometry { get; }

    /// <summary>The first input index of patch j: j·s in 1D, (p·sh)·width + q·sw in 2D.</summary>
    static abstract int Offset(int j);

    /// <summary>The input index of tap t relative to the patch offset: t in 1D, (t / rw)·width + t % rw in 2D.</summary>
    static abstract int TapOffset(int t);
}

public struct G160x16s9 : INaiveGeometry
{
    public static int D => 160; public static int R => 16; public static int K => 17;
    public static PatchGeometry Geometry { get; } = PatchGeometry.Strided1D(16, 9, 160);
    public static int Offset(int j) => j * 9;
    public static int TapOffset(int t) => t;
}

public struct G160x16s16 : INaiveGeometry
{
    public static int D => 160; public static int R => 16; public static int K => 10;
    public static PatchGeometry Geometry { get; } = PatchGeometry.Strided1D(16, 16, 160);
    public static int Offset(int j) => j * 16;
    public static int TapOffset(int t) => t;
}

public struct G4096x64s33 : INaiveGeometry
{
    public static int D => 4096; public static int R => 64; public static int K => 123;
    public static PatchGeometry Geometry { get; } = PatchGeometry.Strided1D(64, 33, 4096);
    public static int Offset(int j) => j * 33;
    public static int TapOffset(int t) => t;
}

public struct G28x28f4s3 : INaiveGeometry
{
    public static int D => 784; public static int R => 16; public static int K => 81;
    public static PatchGeometry Geometry { get; } = PatchGeometry.Strided2D(4, 4, 3, 3, 28, 28);
    public static int Offset(int j) => (j / 9) * 3 * 28 + (j % 9) * 3;
    public static int TapOffset(int t) => (t >> 2) * 28 + (t & 3);
}

public struct G28x28f5s2 : INaiveGeometry
{
    public static int D => 784; public static int R => 25; public static int K => 144;
    public static PatchGeometry Geometry { get; } = PatchGeometry.Strided2D(5, 5, 2, 2, 28, 28);
    public static int Offset(int j) => (j / 12) * 2 * 28 + (j % 12) * 2;
    public static int TapOffset(int t) => (t / 5) * 28 + t % 5;
}

/// <summary>
/// The competent hand-written scalar code a user would write for one fixed geometry without the
/// generator: constant offsets, no index table, no SIMD. ReLU only. Implements the kernels the
/// benchmarks measure; the rest throw.
/// </summary>
public sealed class NaiveConvNet<TGeometry> : IConvNet where TGeometry : struct, INaiveGeometry
{
    private readonly double[] _w = new double[TGeometry.R];
    private readonly double[] _a = new double[TGeometry.K];
    private readonly double[] _z = new double[TGeometry.K];
    private readonly int[] _nonTaps = TGeometry.Geometry.NonOverlappingTaps.ToArray();
    private readonly double[] _v = new double[TGeometry.Geometry.NonOverlappingTaps.Length];
    private readonly double[] _wNon = new double[TGeometry.Geometry.NonOverlappingTaps.Length];

    public PatchGeometry Geometry => TGeometry.Geometry;
    public Activation Activation => Activation.ReLU;
    public Span<double> Filter => _w;
    public Span<double> OutputWeights => _a;

    public double Predict(ReadOnlySpan<double> x)
    {
        double[] w = _w, a = _a;
        double f = 0;
        for (int j = 0; j < TGeometry.K; j++)
        {
            int o = TGeometry.Offset(j);
            double z = 0;
            for (int t = 0; t < TGeometry.R; t++)
                z += w[t] * x[o + TGeometry.TapOffset(t)];
            f += a[j] * (z >= 0 ? z : 0);
        }
        return f;
    }

    public void HiddenActivations(ReadOnlySpan<double> x, Span<double> hidden)
    {
        double[] w = _w;
        for (int j = 0; j < TGeometry.K; j++)
        {
            int o = TGeometry.Offset(j);
            double z = 0;
            for (int t = 0; t < TGeometry.R; t++)
                z += w[t] * x[o + TGeometry.TapOffset(t)];
            hidden[j] = z >= 0 ? z : 0;
        }
    }

    public double ConvotronStep(ReadOnlySpan<double> x, double y, double learningRate)
    {
        double residual = y - Predict(x);
        double[] w = _w, a = _a;
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

    public double NormalizedConvotronStep(ReadOnlySpan<double> x, double y, double mu)
    {
        double residual = y - Predict(x);
        double[] w = _w, a = _a;
        Span<double> u = stackalloc double[TGeometry.R];
        for (int j = 0; j < TGeometry.K; j++)
        {
            int o = TGeometry.Offset(j);
            for (int t = 0; t < TGeometry.R; t++)
                u[t] += a[j] * x[o + TGeometry.TapOffset(t)];
        }
        double norm2 = 0;
        for (int t = 0; t < TGeometry.R; t++)
            norm2 += u[t] * u[t];
        if (norm2 > 0)
        {
            double scale = mu * residual / norm2;
            for (int t = 0; t < TGeometry.R; t++)
                w[t] += scale * u[t];
        }
        return residual;
    }

    public double DoubleConvotronStep(ReadOnlySpan<double> x, double y, double learningRate, ReadOnlySpan<double> filterNoise, ReadOnlySpan<double> outputNoise)
    {
        double[] w = _w, a = _a, z = _z, v = _v, wNon = _wNon;
        int[] taps = _nonTaps;
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

    public double NormalizedDoubleConvotronStep(ReadOnlySpan<double> x, double y, double mu, ReadOnlySpan<double> filterNoise, ReadOnlySpan<double> outputNoise) =>
        throw new NotSupportedException();

    public double Gradient(ReadOnlySpan<double> x, double y, Span<double> filterGradient, Span<double> outputGradient)
    {
        double[] w = _w, a = _a, z = _z;
        double f = 0;
        for (int j = 0; j < TGeometry.K; j++)
        {
            int o = TGeometry.Offset(j);
            double zj = 0;
            for (int t = 0; t < TGeometry.R; t++)
                zj += w[t] * x[o + TGeometry.TapOffset(t)];
            z[j] = zj;
            f += a[j] * (zj >= 0 ? zj : 0);
        }
        double error = f - y;
        filterGradient.Clear();
        for (int j = 0; j < TGeometry.K; j++)
        {
            outputGradient[j] = error * (z[j] >= 0 ? z[j] : 0);
            if (z[j] > 0)
            {
                int o = TGeometry.Offset(j);
                double c = error * a[j];
                for (int t = 0; t < TGeometry.R; t++)
                    filterGradient[t] += c * x[o + TGeometry.TapOffset(t)];
            }
        }
        return -error;
    }

    public IConvNet Clone()
    {
        var copy = new NaiveConvNet<TGeometry>();
        _w.CopyTo(copy._w, 0);
        _a.CopyTo(copy._a, 0);
        return copy;
    }
}
