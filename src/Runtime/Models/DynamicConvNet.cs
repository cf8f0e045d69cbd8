using System;
using System.Numerics.Tensors;

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
        for (int j = 0; j < _a.Length; j++)
            f += _a[j] * Activation.Apply(PatchDot(_runs, j, _w, x));
        return f;
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
        double norm2 = TensorPrimitives.Dot<double>(_u, _u);
        if (norm2 > 0.0)
            TensorPrimitives.MultiplyAdd<double>(_u, mu * residual / norm2, _w, _w);
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
            PatchAxpy(_runs, j, error * _a[j] * Activation.Derivative(_z[j]), x, filterGradient);
        return -error;
    }

    /// <inheritdoc/>
    public IConvNet Clone() => new DynamicConvNet(Geometry, Activation, _w, _a);

    private double Stage1Step(ReadOnlySpan<double> x, double y, double rate, bool normalized,
                              ReadOnlySpan<double> filterNoise, ReadOnlySpan<double> outputNoise)
    {
        if (_nonTaps.Length == 0)
            Guard.ThrowNoNonOverlappingPart(Geometry);
        Guard.Length(x.Length, Geometry.InputSize, "d");
        Guard.Length(filterNoise.Length, _nonTaps.Length, "|T_non|");
        Guard.Length(outputNoise.Length, _a.Length, "k");
        double[] wNon = _wNon, v = _v, z = _z, a = _a;
        for (int n = 0; n < _nonTaps.Length; n++)
            wNon[n] = _w[_nonTaps[n]];

        double fNon = 0.0;
        Array.Clear(v);
        for (int j = 0; j < a.Length; j++)
        {
            z[j] = PatchDot(_nonRuns, j, wNon, x);
            fNon += a[j] * Activation.Apply(z[j]);
            PatchAxpy(_nonRuns, j, a[j], x, v);
        }
        double c = Activation.UnbiasingFactor;
        double e = c * (fNon - y);
        double wNorm2 = TensorPrimitives.Dot<double>(wNon, wNon);
        double aNorm2 = TensorPrimitives.Dot<double>(a, a);
        double eta = rate;
        if (normalized)
        {
            double scale = c * c * (TensorPrimitives.Dot<double>(v, v) + TensorPrimitives.Dot<double>(z, z));
            eta = scale > 0.0 ? rate / scale : 0.0;
        }
        double balance = 0.25 * (wNorm2 - aNorm2);
        // w_non ← w_non − η(e v + ¼(‖w_non‖² − ‖a‖²) w_non) + ξ_w, and a likewise, from the same old values.
        for (int n = 0; n < wNon.Length; n++)
            _w[_nonTaps[n]] = wNon[n] - eta * (e * v[n] + balance * wNon[n]) + filterNoise[n];
        for (int j = 0; j < a.Length; j++)
            a[j] = a[j] - eta * (e * z[j] - balance * a[j]) + outputNoise[j];
        return y - fNon;
    }

    /// <summary>w · P_j x, run by run.</summary>
    private static double PatchDot(PatchRuns runs, int j, ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        int first = runs.First[j], last = runs.First[j + 1];
        if (last - first == 1)
            return TensorPrimitives.Dot(w.Slice(runs.Tap[first], runs.Length[first]), x.Slice(runs.Start[first], runs.Length[first]));
        double sum = 0.0;
        for (int n = first; n < last; n++)
        {
            int length = runs.Length[n];
            sum += length == 1
                ? w[runs.Tap[n]] * x[runs.Start[n]]
                : TensorPrimitives.Dot(w.Slice(runs.Tap[n], length), x.Slice(runs.Start[n], length));
        }
        return sum;
    }

    /// <summary>target += scale · P_j x, run by run.</summary>
    private static void PatchAxpy(PatchRuns runs, int j, double scale, ReadOnlySpan<double> x, Span<double> target)
    {
        for (int n = runs.First[j]; n < runs.First[j + 1]; n++)
        {
            int length = runs.Length[n];
            if (length == 1)
            {
                target[runs.Tap[n]] += scale * x[runs.Start[n]];
            }
            else
            {
                Span<double> slice = target.Slice(runs.Tap[n], length);
                TensorPrimitives.MultiplyAdd(x.Slice(runs.Start[n], length), scale, slice, slice);
            }
        }
    }
}
