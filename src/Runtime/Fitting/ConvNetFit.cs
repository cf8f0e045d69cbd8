using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using System.Threading;

namespace Convotron;

/// <summary>
/// Learns a convolutional network from a data set, as <c>convotron fit</c> does: shuffle and split
/// the rows (training, validation), decide the centring on the data (χ² test of a zero mean; when
/// the mean is not zero, fit with and without centring and keep the better on the validation rows),
/// scale (or whiten), take a first start (Algorithm 1 where the geometry has a non-overlapping part,
/// or Convotron along one patch), run the joint learner (variable-projection Levenberg–Marquardt
/// with restarts and shift moves) and its least-squares finish, keep the first start's model when
/// the finish is worse on the validation rows, and estimate the label noise and the statistical
/// limit σ²(r + k − 1)/(n·Var y). See docs/LEARNING.md.
/// </summary>
/// <example>
/// <code>
/// FitReport report = ConvNetFit.Fit(PatchGeometry.Strided1D(8, 6, 32), Activation.ReLU, inputs, labels);
/// double prediction = report.Predict(x); // raw x in, raw y out
/// ModelFile.Save("model.json", report.Model, report.Preprocessing);
/// </code>
/// </example>
public static class ConvNetFit
{
    /// <summary>Fits a fresh model of <paramref name="geometry"/> and <paramref name="activation"/> (the dynamic model).</summary>
    /// <param name="geometry">The patch geometry; d = its input size.</param>
    /// <param name="activation">σ.</param>
    /// <param name="inputs">n × d inputs, row-major (copied); a <see cref="DataSet"/>'s are <see cref="DataSet.Inputs"/>.</param>
    /// <param name="labels">n labels (copied; <see cref="DataSet.Labels"/>).</param>
    /// <param name="options">The settings (default <see cref="FitOptions.Default"/>).</param>
    /// <param name="progress">Reports after each stage of each attempt.</param>
    /// <param name="cancellationToken">Stops the learners between steps.</param>
    /// <exception cref="ArgumentException">An argument is out of range; the exception's parameter name says which (an option by its property name).</exception>
    public static FitReport Fit(PatchGeometry geometry, Activation activation, ReadOnlySpan<double> inputs, ReadOnlySpan<double> labels,
        FitOptions? options = null, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        return Fit(new DynamicConvNet(geometry, activation), inputs, labels, options, progress, cancellationToken);
    }

    /// <summary>
    /// Fits clones of <paramref name="model"/> (e.g. a generated class of the geometry; its weights are
    /// not used, each attempt starts from w = 0, a = 0).
    /// </summary>
    /// <param name="model">A model of the geometry and activation to fit; not changed.</param>
    /// <param name="inputs">n × d inputs, row-major (copied).</param>
    /// <param name="labels">n labels (copied).</param>
    /// <param name="options">The settings (null: <see cref="FitOptions.Default"/>).</param>
    /// <param name="progress">Reports after each stage of each attempt, or null.</param>
    /// <param name="cancellationToken">Stops the learners between steps.</param>
    /// <exception cref="ArgumentException">An argument is out of range; the exception's parameter name says which (an option by its property name).</exception>
    public static FitReport Fit(IConvNet model, ReadOnlySpan<double> inputs, ReadOnlySpan<double> labels,
        FitOptions? options, IProgress<FitProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        int d = model.Geometry.InputSize;
        if (labels.Length == 0 || inputs.Length != (long)labels.Length * d)
            throw new ArgumentException($"inputs must hold n × d = {labels.Length} × {d} values (one row of d = {d} per label); got {inputs.Length}.", nameof(inputs));
        if (!TensorPrimitives.IsFiniteAll(inputs))
            throw new ArgumentException("inputs must all be finite.", nameof(inputs));
        if (!TensorPrimitives.IsFiniteAll(labels))
            throw new ArgumentException("labels must all be finite.", nameof(labels));
        return FitInPlace(model, inputs.ToArray(), labels.ToArray(), options, progress, cancellationToken);
    }

    /// <summary>The r + k − 1 parameters least squares determines (w and a up to one common scale).</summary>
    public static int ParameterCount(PatchGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        return geometry.FilterSize + geometry.PatchCount - 1;
    }

    /// <summary>The validation rows of <paramref name="rows"/> under <paramref name="validationFraction"/>: round(n·fraction).</summary>
    public static int ValidationRows(int rows, double validationFraction) => (int)Math.Round(rows * validationFraction);

