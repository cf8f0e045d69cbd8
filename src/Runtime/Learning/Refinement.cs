using System;
using System.Threading;

namespace Convotron;

/// <summary>Options of <see cref="Refinement"/>.</summary>
public sealed record RefinementOptions
{
    /// <summary>The most fresh samples refinement may draw, at least 1. Default 100,000.</summary>
    public long Samples { get; init; } = 100_000;

    /// <summary>Samples per least-squares solve for a; 0 (default) picks 2k + 8.</summary>
    public int LeastSquaresBatch { get; init; }

    /// <summary>Normalised Convotron steps on w between two solves for a; 0 (default) picks 2r.</summary>
    public int ConvotronSteps { get; init; }

    /// <summary>
    /// The Convotron step on w: normalised only (<see cref="StepSize.Normalized"/>(μ), μ in (0, 2));
    /// a fixed step is rejected by validation. Default μ = 0.5.
    /// </summary>
    public StepSize Step { get; init; } = StepSize.Normalized(0.5);

    /// <summary>
    /// Stop once a least-squares batch's mean squared residual falls below this fraction of its
    /// mean squared label (the model fits to machine precision); 0 never stops early. Default 1e−26.
    /// </summary>
    public double Tolerance { get; init; } = 1e-26;

    /// <summary>
    /// Samples between evaluations (test error when a test set is given, and the validation
    /// check that keeps the best model); 0 evaluates only at the ends. Default 5,000.
    /// </summary>
    public long EvaluationInterval { get; init; } = 5_000;

    /// <summary>
    /// Fresh samples drawn first and held out to keep the best model: the start and every
    /// evaluation are scored on them and the best (w, a) is returned, so refinement never ends
    /// worse (on these samples) than it started. They count in <see cref="Samples"/>.
    /// 0 (default) picks min(2,000, max(1, Samples/10)).
    /// </summary>
    public int ValidationSamples { get; init; }

    /// <summary>
    /// Stop once this many consecutive stall checks find no model better on the held-out
    /// validation samples than the best so far: refinement has reached its floor (under label
    /// noise, the misadjustment of its constant step μ and of a solved on small batches, which
    /// more samples lower only slowly, by keeping the best of more candidates). 0 (default) never
    /// stops early. Worth setting when a statistically efficient finish follows
    /// (<see cref="LeastSquaresFinish"/> on stored rows goes below the floor anyway): the sweep
    /// uses 2. Measured with 2 under label noise σ = 0.05 (r = 8, k = 5), it stops after about a
    /// tenth of a 400,000-sample budget at about twice the excess error the whole budget reaches.
    /// </summary>
    public int Patience { get; init; }

    /// <summary>
    /// Samples between two stall checks (each scores the model on the held-out validation
    /// samples); 0 (default) picks 5 × the validation samples, so the checks cost at most a fifth
    /// of a prediction per training sample.
    /// </summary>
    public long StallCheckInterval { get; init; }

    internal void Validate()
    {
        Guard.AtLeast(Samples, 1);
        Guard.AtLeast(EvaluationInterval, 0);
        Guard.AtLeast(LeastSquaresBatch, 0);
        Guard.AtLeast(ConvotronSteps, 0);
        Guard.AtLeast(ValidationSamples, 0);
        Guard.AtLeast(Patience, 0);
        Guard.AtLeast(StallCheckInterval, 0);
        if (ValidationSamples > Samples)
            throw new ArgumentOutOfRangeException(nameof(ValidationSamples), ValidationSamples, $"ValidationSamples must be in [0, Samples] = [0, {Samples}].");
        Step.Validate(nameof(Step));
        if (Step.Rule != StepRule.Normalized)
            throw new ArgumentException($"Refinement takes a normalised step only: use StepSize.Normalized(mu); got {Step}.", nameof(Step));
        if (!(Tolerance >= 0.0 && double.IsFinite(Tolerance)))
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "Tolerance must be finite and at least 0.");
    }
}

