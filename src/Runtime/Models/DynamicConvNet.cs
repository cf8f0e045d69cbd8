using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Convotron;

/// <summary>
/// The <see cref="IConvNet"/> for any geometry known only at run time (1D, 2D or a general
/// patch list). Each patch is iterated as contiguous runs of input indices, so a strided 1D
/// patch is one vectorised dot product (or multiply-add) of length r and a 2D patch rh of
/// length rw; nothing is gathered element by element unless the geometry demands it.
/// </summary>
/// <remarks>
/// Kernels allocate nothing: scratch buffers are owned by the instance, which is therefore
/// not thread-safe. Use one model per thread (<see cref="Clone"/>).
/// </remarks>
public sealed class DynamicConvNet : IConvNet
{
    private readonly double[] _w;
    private readonly double[] _a;
    private readonly PatchRuns _runs;
    private readonly int[] _nonTaps;
    private readonly PatchRuns _nonRuns;
    // Scratch, sized once: u = Σ_j a_j P_j x (r), z (k), w_non and v = Σ_j a_j P_j^non x (|T_non|).
    private readonly double[] _u;
    private readonly double[] _z;
    private readonly double[] _wNon;
    private readonly double[] _v;
    private readonly int _stride1D;
    private readonly double _unbiasingFactor;
    // Where patch j's one run of all r taps starts in x, when every patch is one such run and r is
    // a multiple of 4 (1D strided geometries with r = 4, 8, 12, ...): Predict then sums four patches
    // at once (PredictFours). Null otherwise.
    private readonly int[]? _oneRunStarts;

