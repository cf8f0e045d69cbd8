using System;
using System.Threading;

namespace Convotron;

/// <summary>
/// The learners of a teacher experiment, chained on one model: Algorithm 1, refinement, Convotron,
/// the least-squares finish and the joint learner, each drawing its samples from the seed's stream
/// of <see cref="RandomStreams"/> (training 1, refinement 2, finish rows 4), so that every command
/// and sample that chains them draws the same samples for the same seed. Call the stages in the
/// order the experiment needs; each returns its learner's result, and <see cref="SamplesUsed"/>
/// adds up the samples drawn.
/// </summary>
/// <remarks>
/// Every direct learner call of the runtime's pipelines is in this file (<see cref="TeacherChain"/>
/// and the stages of <see cref="ConvNetFit"/>). Not thread-safe: one chain per model.
/// </remarks>
public sealed class TeacherChain
{
    private readonly Teacher _teacher;
    private readonly InputDistribution _inputs;
    private readonly ulong _seed;

    /// <summary>A chain on <paramref name="model"/> (learned in place) with samples of <paramref name="teacher"/>.</summary>
    /// <param name="model">The model the stages learn, in place.</param>
    /// <param name="teacher">The teacher that labels the training samples (with its label noise).</param>
    /// <param name="inputs">The input distribution.</param>
    /// <param name="seed">The seed whose streams the stages draw from.</param>
    /// <param name="test">Optional test set: the learners' curves and final errors, and <see cref="RelativeTestMse"/>.</param>
    public TeacherChain(IConvNet model, Teacher teacher, InputDistribution inputs, ulong seed, DataSet? test = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(inputs);
        Model = model;
        _teacher = teacher;
        _inputs = inputs;
        _seed = seed;
        Test = test;
    }

    /// <summary>The model the stages learn.</summary>
    public IConvNet Model { get; }

    /// <summary>The test set given, or null.</summary>
    public DataSet? Test { get; }

    /// <summary>Training, validation and stored samples drawn by the stages so far.</summary>
    public long SamplesUsed { get; private set; }

    /// <summary>The model's test MSE over Var(y) on <see cref="Test"/>.</summary>
    /// <exception cref="InvalidOperationException">The chain has no test set.</exception>
    public double RelativeTestMse() =>
        Metrics.RelativeMeanSquaredError(Model, Test ?? throw new InvalidOperationException("The chain was created without a test set."));

    /// <summary>Du &amp; Goel's Algorithm 1 on the training stream (<see cref="RandomStreams.Training"/>).</summary>
    /// <exception cref="LearningDivergedException">A stage diverged.</exception>
    public Algorithm1Result Algorithm1(Algorithm1Options options, IProgress<LearningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Algorithm1Result result = global::Convotron.Algorithm1.Learn(Model, Stream(RandomStreams.Training), options, Run(progress, cancellationToken));
        SamplesUsed += result.SamplesUsed;
        return result;
    }

    /// <summary>The refinement stage on fresh samples (<see cref="RandomStreams.Refinement"/>).</summary>
    /// <exception cref="LearningDivergedException">w or a stopped being finite.</exception>
    public RefinementResult Refine(RefinementOptions? options = null, IProgress<LearningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        RefinementResult result = global::Convotron.Refinement.Learn(Model, Stream(RandomStreams.Refinement), options, Run(progress, cancellationToken));
        SamplesUsed += result.SamplesUsed;
        return result;
    }

    /// <summary>Convotron (e.g. with known output weights) on the training stream (<see cref="RandomStreams.Training"/>).</summary>
    /// <exception cref="LearningDivergedException">The parameters or residuals stopped being finite.</exception>
    public ConvotronResult Convotron(ConvotronOptions options, IProgress<LearningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ConvotronResult result = ConvotronLearner.Learn(Model, Stream(RandomStreams.Training), options, Run(progress, cancellationToken));
        SamplesUsed += result.SamplesUsed;
        return result;
    }

    /// <summary>The plain-SGD baseline (known output weights) on the training stream (<see cref="RandomStreams.Training"/>).</summary>
    /// <exception cref="LearningDivergedException">The parameters or residuals left ±1e100.</exception>
    public SgdResult Sgd(SgdOptions options, IProgress<LearningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        SgdResult result = SgdLearner.Learn(Model, Stream(RandomStreams.Training), options, Run(progress, cancellationToken));
        SamplesUsed += result.SamplesUsed;
        return result;
    }

