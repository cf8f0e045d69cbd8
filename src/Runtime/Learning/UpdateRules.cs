using System;
using System.Runtime.CompilerServices;

namespace Convotron;

/// <summary>
/// Scratch for <see cref="UpdateRules"/>, sized once for a geometry and a filter count so that no
/// step allocates. Not thread-safe: one per thread (or per learner run).
/// </summary>
public sealed class RuleScratch
{
    /// <summary>Scratch for rules on <paramref name="geometry"/> with <paramref name="filterCount"/> filters.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="filterCount"/> is below 1.</exception>
    public RuleScratch(PatchGeometry geometry, int filterCount = 1)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        Guard.AtLeast(filterCount, 1);
        int r = geometry.FilterSize, k = geometry.PatchCount, non = geometry.NonOverlappingTaps.Length;
        PreActivations = new double[filterCount * k];
        Coefficients = new double[k];
        Direction = new double[r];
        NonOverlappingFilter = new double[non];
        NonOverlappingDirection = new double[non];
        Taps = geometry.NonOverlappingTaps.ToArray();
        // T_non as one range of taps when it is consecutive (every strided 1D geometry with one channel): a slice copy.
        TapsStart = non > 0 && Taps[^1] - Taps[0] == non - 1 ? Taps[0] : -1;
    }

    /// <summary>z, length F·k.</summary>
    internal double[] PreActivations { get; }

    /// <summary>Per-patch coefficients c_j, length k.</summary>
    internal double[] Coefficients { get; }

    /// <summary>u = Σ_j c_j P_j x, length r.</summary>
    internal double[] Direction { get; }

    /// <summary>w_non, length |T_non|.</summary>
    internal double[] NonOverlappingFilter { get; }

    /// <summary>v = Σ_j a_j P_j^non x, length |T_non|.</summary>
    internal double[] NonOverlappingDirection { get; }

    /// <summary>T_non.</summary>
    internal int[] Taps { get; }

    /// <summary>The first tap of T_non when its taps are consecutive; −1 otherwise.</summary>
    internal int TapsStart { get; }
}

