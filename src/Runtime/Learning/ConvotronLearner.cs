using System;

namespace Convotron;

/// <summary>Options of <see cref="ConvotronLearner"/>: Goel, Klivans &amp; Meka's Convotron with the output layer known.</summary>
public sealed record ConvotronOptions
{
    /// <summary>Training samples T (one step each); at least 1. Default 10,000.</summary>
    public long Samples { get; init; } = 10_000;

    /// <summary>The step size; default the normalised step μ = 0.5 (tuning-free).</summary>
    public StepSize Step { get; init; } = StepSize.Normalized(0.5);

    /// <summary>
    /// The known output weights a (length k); null means average pooling, a_j = 1/k (Convotron's original setting).
    /// </summary>
    public double[]? OutputWeights { get; init; }

    /// <summary>Start from w = 0 (the paper); false keeps the model's current filter. Default true.</summary>
    public bool ResetFilter { get; init; } = true;

    /// <summary>Steps between test-error evaluations (when a test set is given); 0 evaluates only at the end. Default 1,000.</summary>
    public long EvaluationInterval { get; init; } = 1_000;

    /// <summary>
    /// Update only along one patch j (Goel, Klivans &amp; Meka: with one disjoint patch, the other
    /// patches arbitrary): w ← w + η (y − f(x)) a_j P_j x, normalised η = μ / ‖a_j P_j x‖²; f is
    /// still the whole network. Patch j must share no input coordinate with another patch
    /// (<see cref="PatchGeometry.IsDisjoint"/>). Default null: the full rule along Σ_j a_j P_j x.
    /// </summary>
    /// <remarks>
    /// The other patches' errors reach the update only through the residual, as noise of size
    /// about ‖a‖ against the signal a_j: the normalised rule is stable for μ up to about
    /// 2 a_j² / ‖a‖², so take μ ≈ a_j² / ‖a‖² rather than the default 0.5 (docs/EXPERIMENTS.md).
    /// </remarks>
    public int? UpdatePatch { get; init; }

    internal void Validate(PatchGeometry geometry)
    {
        int k = geometry.PatchCount;
        Guard.AtLeast(Samples, 1);
        Guard.AtLeast(EvaluationInterval, 0);
        Step.Validate(nameof(Step));
        if (OutputWeights is not null)
        {
            Guard.Length(OutputWeights.Length, k, "k");
            Guard.AllFinite(OutputWeights);
        }
        if (UpdatePatch is int j)
        {
            if ((uint)j >= (uint)k)
                throw new ArgumentOutOfRangeException(nameof(UpdatePatch), j, $"UpdatePatch must be a patch index in [0, k) = [0, {k}); got {j}.");
            if (!geometry.IsDisjoint(j) && geometry.SharedCoordinate(j) is (int coordinate, int other))
                throw new ArgumentException($"UpdatePatch = {j}: patch {j} shares input coordinate {coordinate} with patch {other}; the single-patch rule needs a patch disjoint from all others.", nameof(UpdatePatch));
        }
    }
}

/// <summary>
/// The result of <see cref="ConvotronLearner.Learn"/>: <see cref="LearnerResult.SamplesUsed"/> and
/// <see cref="LearnerResult.Iterations"/> are the steps taken (one fresh sample each),
/// <see cref="LearnerResult.Curve"/> the test MSE against steps ("test_mse", empty without a test set),
/// <see cref="LearnerResult.StopReason"/> <see cref="StopReason.BudgetExhausted"/> or <see cref="StopReason.Cancelled"/>.
/// </summary>
public sealed record ConvotronResult : LearnerResult;

/// <summary>
/// Convotron (Goel, Klivans &amp; Meka 2018): learns the filter w when the output layer a is
/// known, with w ← w + η (y − f(x)) Σ_j a_j P_j x on fresh samples. No special initialisation
/// and no derivative of σ.
/// </summary>
public sealed class ConvotronLearner : ILearner
{
    /// <summary>A Convotron learner with <paramref name="options"/> (null for the defaults), for <see cref="ILearner"/> pipelines.</summary>
    public ConvotronLearner(ConvotronOptions? options = null) => Options = options ?? new ConvotronOptions();

    /// <summary>The options of this learner.</summary>
    public ConvotronOptions Options { get; }