    /// <summary>A model of the given geometry and activation with w = 0 and a = 0.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="geometry"/> is null.</exception>
    public DynamicConvNet(PatchGeometry geometry, Activation activation)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        Geometry = geometry;
        Activation = activation;
        int r = geometry.FilterSize, k = geometry.PatchCount;
        _w = new double[r];
        _a = new double[k];
        _runs = geometry.Runs;
        _nonTaps = geometry.NonOverlappingTaps.ToArray();
        var nonIndices = new int[k * _nonTaps.Length];
        for (int j = 0; j < k; j++)
        {
            ReadOnlySpan<int> patch = geometry.Patch(j);
            for (int n = 0; n < _nonTaps.Length; n++)
                nonIndices[j * _nonTaps.Length + n] = patch[_nonTaps[n]];
        }
        _nonRuns = _nonTaps.Length > 0 ? PatchRuns.Build(_nonTaps.Length, k, nonIndices) : _runs;
        // The one-run fast path below needs patch j's non-overlapping part at x[j·s + T0 ..]: one channel only.
        _stride1D = geometry.Channels == 1 ? geometry.Stride : 0;
        _unbiasingFactor = activation.UnbiasingFactor;
        _oneRunStarts = OneRunStarts(_runs, r, k);
        _u = new double[r];
        _z = new double[k];
        _wNon = new double[_nonTaps.Length];
        _v = new double[_nonTaps.Length];
    }

    /// <summary>A model with the given geometry, activation, filter w and output weights a (copied).</summary>
    /// <exception cref="ArgumentException">The lengths of <paramref name="filter"/> or <paramref name="outputWeights"/> are not r and k.</exception>
    public DynamicConvNet(PatchGeometry geometry, Activation activation, ReadOnlySpan<double> filter, ReadOnlySpan<double> outputWeights)
        : this(geometry, activation)
    {
        Guard.Length(filter.Length, _w.Length, "r");
        Guard.Length(outputWeights.Length, _a.Length, "k");
        filter.CopyTo(_w);
        outputWeights.CopyTo(_a);
    }

    /// <inheritdoc/>
    public PatchGeometry Geometry { get; }

    /// <inheritdoc/>
    public Activation Activation { get; }

    /// <inheritdoc/>
    public Span<double> Filter => _w;

    /// <inheritdoc/>
    public Span<double> OutputWeights => _a;

    /// <inheritdoc/>
    public double Predict(ReadOnlySpan<double> x)
    {
        Guard.Length(x.Length, Geometry.InputSize, "d");
        double f = 0.0;
        int j = 0;
        if (_oneRunStarts is not null)
            f = PredictFours(x, out j);
        for (; j < _a.Length; j++)
            f += _a[j] * Activation.Apply(PatchDot(_runs, j, _w, x));
        return f;
    }

    /// <summary>
    /// Σ a_j σ(z_j) over the first ⌊k/4⌋·4 patches, four at a time: each patch's products in one
    /// Vector256 chain, the four summed across lanes together (a transposing add tree,
    /// <see cref="VectorMath.Sums4"/>), σ and a_j σ(z_j) in lanes. The teacher labels every sample
    /// with this, and one horizontal sum per patch was most of its time. The same value as the
    /// per-patch loop up to the order of the additions, and the same bits on every CPU (the path
    /// depends on the geometry alone).
    /// </summary>
    private double PredictFours(ReadOnlySpan<double> x, out int done)
    {
        int[] starts = _oneRunStarts!;
        int blocks = _w.Length / 4, k = _a.Length;
        ref double px = ref MemoryMarshal.GetReference(x);
        ref double pw = ref MemoryMarshal.GetArrayDataReference(_w);
        ref double pa = ref MemoryMarshal.GetArrayDataReference(_a);
        Vector256<double> alpha = Vector256.Create(Activation.Alpha), sum0 = Vector256<double>.Zero, sum1 = Vector256<double>.Zero;
        int j = 0;
        for (; j + 8 <= k; j += 8)
        {
            Vector256<double> z0 = VectorMath.Dots4(ref px, ref pw, starts.AsSpan(j, 4), blocks);
            Vector256<double> z1 = VectorMath.Dots4(ref px, ref pw, starts.AsSpan(j + 4, 4), blocks);
            sum0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)j), Vector256.Max(z0, alpha * z0), sum0);
            sum1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)(j + 4)), Vector256.Max(z1, alpha * z1), sum1);
        }
        if (j + 4 <= k)
        {
            Vector256<double> z0 = VectorMath.Dots4(ref px, ref pw, starts.AsSpan(j, 4), blocks);
            sum0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)j), Vector256.Max(z0, alpha * z0), sum0);
            j += 4;
        }
        done = j;
        return Vector256.Sum(sum0 + sum1);
    }

    /// <summary>Each patch's start when every patch is one run of all r taps, r is a multiple of 4 and k ≥ 4 (see PredictFours); else null.</summary>
    private static int[]? OneRunStarts(PatchRuns runs, int r, int k)
    {
        if (r % 4 != 0 || k < 4)
            return null;
        var starts = new int[k];
        for (int j = 0; j < k; j++)
        {
            int n = runs.First[j];
            if (runs.First[j + 1] != n + 1 || runs.Tap[n] != 0 || runs.Length[n] != r)
                return null;
            starts[j] = runs.Start[n];
        }
        return starts;
    }

    /// <inheritdoc/>
    public void HiddenActivations(ReadOnlySpan<double> x, Span<double> hidden)
    {
        Guard.Length(x.Length, Geometry.InputSize, "d");
        Guard.Length(hidden.Length, _a.Length, "k");
        for (int j = 0; j < hidden.Length; j++)
            hidden[j] = Activation.Apply(PatchDot(_runs, j, _w, x));
    }

    /// <inheritdoc/>
    public double ConvotronStep(ReadOnlySpan<double> x, double y, double learningRate)
    {
        double residual = y - Predict(x);
        double scale = learningRate * residual;
        for (int j = 0; j < _a.Length; j++)
            PatchAxpy(_runs, j, scale * _a[j], x, _w);
        return residual;
    }

    /// <inheritdoc/>
    public double NormalizedConvotronStep(ReadOnlySpan<double> x, double y, double mu)
    {
        double residual = y - Predict(x);
        Array.Clear(_u);
        for (int j = 0; j < _a.Length; j++)
            PatchAxpy(_runs, j, _a[j], x, _u);
        double norm2 = VectorMath.Dot(_u, _u);
        if (norm2 > 0.0)
            VectorMath.MultiplyAdd(mu * residual / norm2, _u, _w);
        return residual;
    }

    /// <inheritdoc/>
    public double DoubleConvotronStep(ReadOnlySpan<double> x, double y, double learningRate,
                                      ReadOnlySpan<double> filterNoise, ReadOnlySpan<double> outputNoise) =>
        Stage1Step(x, y, learningRate, normalized: false, filterNoise, outputNoise);

    /// <inheritdoc/>
    public double NormalizedDoubleConvotronStep(ReadOnlySpan<double> x, double y, double mu,
                                                ReadOnlySpan<double> filterNoise, ReadOnlySpan<double> outputNoise) =>
        Stage1Step(x, y, mu, normalized: true, filterNoise, outputNoise);

    /// <inheritdoc/>
    public double Gradient(ReadOnlySpan<double> x, double y, Span<double> filterGradient, Span<double> outputGradient)
    {
        Guard.Length(x.Length, Geometry.InputSize, "d");
        Guard.Length(filterGradient.Length, _w.Length, "r");
        Guard.Length(outputGradient.Length, _a.Length, "k");
        double f = 0.0;
        for (int j = 0; j < _a.Length; j++)
        {
            double z = PatchDot(_runs, j, _w, x);
            _z[j] = z;
            double hidden = Activation.Apply(z);
            outputGradient[j] = hidden;
            f += _a[j] * hidden;
        }
        double error = f - y;
        TensorPrimitives.Multiply<double>(outputGradient, error, outputGradient);
        filterGradient.Clear();
        for (int j = 0; j < _a.Length; j++)
            PatchAxpyEvenOfZero(_runs, j, error * _a[j] * Activation.Derivative(_z[j]), x, filterGradient);
        return -error;
    }

    /// <inheritdoc/>
    public IConvNet Clone() => new DynamicConvNet(Geometry, Activation, _w, _a);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Stage1Step(ReadOnlySpan<double> x, double y, double rate, bool normalized,
                              ReadOnlySpan<double> filterNoise, ReadOnlySpan<double> outputNoise)
    {
        if (_nonTaps.Length == 0)
            Guard.ThrowNoNonOverlappingPart(Geometry);
        Guard.Length(x.Length, Geometry.InputSize, "d");
        Guard.Length(filterNoise.Length, _nonTaps.Length, "|T_non|");
        Guard.Length(outputNoise.Length, _a.Length, "k");
        double[] wNon = _wNon, v = _v, z = _z, a = _a;
        int[] nonTaps = _nonTaps;
        double wNorm2 = 0.0, aNorm2 = 0.0;
        for (int n = 0; n < nonTaps.Length; n++)
        {
            double wn = _w[nonTaps[n]];
            wNon[n] = wn;
            wNorm2 += wn * wn;
            v[n] = 0.0;
        }

        double fNon = 0.0;
        PatchRuns runs = _nonRuns;
        int[] first = runs.First, starts = runs.Start, tapsOf = runs.Tap, lengths = runs.Length;
        ref double x0 = ref MemoryMarshal.GetReference(x);
        Activation activation = Activation;
        if (_stride1D > 0 && wNon.Length < 8)
        {
            // Strided 1D: patch j's non-overlapping part is x[j·s + T0 ..], one short run; no run tables.
            int stride = _stride1D, width = wNon.Length;
            ref double xs = ref Unsafe.Add(ref x0, _nonTaps[0]);
            for (int j = 0; j < a.Length; j++, xs = ref Unsafe.Add(ref xs, stride))
            {
                double zj = 0.0, aj = a[j];
                for (int i = 0; i < width; i++)
                {
                    double xi = Unsafe.Add(ref xs, i);
                    zj += wNon[i] * xi;
                    v[i] += aj * xi;
                }
                z[j] = zj;
                fNon += aj * activation.Apply(zj);
                aNorm2 += aj * aj;
            }
        }
        else
        {
            for (int j = 0; j < a.Length; j++)
            {
                // z_j and v += a_j P_j^non x in one pass over the non-overlapping runs: vector kernels
                // for long runs, one fused scalar loop for short ones (often 2 taps).
                double zj = 0.0, aj = a[j];
                for (int n = first[j]; n < first[j + 1]; n++)
                {
                    int start = starts[n], tap = tapsOf[n], length = lengths[n];
                    if (length >= 8)
                    {
                        ReadOnlySpan<double> run = x.Slice(start, length);
                        zj += VectorMath.Dot(wNon.AsSpan(tap, length), run);
                        VectorMath.MultiplyAdd(aj, run, v.AsSpan(tap, length));
                        continue;
                    }
                    ref double xs = ref Unsafe.Add(ref x0, start);
                    for (int i = 0; i < length; i++)
                    {
                        double xi = Unsafe.Add(ref xs, i);
                        zj += wNon[tap + i] * xi;
                        v[tap + i] += aj * xi;
                    }
                }
                z[j] = zj;
                fNon += aj * activation.Apply(zj);
                aNorm2 += aj * aj;
            }
        }
        double c = _unbiasingFactor;
        double e = c * (fNon - y);
        double eta = rate;
        if (normalized)
        {
            double scale = c * c * (VectorMath.Dot(v, v) + VectorMath.Dot(z, z));
            eta = scale > 0.0 ? rate / scale : 0.0;
        }
        double balance = 0.25 * (wNorm2 - aNorm2);
        // w_non ← w_non − η(e v + ¼(‖w_non‖² − ‖a‖²) w_non) + ξ_w, and a likewise, from the same old values.
        double keepW = 1.0 - eta * balance, keepA = 1.0 + eta * balance, step = eta * e;
        for (int n = 0; n < wNon.Length; n++)
            _w[nonTaps[n]] = keepW * wNon[n] - step * v[n] + filterNoise[n];
        for (int j = 0; j < a.Length; j++)
            a[j] = keepA * a[j] - step * z[j] + outputNoise[j];
        return y - fNon;
    }

    /// <summary>w · P_j x, run by run.</summary>
    private static double PatchDot(PatchRuns runs, int j, ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        int first = runs.First[j], last = runs.First[j + 1];
        double sum = 0.0;
        for (int n = first; n < last; n++)
        {
            int length = runs.Length[n];
            sum += VectorMath.Dot(w.Slice(runs.Tap[n], length), x.Slice(runs.Start[n], length));
        }
        return sum;
    }

    /// <summary>target += scale · P_j x, run by run; nothing to do when scale is 0 (e.g. a ReLU unit that is off).</summary>
    private static void PatchAxpy(PatchRuns runs, int j, double scale, ReadOnlySpan<double> x, Span<double> target)
    {
        if (scale == 0.0)
            return;
        PatchAxpyEvenOfZero(runs, j, scale, x, target);
    }

    /// <summary>
    /// target += scale · P_j x even when scale is 0 (adding ±0 leaves every finite target value as it is): for the
    /// gradient's per-patch σ'(z_j) factors, where skipping a switched-off ReLU unit is a branch on the sign of z_j,
    /// a coin flip on fresh inputs that mispredicts about half the time.
    /// </summary>
    private static void PatchAxpyEvenOfZero(PatchRuns runs, int j, double scale, ReadOnlySpan<double> x, Span<double> target)
    {
        for (int n = runs.First[j]; n < runs.First[j + 1]; n++)
        {
            int length = runs.Length[n];
            VectorMath.MultiplyAdd(scale, x.Slice(runs.Start[n], length), target.Slice(runs.Tap[n], length));
        }
    }
}