/// <summary>
/// The learning rules of the papers as code over a kernel's primitives (<see cref="IPatchKernel"/>):
/// every model, generated or dynamic, runs the same rule. Generic over the kernel so that a struct
/// kernel is inlined (pass it as its own type, e.g. inside an <see cref="IKernelVisitor{TResult}"/>);
/// an <see cref="IPatchKernel"/> reference works too. One filter (F = 1): w has length r, a length k.
/// </summary>
/// <remarks>
/// Each rule returns y − f(x) (or y − f_non(x)) before the update. Lengths are checked by the
/// kernel's primitives (an <see cref="ArgumentException"/> naming the parameter), values are not.
/// </remarks>
public static class UpdateRules
{
    /// <summary>Convotron (Goel, Klivans &amp; Meka): w += η (y − f(x)) Σ_j a_j P_j x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Convotron<TKernel>(in TKernel kernel, Span<double> w, ReadOnlySpan<double> a, ReadOnlySpan<double> x,
        double y, double learningRate, RuleScratch scratch)
        where TKernel : IPatchKernel
    {
        double residual = y - kernel.Forward(w, a, x, scratch.PreActivations);
        kernel.AddPatches(x, a, learningRate * residual, w);
        return residual;
    }

    /// <summary>
    /// Convotron with η = μ / ‖u‖², u = Σ_j a_j P_j x (normalised LMS); no update when ‖u‖² is 0
    /// or not a number.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double NormalizedConvotron<TKernel>(in TKernel kernel, Span<double> w, ReadOnlySpan<double> a, ReadOnlySpan<double> x,
        double y, double mu, RuleScratch scratch)
        where TKernel : IPatchKernel
    {
        double residual = y - kernel.Forward(w, a, x, scratch.PreActivations);
        Span<double> u = scratch.Direction;
        u.Clear();
        kernel.AddPatches(x, a, 1.0, u);
        double norm2 = VectorMath.Dot(u, u);
        if (norm2 > 0.0)
            VectorMath.MultiplyAdd(mu * residual / norm2, u, w);
        return residual;
    }

    /// <summary>Either Convotron rule, as <paramref name="step"/> says.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Convotron<TKernel>(in TKernel kernel, Span<double> w, ReadOnlySpan<double> a, ReadOnlySpan<double> x,
        double y, StepSize step, RuleScratch scratch)
        where TKernel : IPatchKernel =>
        step.Rule == StepRule.Fixed
            ? Convotron(kernel, w, a, x, y, step.Value, scratch)
            : NormalizedConvotron(kernel, w, a, x, y, step.Value, scratch);

    /// <summary>
    /// Du &amp; Goel's stage 1 (Double Convotron) on the non-overlapping taps of w and on a: with
    /// c = 2/(1 + α), z_j = w_non · P_j^non x, e = c (f_non(x) − y), v = Σ_j a_j P_j^non x,
    /// balance b = ¼(‖w_non‖² − ‖a‖²), sets w_non ← w_non − η (e v + b w_non) + ξ_w and
    /// a ← a − η (e z − b a) + ξ_a, both from the old values. Other taps are not touched. With a
    /// normalised <paramref name="step"/> η = μ / (c² (‖v‖² + ‖z‖²)) (a project choice that keeps
    /// stage 1 stable without tuning; when that is 0 only the noise is added).
    /// </summary>
    /// <param name="kernel">The kernel (its geometry must have non-overlapping taps).</param>
    /// <param name="w">The filter, length r.</param>
    /// <param name="a">The output weights, length k.</param>
    /// <param name="x">The input, length d.</param>
    /// <param name="y">The label.</param>
    /// <param name="step">η, or a normalised μ.</param>
    /// <param name="filterNoise">Added to w_non as given; length |T_non|.</param>
    /// <param name="outputNoise">Added to a as given; length k.</param>
    /// <param name="scratch">Scratch for the kernel's geometry.</param>
    /// <exception cref="InvalidOperationException">The geometry has no non-overlapping taps.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double DoubleConvotron<TKernel>(in TKernel kernel, Span<double> w, Span<double> a, ReadOnlySpan<double> x,
        double y, StepSize step, ReadOnlySpan<double> filterNoise, ReadOnlySpan<double> outputNoise, RuleScratch scratch)
        where TKernel : IPatchKernel
    {
        int[] taps = scratch.Taps;
        if (taps.Length == 0)
            Guard.ThrowNoNonOverlappingPart(kernel.Geometry);
        Span<double> wNon = scratch.NonOverlappingFilter, v = scratch.NonOverlappingDirection, z = scratch.PreActivations.AsSpan(0, a.Length);
        Guard.Length(filterNoise.Length, taps.Length, "|T_non|");
        Guard.Length(outputNoise.Length, a.Length, "k");
        int start = scratch.TapsStart;
        if (start >= 0)
        {
            w.Slice(start, taps.Length).CopyTo(wNon);
        }
        else
        {
            for (int n = 0; n < taps.Length; n++)
                wNon[n] = w[taps[n]];
        }
        double fNon = kernel.ForwardNonOverlapping(wNon, a, x, z);
        v.Clear();
        kernel.AddNonOverlappingPatches(x, a, 1.0, v);
        double c = kernel.Activation.UnbiasingFactor;
        double e = c * (fNon - y);
        double eta = step.Value;
        if (step.Rule == StepRule.Normalized)
        {
            double scale = c * c * (VectorMath.Dot(v, v) + VectorMath.Dot(z, z));
            eta = scale > 0.0 ? eta / scale : 0.0;
        }
        double balance = 0.25 * (VectorMath.Dot(wNon, wNon) - VectorMath.Dot(a, a));
        if (start >= 0)
        {
            Span<double> wTaps = w.Slice(start, taps.Length);
            for (int n = 0; n < wTaps.Length; n++)
                wTaps[n] = wNon[n] - eta * (e * v[n] + balance * wNon[n]) + filterNoise[n];
        }
        else
        {
            for (int n = 0; n < taps.Length; n++)
                w[taps[n]] = wNon[n] - eta * (e * v[n] + balance * wNon[n]) + filterNoise[n];
        }
        for (int j = 0; j < a.Length; j++)
            a[j] = a[j] - eta * (e * z[j] - balance * a[j]) + outputNoise[j];
        return y - fNon;
    }

    /// <summary>
    /// The gradient of (f(x) − y)²/2 (the plain-SGD baseline): ∂/∂a_j = (f − y) σ(z_j) and
    /// ∂/∂w = (f − y) Σ_j a_j σ'(z_j) P_j x, with σ'(z) = 1 for z &gt; 0 and α otherwise. Returns y − f(x).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Gradient<TKernel>(in TKernel kernel, ReadOnlySpan<double> w, ReadOnlySpan<double> a, ReadOnlySpan<double> x,
        double y, Span<double> filterGradient, Span<double> outputGradient, RuleScratch scratch)
        where TKernel : IPatchKernel
    {
        Guard.Length(filterGradient.Length, w.Length, "r");
        Guard.Length(outputGradient.Length, a.Length, "k");
        Span<double> z = scratch.PreActivations.AsSpan(0, a.Length), coefficients = scratch.Coefficients;
        double error = kernel.Forward(w, a, x, z) - y;
        Activation activation = kernel.Activation;
        for (int j = 0; j < a.Length; j++)
        {
            outputGradient[j] = error * activation.Apply(z[j]);
            coefficients[j] = a[j] * activation.Derivative(z[j]);
        }
        filterGradient.Clear();
        kernel.AddPatches(x, coefficients, error, filterGradient);
        return -error;
    }
}