    /// <inheritdoc/>
    LearnerResult ILearner.Learn(IConvNet model, TrainingData data, LearnerRun? run) =>
        Learn(model, data.RequireSource(nameof(ConvotronLearner)), Options, run);

    /// <summary>Runs Convotron on <paramref name="model"/> with samples from <paramref name="source"/>.</summary>
    /// <param name="model">The model; its output weights are set from the options and its filter learned.</param>
    /// <param name="source">Training samples (fresh each step).</param>
    /// <param name="options">T, the step size, the known a; null for the defaults.</param>
    /// <param name="run">
    /// Test set (learning curve and final error), progress (<see cref="LearningStage.Convotron"/>, one report per
    /// evaluation), cancellation (checked every 256 steps; the filter learned so far is kept).
    /// </param>
    /// <exception cref="LearningDivergedException">The parameters or residuals stopped being finite (the model holds the last finite state).</exception>
    public static ConvotronResult Learn(IConvNet model, ISampleSource source, ConvotronOptions? options = null, LearnerRun? run = null)
    {
        options ??= new ConvotronOptions();
        run ??= LearnerRun.Default;
        PatchGeometry geometry = LearnerArguments.Check(model, source, options, run.TestSet);
        options.Validate(geometry);

        if (options.OutputWeights is null)
            model.OutputWeights.Fill(1.0 / geometry.PatchCount);
        else
            options.OutputWeights.CopyTo(model.OutputWeights);
        if (options.ResetFilter)
            model.Filter.Clear();

        var watch = new DivergenceWatch(model, "convotron");
        var rule = new Rule(watch, new RuleScratch(geometry), options.Step, options.UpdatePatch ?? -1);
        return StreamingStage.Run<Rule, ConvotronResult>(model, source, ref rule, watch, options.Samples, options.EvaluationInterval, LearningStage.Convotron, run);
    }

    /// <summary>Convotron's step: the full rule, or the single-patch rule along patch <see cref="_patch"/> when it is ≥ 0.</summary>
    private readonly struct Rule(DivergenceWatch watch, RuleScratch scratch, StepSize step, int patch) : IStepRule
    {
        private readonly int _patch = patch;

        public bool Step<TKernel>(in TKernel kernel, Span<double> w, Span<double> a, scoped SecondModel second, ReadOnlySpan<double> x, double y, long n)
            where TKernel : struct, IPatchKernel
        {
            double residual = _patch >= 0
                ? PatchStep(kernel, _patch, w, a, x, y, step, scratch)
                : UpdateRules.Convotron(kernel, w, a, x, y, step, scratch);
            watch.Check(residual, n);
            return true;
        }
    }

    /// <summary>
    /// The single-patch step w ← w + η (y − f(x)) a_j P_j x (normalised: η = μ / ‖a_j P_j x‖², no
    /// update when that is 0), composed from the kernel's prediction and patch j's runs of x, so it
    /// runs on every model alike. Returns y − f(x) before the update.
    /// </summary>
    private static double PatchStep<TKernel>(in TKernel kernel, int j, Span<double> w, ReadOnlySpan<double> a, ReadOnlySpan<double> x, double y, StepSize step,
        RuleScratch scratch)
        where TKernel : struct, IPatchKernel
    {
        double residual = y - kernel.Forward(w, a, x, scratch.PreActivations);
        // Patch j as contiguous runs of x (one run in strided 1D, rh runs in 2D, one per channel):
        // vectorised dot products and multiply-adds instead of an indexed gather.
        PatchRuns runs = kernel.Geometry.Runs;
        int first = runs.First[j], last = runs.First[j + 1];
        double aj = a[j];
        double scale = step.Value * residual * aj;
        if (step.Rule != StepRule.Fixed)
        {
            double norm2 = 0.0;
            for (int n = first; n < last; n++)
            {
                ReadOnlySpan<double> run = x.Slice(runs.Start[n], runs.Length[n]);
                norm2 += VectorMath.Dot(run, run);
            }
            norm2 *= aj * aj;
            if (!(norm2 > 0.0))
                return residual;
            scale /= norm2;
        }
        for (int n = first; n < last; n++)
            VectorMath.MultiplyAdd(scale, x.Slice(runs.Start[n], runs.Length[n]), w.Slice(runs.Tap[n], runs.Length[n]));
        return residual;
    }
}