/// <summary>
/// The result of <see cref="Refinement.Learn"/>: <see cref="LearnerResult.SamplesUsed"/> is the fresh
/// samples drawn (the held-out ones included), <see cref="LearnerResult.Iterations"/> the least-squares
/// rounds, <see cref="LearnerResult.Curve"/> the test MSE after each evaluation ("refinement_test_mse",
/// empty without a test set), <see cref="LearnerResult.ValidationMse"/> the returned model's MSE on the
/// held-out samples (never above <see cref="InitialValidationMse"/>), and
/// <see cref="LearnerResult.StopReason"/> <see cref="StopReason.ToleranceReached"/> (a batch fitted to the
/// tolerance), <see cref="StopReason.Stalled"/> (<see cref="RefinementOptions.Patience"/> ran out),
/// <see cref="StopReason.BudgetExhausted"/> or <see cref="StopReason.Cancelled"/>.
/// </summary>
public sealed record RefinementResult : LearnerResult
{
    /// <summary>MSE of the model as given on the held-out validation samples.</summary>
    public double InitialValidationMse { get; init; } = double.NaN;

    /// <summary>Whether a model scored earlier (possibly the start) was restored because the last one was worse on the validation samples.</summary>
    public bool RestoredEarlier { get; init; }
}

/// <summary>
/// Refinement to machine precision, beyond the papers: given w the model is linear in a
/// (f = a · σ(P(x)ᵀ w)), so a is solved exactly by least squares on a small fresh batch, then
/// normalised Convotron steps move w with that a fixed; the two alternate. Starting from any
/// Algorithm-1 result it drives the error down by many orders of magnitude. The first samples are
/// held out (<see cref="RefinementOptions.ValidationSamples"/>) and the best model scored on them
/// is returned, so refinement never ends worse than it started; <see cref="LearnerResult.StopReason"/>
/// says whether it reached the tolerance. Its constant normalised step leaves a misadjustment
/// proportional to μσ² under label noise (with <see cref="RefinementOptions.Patience"/> it stops
/// once the held-out error stops falling, <see cref="StopReason.Stalled"/>), and with stored
/// rows <see cref="LeastSquaresFinish"/> is the statistically efficient finish.
/// </summary>
public sealed class Refinement : ILearner
{
    /// <summary>A refinement with <paramref name="options"/> (null for the defaults), for <see cref="ILearner"/> pipelines.</summary>
    public Refinement(RefinementOptions? options = null) => Options = options ?? new RefinementOptions();

    /// <summary>The options of this refinement.</summary>
    public RefinementOptions Options { get; }

    /// <inheritdoc/>
    LearnerResult ILearner.Learn(IConvNet model, TrainingData data, LearnerRun? run) =>
        Learn(model, data.RequireSource(nameof(Refinement)), Options, run);

    /// <summary>
    /// The held-out samples, checked finite with the stage's message, in pooled storage (refinement
    /// runs again and again in a sweep): the caller returns them with <see cref="DataSet.Return"/>.
    /// </summary>
    private static DataSet DrawValidation(ISampleSource source, int count, string stage)
    {
        DataSet validation = DataSet.Rent(source, count);
        for (int i = 0; i < count; i++)
        {
            if (!double.IsFinite(validation.Label(i)) || !Guard.AreFinite(validation.Input(i)))
            {
                DataSet.Return(validation);
                throw SampleChecks.NonFiniteSample(stage, i + 1);
            }
        }
        return validation;
    }

