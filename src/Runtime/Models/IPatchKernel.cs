using System;

namespace Convotron;

/// <summary>
/// The geometry-specific primitives every learning rule is built from: the pre-activations of
/// all patches for given filters, the prediction, and multiply-adds of patches into a direction,
/// plus the same on the non-overlapping taps that Du &amp; Goel's stage 1 needs. Learning rules
/// (<see cref="UpdateRules"/>) and the least-squares finish are runtime code over these.
/// </summary>
/// <remarks>
/// <para>
/// Implemented by <see cref="DynamicKernel"/> for any run-time geometry and by a struct the
/// <c>[ConvNet]</c> / <c>[ConvNet2D]</c> source generator emits for one geometry (loops
/// unrolled, offsets constant). Kernels are stateless values: the filters, output weights and
/// scratch are passed in. Code that runs a kernel per sample takes it as a generic struct
/// argument (<c>where TKernel : struct, IPatchKernel</c>, reached through
/// <see cref="Accept{TResult}"/>) so that the JIT inlines it; through the interface it works
/// the same, one virtual call per primitive slower.
/// </para>
/// <para>
/// Filters: F filters of length r are stored filter-major (filter f at f·r), their output
/// weights and pre-activations likewise (unit (f, j) at f·k + j); F is the filter span's length
/// over r. The non-overlapping primitives are for one filter.
/// </para>
/// </remarks>
public interface IPatchKernel
{
    /// <summary>The patch geometry (d, r, k and the patches P_j).</summary>
    PatchGeometry Geometry { get; }

    /// <summary>The activation σ.</summary>
    Activation Activation { get; }

    /// <summary>
    /// z_(f,j) = w_f · P_j x for every filter f and patch j into <paramref name="preActivations"/>
    /// (length F·k); returns f(x) = Σ_(f,j) a_(f,j) σ(z_(f,j)).
    /// </summary>
    /// <param name="filters">The filters w, length F·r.</param>
    /// <param name="outputWeights">The output weights a, length F·k.</param>
    /// <param name="x">The input, length d.</param>
    /// <param name="preActivations">Written: z, length F·k.</param>
    /// <exception cref="ArgumentException">A span's length is not the one stated.</exception>
    double Forward(ReadOnlySpan<double> filters, ReadOnlySpan<double> outputWeights, ReadOnlySpan<double> x, Span<double> preActivations);

    /// <summary>z_(f,j) = w_f · P_j x for every filter f and patch j (the same bits as <see cref="Forward"/>'s z).</summary>
    /// <exception cref="ArgumentException">A span's length is not the one stated in <see cref="Forward"/>.</exception>
    void PreActivations(ReadOnlySpan<double> filters, ReadOnlySpan<double> x, Span<double> preActivations);

    /// <summary>
    /// target += scale · Σ_j c_j P_j x: the direction of one filter (target length r, c length k).
    /// </summary>
    /// <exception cref="ArgumentException">A span's length is not d, k or r.</exception>
    void AddPatches(ReadOnlySpan<double> x, ReadOnlySpan<double> coefficients, double scale, Span<double> target);

    /// <summary>
    /// z_j = w_non · P_j^non x for every patch j (P_j^non x: patch j at the non-overlapping taps,
    /// <see cref="PatchGeometry.NonOverlappingTaps"/>); returns Σ_j a_j σ(z_j). One filter.
    /// </summary>
    /// <param name="nonOverlappingFilter">w at the non-overlapping taps, length |T_non|.</param>
    /// <param name="outputWeights">a, length k.</param>
    /// <param name="x">The input, length d.</param>
    /// <param name="preActivations">Written: z, length k.</param>
    /// <exception cref="InvalidOperationException">The geometry has no non-overlapping taps.</exception>
    double ForwardNonOverlapping(ReadOnlySpan<double> nonOverlappingFilter, ReadOnlySpan<double> outputWeights, ReadOnlySpan<double> x, Span<double> preActivations);

    /// <summary>target += scale · Σ_j c_j P_j^non x (target length |T_non|, c length k). One filter.</summary>
    /// <exception cref="InvalidOperationException">The geometry has no non-overlapping taps.</exception>
    void AddNonOverlappingPatches(ReadOnlySpan<double> x, ReadOnlySpan<double> coefficients, double scale, Span<double> target);

    /// <summary>
    /// Calls <paramref name="visitor"/> with this kernel as its own struct type, so that code
    /// running it per sample is compiled for this geometry (one virtual call per run, none per sample).
    /// </summary>
    TResult Accept<TResult>(IKernelVisitor<TResult> visitor);
}

/// <summary>
/// Code to run with a kernel known as a struct type (<see cref="IPatchKernel.Accept{TResult}"/>):
/// the JIT compiles <see cref="Visit{TKernel}"/> once per kernel type and inlines its primitives.
/// </summary>
/// <typeparam name="TResult">What the visit returns.</typeparam>
public interface IKernelVisitor<out TResult>
{
    /// <summary>Runs with <paramref name="kernel"/>.</summary>
    TResult Visit<TKernel>(TKernel kernel) where TKernel : struct, IPatchKernel;
}
