using System;
using System.Threading;

namespace Convotron;

/// <summary>
/// Why a learner stopped (in the manner of MathNet's <c>ExitCondition</c>): each value is one
/// exit of one loop, so a caller can tell, say, "stationary" from "gave up".
/// </summary>
public enum StopReason
{
    /// <summary>Not set; no learner returns it.</summary>
    None = 0,

    /// <summary>The sample or step budget was used up (every step of every stage was taken; for <see cref="JointLearner"/>'s search, every start was made).</summary>
    BudgetExhausted,

    /// <summary>The data were fitted to the tolerance (machine precision): a least-squares batch (<see cref="Refinement"/>) or the rows (<see cref="LeastSquaresFinish"/>, <see cref="JointLearner"/>).</summary>
    ToleranceReached,

    /// <summary>The Gauss–Newton step predicted, or an accepted step achieved, a negligible relative decrease: a stationary point of the training objective.</summary>
    Stationary,

    /// <summary>No step lowered the training objective at any damping (the damping passed 1e16).</summary>
    NoDescent,

    /// <summary><see cref="RefinementOptions.Patience"/> ran out: no better model on the held-out samples for that many checks.</summary>
    Stalled,

    /// <summary>The iteration limit (<see cref="LeastSquaresOptions.MaxIterations"/>) was reached first.</summary>
    IterationLimit,

    /// <summary>The search stopped because two starts agreed on the lowest loss (<see cref="JointLearner"/>).</summary>
    SearchAgreed,

    /// <summary>The start gave no finite fit (w zero or not finite, or a non-finite loss); the model was left as given.</summary>
    NoFiniteFit,

    /// <summary>The <see cref="LearnerRun.CancellationToken"/> was cancelled: the learner stopped at its next check and the model holds the best state so far.</summary>
    Cancelled,
}

/// <summary>The stage a <see cref="LearningProgress"/> report comes from.</summary>
public enum LearningStage
{
    /// <summary><see cref="ConvotronLearner"/>.</summary>
    Convotron,

    /// <summary><see cref="Algorithm1"/> stage 1 (Double Convotron, with its sign checks).</summary>
    Stage1,

    /// <summary><see cref="Algorithm1"/> stage 2 (Convotron with ±a fixed).</summary>
    Stage2,

    /// <summary><see cref="Algorithm1"/> stage 3 (the validation that picks the sign).</summary>
    Validation,

    /// <summary><see cref="Refinement"/>.</summary>
    Refinement,

    /// <summary><see cref="JointLearner"/>'s search over starts (one report per start).</summary>
    JointSearch,

    /// <summary>The least-squares finish (<see cref="LeastSquaresFinish"/>, and the end of <see cref="JointLearner"/>): one report per accepted step.</summary>
    Finish,

    /// <summary><see cref="SgdLearner"/>, the plain-SGD baseline.</summary>
    Sgd,
}

/// <summary>What a learner reports through <see cref="IProgress{T}"/>.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Step">Steps done in the stage (samples for the streaming stages, iterations or starts for the row learners).</param>
/// <param name="TotalSteps">Steps the stage will take at most.</param>
/// <param name="Measure">The latest measure of the stage (angle, test MSE or training MSE), NaN when none is computed.</param>
public readonly record struct LearningProgress(LearningStage Stage, long Step, long TotalSteps, double Measure);

/// <summary>
/// How one learner call is run, beside what it learns: an optional test set (learning curves and
/// the final test error), progress reports, and cancellation. Cancelling does not throw: the
/// learner stops at its next check and returns its result with <see cref="StopReason.Cancelled"/>
/// and the best model so far in the instance passed in.
/// </summary>
/// <param name="TestSet">Optional test set for the learning curves and <see cref="LearnerResult.TestMse"/>; never used to choose a model.</param>
/// <param name="Progress">Optional progress reports.</param>
/// <param name="CancellationToken">Stops the learner at its next check (every 256 steps, every round, start or iteration).</param>
public sealed record LearnerRun(DataSet? TestSet = null, IProgress<LearningProgress>? Progress = null, CancellationToken CancellationToken = default)
{
    /// <summary>No test set, no progress, no cancellation.</summary>
    public static LearnerRun Default { get; } = new();
}

