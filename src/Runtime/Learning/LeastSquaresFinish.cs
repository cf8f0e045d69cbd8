using System;
using System.Numerics.Tensors;
using System.Threading;
using System.Runtime.CompilerServices;

namespace Convotron;

/// <summary>Options of <see cref="LeastSquaresFinish"/>.</summary>
public sealed record LeastSquaresOptions
{
    /// <summary>The most Levenberg–Marquardt iterations (accepted or rejected steps), at least 1. Default 100.</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>
    /// Stop once the residual sum of squares falls to this fraction of Σ y² (the rows are fitted to
    /// machine precision), in [0, 1). Default 1e−30.
    /// </summary>
    public double Tolerance { get; init; } = 1e-30;

    internal void Validate()
    {
        Guard.AtLeast(MaxIterations, 1);
        if (!(Tolerance >= 0.0 && Tolerance < 1.0))
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "Tolerance must be in [0, 1).");
    }
}

/// <summary>
/// The result of <see cref="LeastSquaresFinish.Learn"/>: <see cref="LearnerResult.SamplesUsed"/> is
/// the training rows the objective sums over, <see cref="LearnerResult.Iterations"/> the
/// Levenberg–Marquardt iterations, <see cref="LearnerResult.Curve"/> the training MSE after each
/// accepted step ("finish_train_mse"), and <see cref="LearnerResult.StopReason"/> one of
/// <see cref="StopReason.ToleranceReached"/>, <see cref="StopReason.Stationary"/>,
/// <see cref="StopReason.NoDescent"/>, <see cref="StopReason.IterationLimit"/>,
/// <see cref="StopReason.NoFiniteFit"/> or <see cref="StopReason.Cancelled"/>.
/// </summary>
public sealed record LeastSquaresResult : LearnerResult
{
    /// <summary>The training mean squared error of the model as given.</summary>
    public double InitialMse { get; init; } = double.NaN;

    /// <summary>The training mean squared error of the model returned (never above <see cref="InitialMse"/>).</summary>
    public double FinalMse { get; init; } = double.NaN;

    /// <summary>
    /// Derived from <see cref="LearnerResult.StopReason"/>: true when the finish stopped at the
    /// tolerance or at a stationary point of the training objective (<see cref="StopReason.ToleranceReached"/>,
    /// <see cref="StopReason.Stationary"/>, or <see cref="StopReason.NoDescent"/>: no step decreases
    /// it at any damping), false at the iteration limit, on cancellation or without a finite fit.
    /// </summary>
    public bool Converged => StopReason is StopReason.ToleranceReached or StopReason.Stationary or StopReason.NoDescent;
}

/// <summary>
/// A statistically efficient finish for any learner: nonlinear least squares on (w, a) over the
/// stored training rows, by variable projection (a is the exact least-squares solution for the
/// current w) and Levenberg–Marquardt steps on w with Kaufman's reduced Jacobian. Under Gaussian
/// label noise the least-squares estimate is the maximum-likelihood one, whose excess error
/// approaches σ²(r + k − 1)/n; on noiseless data Gauss–Newton converges quadratically to machine
/// precision. Steps are accepted only when they lower the training objective, and the model as
/// given is kept when nothing does, so the finish never ends worse than it started.
/// </summary>
/// <remarks>
/// It is a local method: started far from a good minimum it finds the nearest one. Start it from
/// a learner's result (Algorithm 1, Convotron) or use <see cref="JointLearner"/>, which adds
/// restarts and shift moves. w is kept at unit norm (σ is positively homogeneous, so the scale
/// moves into a). One evaluation costs two passes over the rows, O(n·(k·r + k²)).
/// </remarks>
public sealed class LeastSquaresFinish : ILearner
{
    /// <summary>A finish with <paramref name="options"/> (null for the defaults), for <see cref="ILearner"/> pipelines.</summary>
    public LeastSquaresFinish(LeastSquaresOptions? options = null) => Options = options ?? new LeastSquaresOptions();

    /// <summary>The options of this finish.</summary>
    public LeastSquaresOptions Options { get; }

    /// <inheritdoc/>
    LearnerResult ILearner.Learn(IConvNet model, TrainingData data, LearnerRun? run) =>
        Learn(model, data.RequireRows(nameof(LeastSquaresFinish)), Options, run);

    /// <summary>Finishes <paramref name="model"/> in place on the rows of <paramref name="train"/>.</summary>
    /// <param name="model">The model to finish (w and a are read as the start and overwritten by the result).</param>
    /// <param name="train">The training rows.</param>
    /// <param name="options">Iteration budget and tolerance; null for the defaults.</param>
    /// <param name="run">Test set, progress (<see cref="LearningStage.Finish"/>, one report per accepted step), cancellation (checked before each step; the best model so far is kept).</param>
    /// <exception cref="ArgumentException">The data set's input size is not the model's d, or an option is out of range.</exception>
    public static LeastSquaresResult Learn(IConvNet model, DataSet train, LeastSquaresOptions? options = null, LearnerRun? run = null)
    {
        options ??= new LeastSquaresOptions();
        run ??= LearnerRun.Default;
        LearnerArguments.Check(model, train, options, run.TestSet);
        options.Validate();
        using var problem = VariableProjection.Create(model.Kernel, train, train.Count);
        return LearnOn(model, problem, options.MaxIterations, options.Tolerance, run);
    }

    internal static LeastSquaresResult LearnOn(IConvNet model, VariableProjection problem, int maxIterations, double tolerance, LearnerRun run)
    {
        int rows = problem.Rows;
        double initial = problem.SumOfSquares(model.Filter, model.OutputWeights);
        var w = model.Filter.ToArray();
        var a = new double[model.Geometry.PatchCount];
        var curve = new LearningCurve("finish_train_mse");
        double loss = LevenbergMarquardt.Descend(problem, w, a, maxIterations, tolerance, run.CancellationToken, out int iterations, out StopReason stop,
            curve, run.Progress);
        if (loss < initial || !double.IsFinite(initial))
        {
            w.CopyTo(model.Filter);
            a.CopyTo(model.OutputWeights);
        }
        else
        {
            loss = initial;
        }
        double testMse = run.TestSet is null ? double.NaN : Metrics.MeanSquaredError(model, run.TestSet);
        return new LeastSquaresResult
        {
            SamplesUsed = rows,
            Iterations = iterations,
            Curve = curve,
            TestMse = testMse,
            RelativeTestMse = run.TestSet is null ? double.NaN : Metrics.Relative(testMse, run.TestSet),
            StopReason = stop,
            InitialMse = initial / rows,
            FinalMse = loss / rows,
        };
    }
}
