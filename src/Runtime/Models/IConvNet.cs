using System;

namespace Convotron;

/// <summary>
/// A one-hidden-layer convolutional network f(x; w, a) = Σ_j a_j σ(w · P_j x) with one shared
/// filter w (length r) and output weights a (length k): its parameters, its prediction and its
/// patch kernel (<see cref="Kernel"/>), the primitives every learning rule is built from.
/// </summary>
/// <remarks>
/// Implemented by <see cref="DynamicConvNet"/> for any run-time geometry and by the classes the
/// <c>[ConvNet]</c> / <c>[ConvNet2D]</c> source generator specialises for one geometry; both have
/// the same semantics. The learning rules are not members: they are runtime code over the kernel
/// (<see cref="UpdateRules"/>, <see cref="ModelUpdates"/>), the same for every model. Methods check
/// span lengths (an <see cref="ArgumentException"/> naming the parameter) but not values. A model is
/// mutable and not thread-safe: use one model per thread, or <see cref="Clone"/> it.
/// </remarks>
public interface IConvNet
{
    /// <summary>The patch geometry (d, r, k and the patches P_j).</summary>
    PatchGeometry Geometry { get; }

    /// <summary>The activation σ.</summary>
    Activation Activation { get; }

    /// <summary>
    /// The number of filters F. The filters are stored filter-major in <see cref="Filter"/> (length F·r)
    /// and their output weights in <see cref="OutputWeights"/> (length F·k). 1 for every model today.
    /// </summary>
    int FilterCount { get; }

    /// <summary>The filter w, length F·r; writable in place.</summary>
    Span<double> Filter { get; }

    /// <summary>The output weights a, length F·k; writable in place.</summary>
    Span<double> OutputWeights { get; }

    /// <summary>The patch kernel of this model's geometry and activation (a shared, stateless value).</summary>
    IPatchKernel Kernel { get; }

    /// <summary>f(x; w, a) = Σ_j a_j σ(w · P_j x).</summary>
    double Predict(ReadOnlySpan<double> x);

    /// <summary>Writes σ(w · P_j x) for every unit into <paramref name="hidden"/> (length F·k).</summary>
    void HiddenActivations(ReadOnlySpan<double> x, Span<double> hidden);

    /// <summary>An independent copy of this model: same geometry, activation, w and a.</summary>
    IConvNet Clone();
}