    /// <summary>
    /// <see cref="Fit(IConvNet, ReadOnlySpan{double}, ReadOnlySpan{double}, FitOptions?, IProgress{FitProgress}?, CancellationToken)"/>
    /// on arrays the caller hands over: <paramref name="x"/> (at least n·d values; rows of d, the first n
    /// used) and <paramref name="y"/> (n labels) are shuffled in place, so that no copy of a large data
    /// set is made (the CLI's table is its only copy). Values must be finite.
    /// </summary>
    internal static FitReport FitInPlace(IConvNet prototype, double[] x, double[] y, FitOptions? options,
        IProgress<FitProgress>? progress, CancellationToken cancellationToken)
    {
        options ??= FitOptions.Default;
        PatchGeometry geometry = prototype.Geometry;
        int n = y.Length, d = geometry.InputSize;
        Check(options, geometry, n, x.Length);
        int trainRows = n - ValidationRows(n, options.ValidationFraction);
        Shuffle(x, y, d, Xoshiro256StarStar.ForStream(options.Seed, RandomStreams.FitShuffle));

        // Centring: a bias-free network of x is not one of x − mean(x), so centre only when it is
        // harmless (the mean is zero within sampling error) or when it fits the validation rows better.
        (double chiSquare, double threshold) = FitPreprocessing.MeanTest(x.AsSpan(0, trainRows * d), trainRows, d);
        CentringReason reason = options.Whiten ? CentringReason.Whitened
            : options.Centring == FitCentring.Never ? CentringReason.NotAllowed
            : chiSquare <= threshold ? CentringReason.MeanIsZero
            : CentringReason.MeanIsNotZero;
        bool[] candidates = reason switch
        {
            CentringReason.Whitened => [true],
            CentringReason.MeanIsNotZero => [false, true],
            _ => [false],
        };
        FitAttempt? best = null;
        var attempts = new List<FitAttempt>();
        foreach (bool center in candidates)
        {
            FitAttempt attempt = Learn(prototype, options, x, y, trainRows, center, progress, cancellationToken);
            attempts.Add(attempt);
            if (best is null || Better(attempt.ValidationRelativeMse, best.ValidationRelativeMse))
                best = attempt;
        }

        // The noise level the residuals imply, and the error least squares with the right model would have.
        int parameters = ParameterCount(geometry);
        double noiseVariance = best!.TrainMse * trainRows / Math.Max(1, trainRows - parameters);
        double limit = noiseVariance * parameters / (trainRows * best.TrainLabelVariance);
        bool nonFinite = !TensorPrimitives.IsFiniteAll<double>(best.Model.Filter) || !TensorPrimitives.IsFiniteAll<double>(best.Model.OutputWeights);
        bool failed = !(best.ValidationRelativeMse < 1.0) || nonFinite;
        return new FitReport(best, attempts, new CentringDecision(reason, chiSquare, threshold, d), trainRows, n - trainRows,
            noiseVariance, limit, nonFinite, failed);
    }

    /// <summary>Refuses options and row counts the fit cannot use, naming the parameter and the allowed range.</summary>
    private static void Check(FitOptions options, PatchGeometry geometry, int n, long values)
    {
        if (values < (long)n * geometry.InputSize)
            throw new ArgumentException($"inputs must hold n × d = {n} × {geometry.InputSize} values; got {values}.", "inputs");
        if (!(options.ValidationFraction > 0.0 && options.ValidationFraction < 1.0))
            throw new ArgumentOutOfRangeException(nameof(FitOptions.ValidationFraction), options.ValidationFraction, "ValidationFraction must be in (0, 1).");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FinishIterations, 1, nameof(FitOptions.FinishIterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.StageSteps, 1, nameof(FitOptions.StageSteps));
        if (!Enum.IsDefined(options.Centring))
            throw new ArgumentOutOfRangeException(nameof(FitOptions.Centring), options.Centring, "Centring must be Auto or Never.");
        int validation = ValidationRows(n, options.ValidationFraction);
        if (validation < 1 || n - validation < 2)
            throw new ArgumentException($"{n} rows with ValidationFraction {options.ValidationFraction} leave {n - validation} training and {validation} validation rows; need at least 2 and 1.", "labels");
        long needed = (long)ParameterCount(geometry) + 1;
        if (n - validation < needed)
            throw new ArgumentException($"{n - validation} training rows cannot determine the r + k − 1 = {needed - 1} parameters of {geometry}; need at least {needed}.", "labels");
        if (options.FinishRows < needed)
            throw new ArgumentOutOfRangeException(nameof(FitOptions.FinishRows), options.FinishRows, $"FinishRows must be at least r + k = {needed}.");
    }

    private static bool Better(double candidate, double incumbent) =>
        double.IsFinite(candidate) && (!double.IsFinite(incumbent) || candidate < incumbent);

