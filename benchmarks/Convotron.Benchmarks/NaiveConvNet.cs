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
/// The competent hand-written scalar model a user would write for one fixed geometry without the
/// generator: w, a and its <see cref="NaiveKernel{TGeometry}"/>. ReLU only. The learning rules are the
/// runtime's (<see cref="UpdateRules"/>), as for every model, so `ratio` compares kernels.
/// </summary>
public sealed class NaiveConvNet<TGeometry> : IConvNet where TGeometry : struct, INaiveGeometry
{
    private static readonly IPatchKernel s_kernel = new NaiveKernel<TGeometry>();
    private readonly double[] _w = new double[TGeometry.R];
    private readonly double[] _a = new double[TGeometry.K];
    private readonly double[] _z = new double[TGeometry.K];

    public PatchGeometry Geometry => TGeometry.Geometry;
    public Activation Activation => Activation.ReLU;
    public int FilterCount => 1;
    public Span<double> Filter => _w;
    public Span<double> OutputWeights => _a;
    public IPatchKernel Kernel => s_kernel;

    public double Predict(ReadOnlySpan<double> x) => default(NaiveKernel<TGeometry>).Forward(_w, _a, x, _z);

    public void HiddenActivations(ReadOnlySpan<double> x, Span<double> hidden)
    {
        default(NaiveKernel<TGeometry>).PreActivations(_w, x, hidden);
        for (int j = 0; j < TGeometry.K; j++)
            hidden[j] = hidden[j] >= 0 ? hidden[j] : 0;
    }

    public IConvNet Clone()
    {
        var copy = new NaiveConvNet<TGeometry>();
        _w.CopyTo(copy._w, 0);
        _a.CopyTo(copy._a, 0);
        return copy;
    }
}

/// <summary>
/// The patch kernel as plain loops over constant offsets: no index table, no SIMD, no length checks
/// beyond the spans' own. One filter (F = 1).
/// </summary>
public readonly struct NaiveKernel<TGeometry> : IPatchKernel where TGeometry : struct, INaiveGeometry
{
    private static readonly int[] s_taps = TGeometry.Geometry.NonOverlappingTaps.ToArray();

    public PatchGeometry Geometry => TGeometry.Geometry;
    public Activation Activation => Activation.ReLU;

    public double Forward(ReadOnlySpan<double> filters, ReadOnlySpan<double> outputWeights, ReadOnlySpan<double> x, Span<double> preActivations)
    {
        double f = 0;
        for (int j = 0; j < TGeometry.K; j++)
        {
            int o = TGeometry.Offset(j);
            double z = 0;
            for (int t = 0; t < TGeometry.R; t++)
                z += filters[t] * x[o + TGeometry.TapOffset(t)];
            preActivations[j] = z;
            f += outputWeights[j] * (z >= 0 ? z : 0);
        }
        return f;
    }

    public void PreActivations(ReadOnlySpan<double> filters, ReadOnlySpan<double> x, Span<double> preActivations)
    {
        for (int j = 0; j < TGeometry.K; j++)
        {
            int o = TGeometry.Offset(j);
            double z = 0;
            for (int t = 0; t < TGeometry.R; t++)
                z += filters[t] * x[o + TGeometry.TapOffset(t)];
            preActivations[j] = z;
        }
    }

    public void AddPatches(ReadOnlySpan<double> x, ReadOnlySpan<double> coefficients, double scale, Span<double> target)
    {
        for (int j = 0; j < TGeometry.K; j++)
        {
            int o = TGeometry.Offset(j);
            double c = scale * coefficients[j];
            for (int t = 0; t < TGeometry.R; t++)
                target[t] += c * x[o + TGeometry.TapOffset(t)];
        }
    }

    public double ForwardNonOverlapping(ReadOnlySpan<double> nonOverlappingFilter, ReadOnlySpan<double> outputWeights, ReadOnlySpan<double> x, Span<double> preActivations)
    {
        int[] taps = s_taps;
        double f = 0;
        for (int j = 0; j < TGeometry.K; j++)
        {
            int o = TGeometry.Offset(j);
            double z = 0;
            for (int n = 0; n < taps.Length; n++)
                z += nonOverlappingFilter[n] * x[o + TGeometry.TapOffset(taps[n])];
            preActivations[j] = z;
            f += outputWeights[j] * (z >= 0 ? z : 0);
        }
        return f;
    }

    public void AddNonOverlappingPatches(ReadOnlySpan<double> x, ReadOnlySpan<double> coefficients, double scale, Span<double> target)
    {
        int[] taps = s_taps;
        for (int j = 0; j < TGeometry.K; j++)
        {
            int o = TGeometry.Offset(j);
            double c = scale * coefficients[j];
            for (int n = 0; n < taps.Length; n++)
                target[n] += c * x[o + TGeometry.TapOffset(taps[n])];
        }
    }

    public TResult Accept<TResult>(IKernelVisitor<TResult> visitor) => visitor.Visit(this);
}