    /// <summary>
    /// Nonlinear least squares on <paramref name="rows"/> stored fresh samples (<see cref="RandomStreams.FinishRows"/>):
    /// the statistically efficient finish under label noise.
    /// </summary>
    public LeastSquaresResult FinishOnRows(int rows, LeastSquaresOptions? options = null, CancellationToken cancellationToken = default) =>
        OnRows(RandomStreams.FinishRows, rows, data => LeastSquaresFinish.Learn(Model, data, options, new LearnerRun(CancellationToken: cancellationToken)));

    /// <summary>The joint learner on <paramref name="rows"/> stored samples of the training stream (<see cref="RandomStreams.Training"/>).</summary>
    public JointLearnerResult JointOnRows(int rows, JointLearnerOptions options, CancellationToken cancellationToken = default) =>
        OnRows(RandomStreams.Training, rows, data => JointLearner.Learn(Model, data, options, new LearnerRun(CancellationToken: cancellationToken)));

    private LearnerRun Run(IProgress<LearningProgress>? progress, CancellationToken cancellationToken) => new(Test, progress, cancellationToken);

    private ISampleSource Stream(ulong stream) => _teacher.Stream(_inputs, Xoshiro256StarStar.ForStream(_seed, stream));

    /// <summary>
    /// Draws <paramref name="count"/> stored rows into pooled storage, learns on them and gives the
    /// storage back: a sweep draws such rows in every run (25.6 MB for its default finish), and fresh
    /// arrays of that size cost more in page faults than the learning on them.
    /// </summary>
    private T OnRows<T>(ulong stream, int count, Func<DataSet, T> learn)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, "rows");
        DataSet rows = DataSet.Rent(Stream(stream), count);
        try
        {
            T result = learn(rows);
            SamplesUsed += count;
            return result;
        }
        finally
        {
            DataSet.Return(rows);
        }
    }
}

/// <summary>The learner calls of <see cref="ConvNetFit"/>'s stages (kept beside <see cref="TeacherChain"/>'s).</summary>
internal static class FitLearners
{
    /// <summary>Algorithm 1 with the normalised preset, T1 = T2 = <paramref name="stageSteps"/>, as the fit's first start.</summary>
    /// <exception cref="OperationCanceledException">Cancelled: the fit stops (the learner has kept its best model so far).</exception>
    public static void Algorithm1(IConvNet model, ISampleSource rows, long stageSteps, int trainRows, ulong seed, CancellationToken cancellationToken)
    {
        Algorithm1Options preset = Algorithm1Options.Normalized;
        global::Convotron.Algorithm1.Learn(model, rows, preset with
        {
            Stage1Steps = stageSteps,
            Stage2Steps = stageSteps,
            Stage1SignCheckSamples = Math.Min(preset.Stage1SignCheckSamples, trainRows),
            ValidationSamples = Math.Min(10_000, trainRows),
            EvaluationInterval = 0,
            Seed = seed,
        }, new LearnerRun(CancellationToken: cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Convotron with average pooling along patch <paramref name="patch"/> only, normalised step μ.</summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static void ConvotronAlongPatch(IConvNet model, ISampleSource rows, long steps, int patch, double mu, CancellationToken cancellationToken)
    {
        ConvotronLearner.Learn(model, rows, new ConvotronOptions
        {
            Samples = steps, EvaluationInterval = 0, UpdatePatch = patch, Step = StepSize.Normalized(mu),
        }, new LearnerRun(CancellationToken: cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The joint learner (restarts and shift moves, then the least-squares finish of at most <paramref name="finishIterations"/>).</summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static JointLearnerResult Joint(IConvNet model, DataSet rows, bool startFromModel, int finishIterations, ulong seed, CancellationToken cancellationToken)
    {
        JointLearnerResult result = JointLearner.Learn(model, rows, new JointLearnerOptions
        {
            Seed = seed,
            StartFromModel = startFromModel,
            Finish = new LeastSquaresOptions { MaxIterations = finishIterations },
        }, new LearnerRun(CancellationToken: cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }
}