/// <summary>
/// The rules of <see cref="UpdateRules"/> bound to one model, for code that takes a step at a time
/// (tests, notebooks, benchmarks of a single step). Learners run the rules through the kernel's
/// struct type instead, which saves a virtual call per primitive.
/// </summary>
/// <remarks>Holds scratch: not thread-safe, one per model and thread.</remarks>
public sealed class ModelUpdates
{
    private readonly IConvNet _model;
    private readonly IPatchKernel _kernel;
    private readonly RuleScratch _scratch;

    /// <summary>The rules on <paramref name="model"/> (its w and a are updated in place).</summary>
    public ModelUpdates(IConvNet model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _kernel = model.Kernel;
        _scratch = new RuleScratch(model.Geometry);
    }

    /// <summary>The model updated.</summary>
    public IConvNet Model => _model;

    /// <summary><see cref="UpdateRules.Convotron{TKernel}(in TKernel, Span{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, double, double, RuleScratch)"/> on the model.</summary>
    public double Convotron(ReadOnlySpan<double> x, double y, double learningRate) =>
        UpdateRules.Convotron(_kernel, _model.Filter, _model.OutputWeights, x, y, learningRate, _scratch);

    /// <summary><see cref="UpdateRules.NormalizedConvotron"/> on the model.</summary>
    public double NormalizedConvotron(ReadOnlySpan<double> x, double y, double mu) =>
        UpdateRules.NormalizedConvotron(_kernel, _model.Filter, _model.OutputWeights, x, y, mu, _scratch);

    /// <summary><see cref="UpdateRules.DoubleConvotron"/> on the model with a fixed η.</summary>
    public double DoubleConvotron(ReadOnlySpan<double> x, double y, double learningRate, ReadOnlySpan<double> filterNoise, ReadOnlySpan<double> outputNoise) =>
        UpdateRules.DoubleConvotron(_kernel, _model.Filter, _model.OutputWeights, x, y, StepSize.Unchecked(StepRule.Fixed, learningRate), filterNoise, outputNoise, _scratch);

    /// <summary><see cref="UpdateRules.DoubleConvotron"/> on the model with a normalised μ.</summary>
    public double NormalizedDoubleConvotron(ReadOnlySpan<double> x, double y, double mu, ReadOnlySpan<double> filterNoise, ReadOnlySpan<double> outputNoise) =>
        UpdateRules.DoubleConvotron(_kernel, _model.Filter, _model.OutputWeights, x, y, StepSize.Unchecked(StepRule.Normalized, mu), filterNoise, outputNoise, _scratch);

    /// <summary><see cref="UpdateRules.Gradient"/> on the model.</summary>
    public double Gradient(ReadOnlySpan<double> x, double y, Span<double> filterGradient, Span<double> outputGradient) =>
        UpdateRules.Gradient(_kernel, _model.Filter, _model.OutputWeights, x, y, filterGradient, outputGradient, _scratch);
}