    /// <summary>
    /// The least-squares solution of H a = y (H: <paramref name="labels"/>.Length rows of k,
    /// row-major) into <paramref name="a"/> by Householder QR; returns ‖H a − y‖² computed from
    /// the rows, or NaN when a column is exactly dependent on the ones before it (a zero pivot: a
    /// rank-deficient batch, e.g. a dead hidden unit) or a is not finite. The same method as a
    /// general matrix library's QR solve (the normal equations lose too much on the
    /// ill-conditioned activations of uniform inputs), without its allocations and set-up, which
    /// cost more than the arithmetic of these ~40 × 17 solves run thousands of times per
    /// refinement. <paramref name="scratch"/> holds (n + 1)·k + n doubles.
    /// </summary>
    internal static double SolveBatch(ReadOnlySpan<double> hidden, ReadOnlySpan<double> labels, int k, Span<double> a, Span<double> scratch)
    {
        int n = labels.Length;
        // Column-major copy of H (column j at j·n), Qᵀy as the reflections go, and R's diagonal.
        Span<double> columns = scratch[..(n * k)], b = scratch.Slice(n * k, n), diagonal = scratch.Slice(n * k + n, k);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < k; j++)
                columns[j * n + i] = hidden[i * k + j];
        labels.CopyTo(b);
        for (int j = 0; j < Math.Min(k, n); j++)
        {
            Span<double> v = columns.Slice(j * n + j, n - j);
            double norm = Math.Sqrt(VectorMath.Dot(v, v));
            if (!(norm > 0.0))
                return double.NaN;
            double alpha = v[0] > 0.0 ? -norm : norm;
            v[0] -= alpha;
            double scale = 2.0 / VectorMath.Dot(v, v);
            diagonal[j] = alpha;
            for (int l = j + 1; l < k; l++)
            {
                Span<double> c = columns.Slice(l * n + j, n - j);
                VectorMath.MultiplyAdd(-scale * VectorMath.Dot(v, c), v, c);
            }
            Span<double> tail = b[j..];
            VectorMath.MultiplyAdd(-scale * VectorMath.Dot(v, tail), v, tail);
        }
        if (k > n)
            return double.NaN;
        // R a = (Qᵀy)[..k]: R's strict upper triangle is row j of columns l > j.
        for (int j = k - 1; j >= 0; j--)
        {
            double value = b[j];
            for (int l = j + 1; l < k; l++)
                value -= columns[l * n + j] * a[l];
            a[j] = value / diagonal[j];
        }
        if (!Guard.AreFinite(a))
            return double.NaN;
        double squares = 0.0;
        for (int i = 0; i < n; i++)
        {
            double residual = labels[i] - VectorMath.Dot(hidden.Slice(i * k, k), a);
            squares += residual * residual;
        }
        return squares;
    }

    /// <summary>Refines <paramref name="model"/> in place with fresh samples from <paramref name="source"/>.</summary>
    /// <param name="model">A model whose w already points roughly the right way (e.g. after Algorithm 1).</param>
    /// <param name="source">Fresh training samples.</param>
    /// <param name="options">Budget, batch sizes, μ, tolerance; null for the defaults.</param>
    /// <param name="run">
    /// Test set (curve and final error), progress (<see cref="LearningStage.Refinement"/>, one report per
    /// evaluation), cancellation (checked every round; the best model on the held-out samples is kept).
    /// </param>
    /// <exception cref="LearningDivergedException">w or a stopped being finite (the model holds the last finite state).</exception>
    public static RefinementResult Learn(IConvNet model, ISampleSource source, RefinementOptions? options = null, LearnerRun? run = null)
    {
        options ??= new RefinementOptions();
        run ??= LearnerRun.Default;
        DataSet? testSet = run.TestSet;
        PatchGeometry geometry = LearnerArguments.Check(model, source, options, testSet);
        options.Validate();
        int k = geometry.PatchCount, r = geometry.FilterSize;
        int batch = options.LeastSquaresBatch > 0 ? options.LeastSquaresBatch : 2 * k + 8;
        int steps = options.ConvotronSteps > 0 ? options.ConvotronSteps : 2 * r;

        const string stage = "refinement";
        int validationCount = options.ValidationSamples > 0 ? options.ValidationSamples : (int)Math.Min(2_000, Math.Max(1, options.Samples / 10));
        DataSet validation = DrawValidation(source, validationCount, stage);
        try
        {
            return Refine(model, source, options, testSet, run.Progress, validation, batch, steps, run.CancellationToken);
        }
        finally
        {
            DataSet.Return(validation);
        }
    }

    private static RefinementResult Refine(IConvNet model, ISampleSource source, RefinementOptions options, DataSet? testSet,
        IProgress<LearningProgress>? progress, DataSet validation, int batch, int steps, CancellationToken cancellationToken)
    {
        const string stage = "refinement";
        int d = model.Geometry.InputSize, k = model.Geometry.PatchCount, validationCount = validation.Count;
        long used = validationCount;
        double initialValidation = Metrics.MeanSquaredError(model, validation), bestValidation = initialValidation;
        if (!double.IsFinite(initialValidation))
            bestValidation = double.PositiveInfinity;
        var bestFilter = model.Filter.ToArray();
        var bestOutput = model.OutputWeights.ToArray();
        bool restored = false;
        StopReason stop = StopReason.BudgetExhausted;
        long checkInterval = options.StallCheckInterval > 0 ? options.StallCheckInterval : 5L * validationCount;
        long nextCheck = used + checkInterval;
        int stalls = 0;
        var curve = new LearningCurve("refinement_test_mse");
        var watch = new DivergenceWatch(model, stage);
        var updates = new ModelUpdates(model);
        var hidden = new double[batch * k];
        var labels = new double[batch];
        var a = new double[k];
        var solver = new double[(batch + 1) * k + batch];
        var row = new double[k];
        var x = new double[d];
        long nextEvaluation = 0;
        int rounds = 0;
        Evaluate();
        while (used + batch <= options.Samples)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                stop = StopReason.Cancelled;
                break;
            }
            // a ← argmin ‖H a − y‖² with H_ij = σ(w · P_j x_i).
            double labelSquares = 0.0;
            for (int i = 0; i < batch; i++)
            {
                labels[i] = source.Next(x);
                labelSquares += labels[i] * labels[i];
                Span<double> hiddenRow = hidden.AsSpan(i * k, k);
                model.HiddenActivations(x, hiddenRow);
                if (!double.IsFinite(labels[i]) || !Guard.AreFinite(hiddenRow))
                    throw SampleChecks.NonFiniteSample(stage, used + i + 1);
            }
            used += batch;
            // A rank-deficient batch (e.g. a dead hidden unit) gives no usable a: keep the old one.
            double residualSquares = SolveBatch(hidden, labels, k, a, solver);
            bool solved = double.IsFinite(residualSquares);
            if (solved)
                a.CopyTo(model.OutputWeights);
            rounds++;
            watch.CheckParameters(used);
            if (options.EvaluationInterval > 0 && used >= nextEvaluation)
                Evaluate();
            if (solved && residualSquares <= options.Tolerance * labelSquares)
            {
                stop = StopReason.ToleranceReached;
                break;
            }

            for (int n = 0; n < steps && used < options.Samples; n++)
            {
                double y = source.Next(x);
                used++;
                watch.Check(updates.NormalizedConvotron(x, y, options.Step.Value), used);
            }
            if (options.Patience > 0 && used >= nextCheck)
            {
                nextCheck = used + checkInterval;
                stalls = Score() ? 0 : stalls + 1;
                if (stalls >= options.Patience)
                {
                    stop = StopReason.Stalled;
                    break;
                }
            }
        }
        watch.CheckParameters(used);
        Evaluate();
        if (Metrics.MeanSquaredError(model, validation) is var last && !(last <= bestValidation))
        {
            bestFilter.CopyTo(model.Filter);
            bestOutput.CopyTo(model.OutputWeights);
            restored = true;
            if (testSet is not null)
                curve.Add(used, Metrics.MeanSquaredError(model, testSet));
        }
        double mse = curve.Last, relative = testSet is null ? double.NaN : Metrics.Relative(mse, testSet);
        return new RefinementResult
        {
            SamplesUsed = used,
            Iterations = rounds,
            Curve = curve,
            TestMse = mse,
            RelativeTestMse = relative,
            ValidationMse = Metrics.MeanSquaredError(model, validation),
            StopReason = stop,
            InitialValidationMse = initialValidation,
            RestoredEarlier = restored,
        };

        // Scores the model on the validation samples and keeps it when it is at least as good as
        // the best so far; true when it is strictly better (the refinement is still improving).
        bool Score()
        {
            double score = Metrics.MeanSquaredError(model, validation);
            bool better = score < bestValidation;
            if (score <= bestValidation)
            {
                bestValidation = score;
                model.Filter.CopyTo(bestFilter);
                model.OutputWeights.CopyTo(bestOutput);
            }
            return better;
        }

        void Evaluate()
        {
            Score();
            double value = double.NaN;
            if (testSet is not null)
            {
                value = Metrics.MeanSquaredError(model, testSet);
                curve.Add(used, value);
            }
            nextEvaluation = used + Math.Max(1, options.EvaluationInterval);
            progress?.Report(new LearningProgress(LearningStage.Refinement, used, options.Samples, value));
        }
    }
}