/// <summary>
/// What every learner returns; the learned model is the instance passed in. Each learner's
/// sealed derived record adds its own details.
/// </summary>
public abstract record LearnerResult
{
    /// <summary>
    /// What was learned from: fresh samples drawn for the streaming learners (<see cref="ConvotronLearner"/>,
    /// <see cref="Algorithm1"/>, <see cref="Refinement"/>; training and validation samples, not the test set),
    /// training rows the objective sums over for the row learners (<see cref="LeastSquaresFinish"/>, <see cref="JointLearner"/>).
    /// </summary>
    public long SamplesUsed { get; init; }

    /// <summary>
    /// Iterations done: steps for <see cref="ConvotronLearner"/> and <see cref="Algorithm1"/> (stage 1 plus
    /// stage 2), least-squares rounds for <see cref="Refinement"/>, Levenberg–Marquardt iterations for the
    /// row learners (for <see cref="JointLearner"/>, over the search and the finish).
    /// </summary>
    public long Iterations { get; init; }

    /// <summary>The learner's main measure against steps; its <see cref="LearningCurve.Name"/> says which (empty when not measured).</summary>
    public LearningCurve Curve { get; init; } = new("none");

    /// <summary>Final test MSE (NaN without <see cref="LearnerRun.TestSet"/>).</summary>
    public double TestMse { get; init; } = double.NaN;

    /// <summary>Final test MSE / Var(y) (NaN without <see cref="LearnerRun.TestSet"/>).</summary>
    public double RelativeTestMse { get; init; } = double.NaN;

    /// <summary>The returned model's MSE on the samples the learner held out to choose it (NaN when it holds none out).</summary>
    public double ValidationMse { get; init; } = double.NaN;

    /// <summary>Why the learner stopped.</summary>
    public StopReason StopReason { get; init; }
}

/// <summary>
/// What a learner learns from: a stream of fresh samples (the streaming learners) or stored rows
/// (the row learners). Converts implicitly from a <see cref="DataSet"/> (C# allows no conversion from an
/// interface, so a stream is wrapped with <see cref="FromSource"/>).
/// </summary>
public sealed record TrainingData
{
    private TrainingData(ISampleSource? source, DataSet? rows)
    {
        Source = source;
        Rows = rows;
    }

    /// <summary>The sample stream, or null for stored rows.</summary>
    public ISampleSource? Source { get; }

    /// <summary>The stored rows, or null for a stream.</summary>
    public DataSet? Rows { get; }

    /// <summary>A stream of fresh samples.</summary>
    public static TrainingData FromSource(ISampleSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new TrainingData(source, null);
    }

    /// <summary>Stored rows.</summary>
    public static TrainingData FromRows(DataSet rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return new TrainingData(null, rows);
    }

    /// <summary>Stored rows (<see cref="FromRows"/>).</summary>
    public static implicit operator TrainingData(DataSet rows) => FromRows(rows);

    internal ISampleSource RequireSource(string learner) => Source ?? throw new ArgumentException(
        $"{learner} learns from a stream of fresh samples; pass TrainingData.FromSource(source) (stored rows can be streamed with DataSet.Stream(random)).", "data");

    internal DataSet RequireRows(string learner) => Rows ?? throw new ArgumentException(
        $"{learner} learns from stored rows; pass TrainingData.FromRows(rows) (a stream can be stored with DataSet.Draw(source, count)).", "data");
}

/// <summary>
/// A learner constructed from its options, so a pipeline can chain learners generically. Every
/// learner class also has a static <c>Learn</c> with typed data and result.
/// </summary>
public interface ILearner
{
    /// <summary>Learns <paramref name="model"/> in place from <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The data are of the wrong kind (stream vs rows) or size, or an option is out of range.</exception>
    /// <exception cref="LearningDivergedException">A streaming learner diverged; the model holds the last finite state.</exception>
    LearnerResult Learn(IConvNet model, TrainingData data, LearnerRun? run = null);
}
