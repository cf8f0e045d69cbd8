using System;

namespace Convotron;

/// <summary>
/// A one-hidden-layer convolutional network f(x; w, a) = Σ_j a_j σ(w · P_j x) with one shared
/// filter w (length r) and output weights a (length k), and the learning updates of Convotron
/// (Goel, Klivans &amp; Meka 2018) and Du &amp; Goel's Algorithm 1 as single-sample kernels.
/// </summary>
/// <remarks>
/// Implemented by <see cref="DynamicConvNet"/> for any run-time geometry and by the classes the
/// <c>[ConvNet]</c> / <c>[ConvNet2D]</c> source generator specialises for one geometry; both have
/// the same semantics. Kernels check span lengths (an <see cref="ArgumentException"/> naming the
/// parameter) but not values. A model is mutable and not thread-safe: use one model per thread,
/// or <see cref="Clone"/> it.
/// </remarks>
public interface IConvNet
{
    /// <summary>The patch geometry (d, r, k and the patches P_j).</summary>
    PatchGeometry Geometry { get; }

    /// <summary>The activation σ.</summary>
    Activation Activation { get; }

    /// <summary>The filter w, length r; writable in place.</summary>
    Span<double> Filter { get; }

    /// <summary>The output weights a, length k; writable in place.</summary>
    Span<double> OutputWeights { get; }

    /// <summary>f(x; w, a) = Σ_j a_j σ(w · P_j x).</summary>
    double Predict(ReadOnlySpan<double> x);

    /// <summary>Writes σ(w · P_j x) for j = 0 .. k − 1 into <paramref name="hidden"/> (length k).</summary>
    void HiddenActivations(ReadOnlySpan<double> x, Span<double> hidden);

    /// <summary>
    /// Convotron: w += η (y − f(x)) Σ_j a_j P_j x. Returns y − f(x) before the update.
    /// </summary>
    double ConvotronStep(ReadOnlySpan<double> x, double y, double learningRate);

    /// <summary>
    /// Convotron with η = μ / ‖Σ_j a_j P_j x‖² (normalised LMS); no update when that norm is 0.
    /// Returns y − f(x) before the update.
    /// </summary>
    double NormalizedConvotronStep(ReadOnlySpan<double> x, double y, double mu);

    /// <summary>
    /// Du &amp; Goel's stage 1 (Double Convotron) on the non-overlapping taps of w and on a:
    /// with c = 2/(1 + α), z_j = w_non · P_j^non x, e = c (f_non(x) − y),
    /// g = e Σ_j a_j P_j^non x + ¼(‖w_non‖² − ‖a‖²) w_non and h = e z + ¼(‖a‖² − ‖w_non‖²) a,
    /// sets w_non += −η g + filterNoise and a += −η h + outputNoise. Other taps are not touched.
    /// Returns y − f_non(x) before the update.
    /// </summary>
    /// <param name="x">The input, length d.</param>
    /// <param name="y">The label.</param>
    /// <param name="learningRate">The step size η.</param>
    /// <param name="filterNoise">Added to w_non as given; one entry per non-overlapping tap.</param>
    /// <param name="outputNoise">Added to a as given; length k.</param>
    /// <exception cref="InvalidOperationException">The geometry has no non-overlapping taps.</exception>
    double DoubleConvotronStep(ReadOnlySpan<double> x, double y, double learningRate,
                               ReadOnlySpan<double> filterNoise, ReadOnlySpan<double> outputNoise);

    /// <summary>
    /// <see cref="DoubleConvotronStep"/> with the normalised step η = μ / (c² (‖v‖² + ‖z‖²)),
    /// v = Σ_j a_j P_j^non x (a project choice that keeps stage 1 stable without tuning; when
    /// ‖v‖² + ‖z‖² = 0 only the noise is added). Returns y − f_non(x) before the update.
    /// </summary>
    /// <exception cref="InvalidOperationException">The geometry has no non-overlapping taps.</exception>
    double NormalizedDoubleConvotronStep(ReadOnlySpan<double> x, double y, double mu,
                                         ReadOnlySpan<double> filterNoise, ReadOnlySpan<double> outputNoise);

    /// <summary>
    /// The gradient of (f(x) − y)²/2 (the plain-SGD baseline): ∂/∂a_j = (f − y) σ(z_j) and
    /// ∂/∂w = (f − y) Σ_j a_j σ'(z_j) P_j x, with σ'(z) = 1 for z &gt; 0 and α otherwise.
    /// Returns y − f(x).
    /// </summary>
    double Gradient(ReadOnlySpan<double> x, double y, Span<double> filterGradient, Span<double> outputGradient);

    /// <summary>An independent copy of this model: same geometry, activation, w and a.</summary>
    IConvNet Clone();
}
