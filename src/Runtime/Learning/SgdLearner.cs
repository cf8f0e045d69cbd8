using System;

namespace Convotron;

/// <summary>Options of <see cref="SgdLearner"/>: plain stochastic gradient descent on w with the output layer known.</summary>
public sealed record SgdOptions
{
    /// <summary>Training samples T (one step each); at least 1. Default 10,000.</summary>
    public long Samples { get; init; } = 10_000;

    /// <summary>
    /// A fixed learning rate η, or a normalised step μ: η_t = μ (f − y)² / ‖∇_w‖² (Convotron's
    /// normalisation with its direction Σ_j a_j P_j x replaced by the gradient's Σ_j a_j σ'(z_j) P_j x;
    /// no step when that is 0). Default μ = 0.5.
    /// </summary>
    public StepSize Step { get; init; } = StepSize.Normalized(0.5);

    /// <summary>The known output weights a (length k); null keeps the model's own a.</summary>
    public double[]? OutputWeights { get; init; }

    /// <summary>Start from w = 0; false (default) keeps the model's current filter (w = 0 is a stationary point of a ReLU network).</summary>
    public bool ResetFilter { get; init; }

    /// <summary>Steps between test-error evaluations (when a test set is given); 0 evaluates only at the end. Default 1,000.</summary>
    public long EvaluationInterval { get; init; } = 1_000;

    internal void Validate(PatchGeometry geometry)
    {
        Guard.AtLeast(Samples, 1);
        Guard.AtLeast(EvaluationInterval, 0);
        Step.Validate(nameof(Step));
        if (OutputWeights is not null)
        {
            Guard.Length(OutputWeights.Length, geometry.PatchCount, "k");
            Guard.AllFinite(OutputWeights);
        }
    }
}

/// <summary>The result of <see cref="SgdLearner.Learn"/>.</summary>
public sealed record SgdResult : LearnerResult;

/// <summary>
/// The baseline the papers compare Convotron with: plain SGD on ½(f(x) − y)², updating only w (a
/// known): w ← w − η ∇_w with ∇_w = (f − y) Σ_j a_j σ'(z_j) P_j x. Unlike Convotron it needs the
/// activation's derivative, and w = 0 is a stationary point for ReLU, so it is started elsewhere.
/// </summary>
/// <remarks>No guarantee; used by <c>convotron compare</c> (docs/COMPARE.md).</remarks>
public sealed class SgdLearner : ILearner
{
    /// <summary>A learner with the given options (null for the defaults).</summary>
    public SgdLearner(SgdOptions? options = null) => Options = options ?? new SgdOptions();

    /// <summary>The options every call uses.</summary>
    public SgdOptions Options { get; }

    LearnerResult ILearner.Learn(IConvNet model, TrainingData data, LearnerRun? run) =>
        Learn(model, data.RequireSource(nameof(SgdLearner)), Options, run);

    /// <summary>Runs plain SGD on the filter of <paramref name="model"/> with samples from <paramref name="source"/>.</summary>
    /// <param name="model">The model; its output weights are set from the options (or kept) and its filter learned.</param>
    /// <param name="source">Training samples (fresh each step).</param>
    /// <param name="options">T, the step size, the known a; null for the defaults.</param>
    /// <param name="run">Test set, progress (<see cref="LearningStage.Sgd"/>), cancellation (checked every 256 steps).</param>
    /// <exception cref="LearningDivergedException">The parameters or residuals left ±1e100 (the model holds the last finite state).</exception>
    public static SgdResult Learn(IConvNet model, ISampleSource source, SgdOptions? options = null, LearnerRun? run = null)
    {
        options ??= new SgdOptions();
        run ??= LearnerRun.Default;
        PatchGeometry geometry = LearnerArguments.Check(model, source, options, run.TestSet);
        options.Validate(geometry);
        options.OutputWeights?.CopyTo(model.OutputWeights);
        if (options.ResetFilter)
            model.Filter.Clear();
        var watch = new DivergenceWatch(model, "sgd");
        var rule = new Rule(watch, new RuleScratch(geometry), options.Step, new double[geometry.FilterSize], new double[geometry.PatchCount]);
        return StreamingStage.Run<Rule, SgdResult>(model, source, ref rule, watch, options.Samples, options.EvaluationInterval, LearningStage.Sgd, run);
    }

    /// <summary>One SGD step from the gradient rule.</summary>
    private readonly struct Rule(DivergenceWatch watch, RuleScratch scratch, StepSize step, double[] filterGradient, double[] outputGradient) : IStepRule
    {
        public bool Step<TKernel>(in TKernel kernel, Span<double> w, Span<double> a, scoped SecondModel second, ReadOnlySpan<double> x, double y, long n)
            where TKernel : struct, IPatchKernel
        {
            double residual = UpdateRules.Gradient(kernel, w, a, x, y, filterGradient, outputGradient, scratch);
            watch.Check(residual, n);
            double eta = step.Value;
            if (step.Rule == StepRule.Normalized)
            {
                double norm2 = VectorMath.Dot(filterGradient, filterGradient);
                if (!(norm2 > 0.0))
                    return true;
                // ‖g‖² = ‖∇_w‖² / (f − y)², so η ∇_w = μ (f − y)² ∇_w / ‖∇_w‖².
                eta = step.Value * residual * residual / norm2;
            }
            for (int i = 0; i < w.Length; i++)
                w[i] -= eta * filterGradient[i];
            return true;
        }
    }
}