    /// <summary>
    /// Shuffles the rows (Fisher–Yates, swaps drawn from <paramref name="shuffle"/>) of the n × d
    /// inputs and the labels alike, in place.
    /// </summary>
    private static void Shuffle(double[] x, double[] y, int d, Xoshiro256StarStar shuffle)
    {
        var swap = new double[d];
        for (int i = y.Length - 1; i > 0; i--)
        {
            int j = (int)shuffle.NextUInt64((ulong)i + 1);
            if (j == i)
                continue;
            Span<double> a = x.AsSpan(i * d, d), b = x.AsSpan(j * d, d);
            a.CopyTo(swap);
            b.CopyTo(a);
            swap.CopyTo(b);
            (y[i], y[j]) = (y[j], y[i]);
        }
    }

    /// <summary>One fit of the shuffled rows under one preprocessing.</summary>
    private static FitAttempt Learn(IConvNet prototype, FitOptions options, double[] x, double[] y, int trainRows, bool center,
        IProgress<FitProgress>? progress, CancellationToken cancellationToken)
    {
        PatchGeometry geometry = prototype.Geometry;
        int n = y.Length, d = geometry.InputSize;
        Preprocessing preprocessing = FitPreprocessing.Fit(x.AsSpan(0, trainRows * d), y.AsSpan(0, trainRows), d, center, options.Whiten);
        // The transformed rows go straight into the data sets (no intermediate copy).
        var train = DataSet.Create(d, trainRows, Transform);
        var validation = DataSet.Create(d, n - trainRows, (i, inputs) => Transform(trainRows + i, inputs));

        IConvNet model = prototype.Clone();
        model.Filter.Clear();
        model.OutputWeights.Clear();
        var curve = new List<FitCurvePoint>();
        // The first start: Convotron along one disjoint patch when asked (Goel, Klivans & Meka), else
        // Algorithm 1 where the geometry has a non-overlapping part (Du & Goel), else the joint
        // learner's own random starts.
        FitStage firstStart = options.UpdatePatch is not null ? FitStage.ConvotronAlongPatch
            : geometry.HasNonOverlappingPart ? FitStage.Algorithm1 : FitStage.Start;
        double mu = double.NaN;
        string? warning = null;
        if (firstStart != FitStage.Start)
        {
            ISampleSource stream = train.Stream(Xoshiro256StarStar.ForStream(options.Seed, RandomStreams.FitFirstStart));
            try
            {
                if (options.UpdatePatch is int patch)
                {
                    // Along one patch the other patches' errors are noise of size ‖a‖ against a_j: μ = a_j²/‖a‖² = 1/k is stable.
                    mu = 1.0 / geometry.PatchCount;
                    FitLearners.ConvotronAlongPatch(model, stream, options.StageSteps, patch, mu, cancellationToken);
                }
                else
                {
                    FitLearners.Algorithm1(model, stream, options.StageSteps, trainRows, options.Seed, cancellationToken);
                }
            }
            catch (LearningDivergedException e)
            {
                // A diverged first start is not fatal: the joint learner goes on from its last finite state.
                warning = e.Message;
                e.LastFiniteState.Filter.CopyTo(model.Filter);
                e.LastFiniteState.OutputWeights.CopyTo(model.OutputWeights);
            }
        }
        Record(firstStart);
        if (firstStart != FitStage.Start)
            progress?.Report(new FitProgress(center, curve[^1], warning));

        // Restarts and shift moves on a subset of the rows, then nonlinear least squares on all of them.
        int finishRows = (int)Math.Min(options.FinishRows, trainRows);
        DataSet finishSet = finishRows == trainRows ? train : train.Slice(0, finishRows);
        IConvNet before = model.Clone();
        JointLearnerResult joint = FitLearners.Joint(model, finishSet, firstStart != FitStage.Start, options.Finish ? options.FinishIterations : 1, options.Seed, cancellationToken);
        Record(options.Finish ? FitStage.LeastSquaresFinish : FitStage.JointSearch);
        // Never hand back a model worse on the validation rows than the guaranteed learner's.
        bool kept = firstStart != FitStage.Start && !(curve[^1].ValidationRelativeMse <= curve[0].ValidationRelativeMse);
        if (kept)
        {
            model = before;
            curve.Add(curve[0] with { Stage = FitStage.KeptFirstStart });
        }
        progress?.Report(new FitProgress(center, curve[^1] with { Stage = options.Finish ? FitStage.LeastSquaresFinish : FitStage.JointSearch }));
        double trainMse = Metrics.MeanSquaredError(model, train);
        return new FitAttempt(center, preprocessing, model, firstStart, mu, joint, finishRows, kept, curve, trainMse, train.LabelVariance);

        double Transform(int row, Span<double> inputs)
        {
            preprocessing.TransformInput(x.AsSpan(row * d, d), inputs);
            return preprocessing.TransformLabel(y[row]);
        }

        void Record(FitStage stage) => curve.Add(new FitCurvePoint(stage, Metrics.RelativeMeanSquaredError(model, train), Metrics.RelativeMeanSquaredError(model, validation)));
    }
}
