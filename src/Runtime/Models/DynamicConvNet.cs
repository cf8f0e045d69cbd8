using System;

namespace Convotron;

/// <summary>
/// The <see cref="IConvNet"/> for any geometry known only at run time (1D, 2D or a general
/// patch list): w and a over the geometry's <see cref="DynamicKernel"/>.
/// </summary>
/// <remarks>
/// Methods allocate nothing: scratch is owned by the instance, which is therefore not
/// thread-safe. Use one model per thread (<see cref="Clone"/>).
/// </remarks>
public sealed class DynamicConvNet : IConvNet
{
    private readonly double[] _w;
    private readonly double[] _a;
    private readonly double[] _z;
    private readonly DynamicKernel _kernel;

    /// <summary>A model of the given geometry and activation with w = 0 and a = 0.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="geometry"/> is null.</exception>
    public DynamicConvNet(PatchGeometry geometry, Activation activation)
        : this(new DynamicKernel(geometry, activation))
    {
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

    private DynamicConvNet(DynamicKernel kernel)
    {
        _kernel = kernel;
        PatchGeometry geometry = kernel.Geometry;
        _w = new double[geometry.FilterSize];
        _a = new double[geometry.PatchCount];
        _z = new double[geometry.PatchCount];
    }

    /// <inheritdoc/>
    public PatchGeometry Geometry => _kernel.Geometry;

    /// <inheritdoc/>
    public Activation Activation => _kernel.Activation;

    /// <inheritdoc/>
    public int FilterCount => 1;

    /// <inheritdoc/>
    public Span<double> Filter => _w;

    /// <inheritdoc/>
    public Span<double> OutputWeights => _a;

    /// <inheritdoc cref="IConvNet.Kernel"/>
    public DynamicKernel Kernel => _kernel;

    IPatchKernel IConvNet.Kernel => _kernel;

    /// <inheritdoc/>
    public double Predict(ReadOnlySpan<double> x) => _kernel.ForwardOne(_w, _a, x, _z);

    /// <inheritdoc/>
    public void HiddenActivations(ReadOnlySpan<double> x, Span<double> hidden)
    {
        Guard.Length(hidden.Length, _a.Length, "k");
        _kernel.PreActivations(_w, x, hidden);
        Activation activation = Activation;
        for (int j = 0; j < hidden.Length; j++)
            hidden[j] = activation.Apply(hidden[j]);
    }

    /// <inheritdoc/>
    public IConvNet Clone()
    {
        var clone = new DynamicConvNet(_kernel);
        _w.CopyTo(clone._w, 0);
        _a.CopyTo(clone._a, 0);
        return clone;
    }
}
