using System;
using System.Numerics.Tensors;
using System.Threading;

namespace Convotron;

/// <summary>
/// Options of Du &amp; Goel's Algorithm 1. Defaults are the paper's Gaussian settings
/// (T1 = T2 = 10,000, η1 = η2 = 1e−4) with the project's T3 = 10,000.
/// </summary>
public sealed record Algorithm1Options
{
    /// <summary>The paper's settings for Gaussian inputs: T1 = T2 = 10,000, η1 = η2 = 1e−4, T3 = 10,000.</summary>
    public static Algorithm1Options PaperGaussian => new();

    /// <summary>The paper's settings for uniform inputs: T1 = 40,000, η1 = 1e−4, T2 = 100,000, η2 = 1e−5, T3 = 10,000.</summary>
    public static Algorithm1Options PaperUniform => new()
    {
        Stage1Steps = 40_000,
        Stage2Steps = 100_000,
        Stage2Step = StepSize.Fixed(1e-5),
    };

    /// <summary>
    /// The project's tuning-free settings (not the paper's): normalised steps μ = 0.5 in both
    /// stages, the stage-1 sign check on 256 samples, and averaging of the last half of stage 1;
    /// T1 = T2 = 10,000. Measured at d = 160, r = 16, s = 16 over 20 seeds: every seed reaches a
    /// relative test MSE below 1e−7. It needs a non-overlapping part of several taps; with
    /// heavy overlap (s = 9) the paper's fixed steps do better.
    /// </summary>
    public static Algorithm1Options Normalized => new()
    {
        Stage1Step = StepSize.Normalized(0.5),
        Stage2Step = StepSize.Normalized(0.5),
        Stage1SignCheckSamples = 256,
        Stage1AveragingFraction = 0.5,
    };

    /// <summary>The paper's settings for <paramref name="inputs"/> (uniform settings for the uniform distribution, Gaussian ones otherwise).</summary>
    public static Algorithm1Options Paper(InputDistribution inputs) =>
        ReferenceEquals(inputs, InputDistribution.Uniform) ? PaperUniform : PaperGaussian;

    /// <summary>T1: stage-1 (Double Convotron) steps, at least 1.</summary>
    public long Stage1Steps { get; init; } = 10_000;

    /// <summary>η1, or a normalised step μ for stage 1.</summary>
    public StepSize Stage1Step { get; init; } = StepSize.Fixed(1e-4);

    /// <summary>
    /// The scale of the stage-1 noise η·ξ (ξ uniform on the unit sphere). Null means the paper's
    /// choice: η1 for a fixed step; 1e−4 (the paper's η1) for a normalised step. 0 turns noise off.
    /// </summary>
    public double? Stage1NoiseScale { get; init; }

    /// <summary>
    /// Average the stage-1 iterates of a (and w_non) over this final fraction of stage 1 (Polyak
    /// averaging), in [0, 1); 0 (default) keeps the last iterate as the paper does.
    /// </summary>
    public double Stage1AveragingFraction { get; init; }

    /// <summary>
    /// Beyond the paper: at a quarter, half and three quarters of stage 1, compare the squared
    /// error of (w_non, a) and (−w_non, −a) on this many fresh samples and keep the better sign.
    /// Both signs minimise Du &amp; Goel's objective, but the stochastic gradients stay noisy at
    /// the sign-flipped solution (its residual is not zero), so the flipped basin has a far
    /// higher noise floor; moving to the other basin removes it. 0 (default) is the paper.
    /// The samples count as training samples.
    /// </summary>
    public int Stage1SignCheckSamples { get; init; }

    /// <summary>T2: stage-2 (Convotron with ±a fixed) steps, at least 1; both signs use the same samples.</summary>
    public long Stage2Steps { get; init; } = 10_000;

    /// <summary>η2, or a normalised step μ for stage 2.</summary>
    public StepSize Stage2Step { get; init; } = StepSize.Fixed(1e-4);

    /// <summary>T3: fresh validation samples for choosing the sign, at least 1. Default 10,000.</summary>
    public long ValidationSamples { get; init; } = 10_000;

    /// <summary>Steps between learning-curve points (stage-1 angle, stage-2 test MSE); 0 records only the ends. Default 500.</summary>
    public long EvaluationInterval { get; init; } = 500;

    /// <summary>The seed of the initialisation and the stage-1 noise (the data come from the sample source).</summary>
    public ulong Seed { get; init; }

    internal double NoiseScale => Stage1NoiseScale ?? (Stage1Step.Rule == StepRule.Fixed ? Stage1Step.Value : 1e-4);

    internal void Validate()
    {
        Guard.AtLeast(Stage1Steps, 1);
        Guard.AtLeast(Stage2Steps, 1);
        Guard.AtLeast(ValidationSamples, 1);
        Guard.AtLeast(EvaluationInterval, 0);
        Guard.AtLeast(Stage1SignCheckSamples, 0);
        Stage1Step.Validate(nameof(Stage1Step));
        Stage2Step.Validate(nameof(Stage2Step));
        if (Stage1NoiseScale is double noise && !(noise >= 0.0 && double.IsFinite(noise)))
            throw new ArgumentOutOfRangeException(nameof(Stage1NoiseScale), noise, "Stage1NoiseScale must be finite and at least 0.");
        if (!(Stage1AveragingFraction >= 0.0 && Stage1AveragingFraction < 1.0))
            throw new ArgumentOutOfRangeException(nameof(Stage1AveragingFraction), Stage1AveragingFraction, "Stage1AveragingFraction must be in [0, 1).");
    }
}

/// <summary>
/// The result of <see cref="Algorithm1.Learn"/>: <see cref="LearnerResult.SamplesUsed"/> is every
/// training and validation sample drawn (not the test set), <see cref="LearnerResult.Iterations"/> the
/// stage-1 plus stage-2 steps, <see cref="LearnerResult.Curve"/> the stage-2 test MSE of the chosen sign,
/// <see cref="LearnerResult.ValidationMse"/> the chosen pair's validation MSE, and
/// <see cref="LearnerResult.StopReason"/> <see cref="StopReason.BudgetExhausted"/> (all three stages run)
/// or <see cref="StopReason.Cancelled"/>.
/// </summary>
/// <remarks>
/// Cancelled in stage 1, the model holds the stage-1 iterate (w_non, a), stage 2 and 3 are skipped and
/// <see cref="ChosenSign"/> is 0. Cancelled in stage 2, the sign is chosen by the stage-2 residuals
/// (each measured on a fresh sample before its step, so a progressive validation on the samples both
/// signs shared) and no validation samples are drawn. Cancelled in stage 3, the sign is chosen on the
/// validation samples scored so far (by the stage-2 residuals when none was).
/// </remarks>
public sealed record Algorithm1Result : LearnerResult
{
    /// <summary>The angle between a and a* after stage 1 (radians, sign-free); NaN when the source has no teacher.</summary>
    public double Stage1Angle { get; init; } = double.NaN;

    /// <summary>The stage-1 angle against steps (empty when the source has no teacher).</summary>
    public required LearningCurve Stage1Curve { get; init; }

    /// <summary>How often the stage-1 sign check flipped (w_non, a) (see <see cref="Algorithm1Options.Stage1SignCheckSamples"/>).</summary>
    public int Stage1SignFlips { get; init; }

    /// <summary>Stage-2 test MSE of the pair with +a against steps (empty without a test set).</summary>
    public required LearningCurve Stage2PositiveCurve { get; init; }

    /// <summary>Stage-2 test MSE of the pair with −a against steps (empty without a test set).</summary>
    public required LearningCurve Stage2NegativeCurve { get; init; }

    /// <summary>+1 when stage 3 kept (w⁺, a), −1 when it kept (w⁻, −a); 0 when cancelled in stage 1.</summary>
    public int ChosenSign { get; init; }

    /// <summary>Validation MSE of (w⁺, a) (NaN when no validation sample was scored).</summary>
    public double ValidationMsePositive { get; init; } = double.NaN;

    /// <summary>Validation MSE of (w⁻, −a) (NaN when no validation sample was scored).</summary>
    public double ValidationMseNegative { get; init; } = double.NaN;

    /// <summary>Training samples drawn: T1 + T2 and the stage-1 sign checks' (the two signs of stage 2 share theirs).</summary>
    public long TrainingSamples { get; init; }

    /// <summary>Validation samples drawn: T3.</summary>
    public long ValidationSamples { get; init; }
}

/// <summary>
/// Algorithm 1 of Du &amp; Goel (2018): stage 1 (Double Convotron) learns a and the
/// non-overlapping part of w up to sign and scale; stage 2 runs Convotron with the outer layer
/// fixed to +a and to −a on the same samples; stage 3 keeps the pair with the smaller
/// validation error.
/// </summary>
public sealed class Algorithm1 : ILearner
{
    /// <summary>The stream ids that <see cref="Xoshiro256StarStar.ForStream"/> derives from a seed.</summary>
    internal const ulong InitializationStream = RandomStreams.Algorithm1Initialization, NoiseStream = RandomStreams.Algorithm1Noise;

    /// <summary>Algorithm 1 with <paramref name="options"/> (null for <see cref="Algorithm1Options.PaperGaussian"/>), for <see cref="ILearner"/> pipelines.</summary>
    public Algorithm1(Algorithm1Options? options = null) => Options = options ?? new Algorithm1Options();

    /// <summary>The options of this learner.</summary>
    public Algorithm1Options Options { get; }

    /// <inheritdoc/>
    LearnerResult ILearner.Learn(IConvNet model, TrainingData data, LearnerRun? run) =>
        Learn(model, data.RequireSource(nameof(Algorithm1)), Options, run);

    /// <summary>What the stages record while they run; <see cref="Algorithm1Result"/> is made from it at the end.</summary>
    private sealed class Tally
    {
        public double Stage1Angle = double.NaN;
        public readonly LearningCurve Stage1Curve = new("stage1_angle");
        public int Stage1SignFlips;
        public readonly LearningCurve Stage2PositiveCurve = new("stage2_test_mse_positive");
        public readonly LearningCurve Stage2NegativeCurve = new("stage2_test_mse_negative");
        public int ChosenSign;
        public double ValidationMsePositive = double.NaN, ValidationMseNegative = double.NaN;
        public long TrainingSamples, ValidationSamples, Iterations;
        public double TestMse = double.NaN, RelativeTestMse = double.NaN;
        public bool Cancelled;
    }

    /// <summary>Runs the three stages on <paramref name="model"/>, drawing samples from <paramref name="source"/>.</summary>
    /// <param name="model">Learned in place; its geometry must have non-overlapping taps.</param>
    /// <param name="source">Training and validation samples (fresh each step).</param>
    /// <param name="options">T1, T2, T3, steps, noise, averaging, seed; null for <see cref="Algorithm1Options.PaperGaussian"/>.</param>
    /// <param name="run">
    /// Test set (learning curves and final error), progress (<see cref="LearningStage.Stage1"/>,
    /// <see cref="LearningStage.Stage2"/> once per evaluation, <see cref="LearningStage.Validation"/> once),
    /// cancellation (checked every 256 steps and every 1,024 scored samples; what the model then holds is
    /// described on <see cref="Algorithm1Result"/>).
    /// </param>
    /// <exception cref="ArgumentException">The geometry has no non-overlapping taps, or an option is out of range.</exception>
    /// <exception cref="LearningDivergedException">A stage diverged; the exception carries the last finite state (also put back into the model).</exception>
    public static Algorithm1Result Learn(IConvNet model, ISampleSource source, Algorithm1Options? options = null, LearnerRun? run = null)
    {
        options ??= new Algorithm1Options();
        run ??= LearnerRun.Default;
        DataSet? testSet = run.TestSet;
        IProgress<LearningProgress>? progress = run.Progress;
        CancellationToken cancellationToken = run.CancellationToken;
        PatchGeometry geometry = LearnerArguments.Check(model, source, options, testSet);
        options.Validate();
        if (!geometry.HasNonOverlappingPart)
            throw new ArgumentException($"Algorithm 1 needs a geometry with non-overlapping taps; {geometry} has none (for strided 1D use s ≥ ⌊r/2⌋ + 1). Use ConvotronLearner with known output weights instead.", nameof(model));

        var result = new Tally();
        var x = new double[geometry.InputSize];
        RunStage1(model, source, options, result, x, progress, cancellationToken);
        if (!result.Cancelled)
            RunStage2And3(model, source, options, result, x, testSet, progress, cancellationToken);
        else if (testSet is not null)
        {
            result.TestMse = Metrics.MeanSquaredError(model, testSet);
            result.RelativeTestMse = Metrics.Relative(result.TestMse, testSet);
        }
        return new Algorithm1Result
        {
            SamplesUsed = result.TrainingSamples + result.ValidationSamples,
            Iterations = result.Iterations,
            Curve = result.ChosenSign < 0 ? result.Stage2NegativeCurve : result.Stage2PositiveCurve,
            TestMse = result.TestMse,
            RelativeTestMse = result.RelativeTestMse,
            ValidationMse = result.ChosenSign < 0 ? result.ValidationMseNegative : result.ValidationMsePositive,
            StopReason = result.Cancelled ? StopReason.Cancelled : StopReason.BudgetExhausted,
            Stage1Angle = result.Stage1Angle,
            Stage1Curve = result.Stage1Curve,
            Stage1SignFlips = result.Stage1SignFlips,
            Stage2PositiveCurve = result.Stage2PositiveCurve,
            Stage2NegativeCurve = result.Stage2NegativeCurve,
            ChosenSign = result.ChosenSign,
            ValidationMsePositive = result.ValidationMsePositive,
            ValidationMseNegative = result.ValidationMseNegative,
            TrainingSamples = result.TrainingSamples,
            ValidationSamples = result.ValidationSamples,
        };
    }

    private static void RunStage1(IConvNet model, ISampleSource source, Algorithm1Options options,
        Tally result, double[] x, IProgress<LearningProgress>? progress, CancellationToken cancellationToken)
    {
        const string stage = "stage1";
        PatchGeometry geometry = model.Geometry;
        ReadOnlySpan<int> taps = geometry.NonOverlappingTaps;
        int k = geometry.PatchCount;
        var initialization = Xoshiro256StarStar.ForStream(options.Seed, InitializationStream);
        var noise = Xoshiro256StarStar.ForStream(options.Seed, NoiseStream);

        // w_non and a start at random directions of norm 1; the overlapping taps at 0.
        var wNon = new double[taps.Length];
        RandomUnitVector(initialization, wNon);
        model.Filter.Clear();
        for (int n = 0; n < taps.Length; n++)
            model.Filter[taps[n]] = wNon[n];
        RandomUnitVector(initialization, model.OutputWeights);

        double noiseScale = options.NoiseScale;
        var filterNoise = new double[taps.Length];
        var outputNoise = new double[k];
        long averageFrom = options.Stage1AveragingFraction > 0
            ? options.Stage1Steps - (long)Math.Floor(options.Stage1AveragingFraction * options.Stage1Steps) + 1
            : long.MaxValue;
        double[]? averageA = averageFrom <= options.Stage1Steps ? new double[k] : null;
        double[]? averageW = averageA is null ? null : new double[taps.Length];
        double[]? teacherA = source.Teacher?.OutputWeights.ToArray();
        var watch = new DivergenceWatch(model, stage);
        long signInterval = Math.Max(1, options.Stage1Steps / 4);
        Evaluate(0);
        var rule = new Stage1Rule
        {
            Watch = watch,
            Scratch = new RuleScratch(geometry),
            StepSize = options.Stage1Step,
            Noise = noise,
            NoiseScale = noiseScale,
            FilterNoise = filterNoise,
            OutputNoise = outputNoise,
            Steps = options.Stage1Steps,
            SignInterval = signInterval,
            NextSignCheck = options.Stage1SignCheckSamples > 0 ? signInterval : long.MaxValue,
            CheckSign = CheckSign,
            AverageFrom = averageA is null ? long.MaxValue : averageFrom,
            AverageA = averageA,
            AverageW = averageW,
            Taps = taps.ToArray(),
        };
        long steps = StepLoop.Run(model, ref rule, source, x, options.Stage1Steps, options.EvaluationInterval, Evaluate, cancellationToken);
        result.Cancelled = steps < options.Stage1Steps;
        watch.CheckParameters(steps);
        // Cancelled: the last iterate, not a partial average.
        if (averageA is not null && !result.Cancelled)
        {
            double count = options.Stage1Steps - averageFrom + 1;
            TensorPrimitives.Divide<double>(averageA, count, model.OutputWeights);
            for (int n = 0; n < taps.Length; n++)
                model.Filter[taps[n]] = averageW![n] / count;
        }
        if (!result.Stage1Curve.EndsAt(steps))
            Evaluate(steps);
        result.Stage1Angle = result.Stage1Curve.Last;
        result.TrainingSamples += steps;
        result.Iterations += steps;

        // False when cancelled during the check (the sign is then left as it is).
        bool CheckSign()
        {
            var flipped = model.Clone();
            TensorPrimitives.Negate<double>(flipped.Filter, flipped.Filter);
            TensorPrimitives.Negate<double>(flipped.OutputWeights, flipped.OutputWeights);
            var (current, other, scored) = MeanSquaredErrors(model, flipped, source, options.Stage1SignCheckSamples, x, "the stage-1 sign check", cancellationToken);
            result.TrainingSamples += scored;
            if (scored < options.Stage1SignCheckSamples)
                return false;
            if (other < current)
            {
                flipped.Filter.CopyTo(model.Filter);
                flipped.OutputWeights.CopyTo(model.OutputWeights);
                result.Stage1SignFlips++;
                if (averageA is not null)
                {
                    TensorPrimitives.Negate<double>(averageA, averageA);
                    TensorPrimitives.Negate<double>(averageW, averageW);
                }
            }
            return true;
        }

        void Evaluate(long step)
        {
            double angle = double.NaN;
            if (teacherA is not null)
            {
                angle = Metrics.Angle(model.OutputWeights, teacherA);
                result.Stage1Curve.Add(step, angle);
            }
            progress?.Report(new LearningProgress(LearningStage.Stage1, step, options.Stage1Steps, angle));
        }
    }

    private static void RunStage2And3(IConvNet model, ISampleSource source, Algorithm1Options options,
        Tally result, double[] x, DataSet? testSet, IProgress<LearningProgress>? progress,
        CancellationToken cancellationToken)
    {
        const string stage = "stage2";
        // Both signs learn side by side on the same samples: (w⁺, a) in the caller's model, (w⁻, −a) in a clone.
        var negative = model.Clone();
        TensorPrimitives.Negate<double>(model.OutputWeights, negative.OutputWeights);
        model.Filter.Clear();
        negative.Filter.Clear();
        var watchPositive = new DivergenceWatch(model, stage + " (+a)");
        var watchNegative = new DivergenceWatch(negative, stage + " (-a)");
        Evaluate(0);
        var rule = new Stage2Rule(watchPositive, watchNegative, new RuleScratch(model.Geometry), options.Stage2Step);
        long steps = StepLoop.Run(model, ref rule, source, x, options.Stage2Steps, options.EvaluationInterval, Evaluate, cancellationToken, negative);
        result.Cancelled = steps < options.Stage2Steps;
        watchPositive.CheckParameters(steps);
        watchNegative.CheckParameters(steps);
        if (!result.Stage2PositiveCurve.EndsAt(steps))
            Evaluate(steps);
        result.TrainingSamples += steps;
        result.Iterations += steps;

        // Stage 3: fresh validation samples decide the sign. Cancelled before any was scored, the
        // stage-2 residuals decide (each on a fresh sample before its step: a progressive validation).
        long scored = 0;
        if (!result.Cancelled)
        {
            (result.ValidationMsePositive, result.ValidationMseNegative, scored) =
                MeanSquaredErrors(model, negative, source, options.ValidationSamples, x, "validation", cancellationToken);
            result.ValidationSamples = scored;
            result.Cancelled = scored < options.ValidationSamples;
        }
        result.ChosenSign = scored > 0
            ? (result.ValidationMseNegative < result.ValidationMsePositive ? -1 : 1)
            : (watchNegative.ResidualSquares < watchPositive.ResidualSquares ? -1 : 1);
        if (result.ChosenSign < 0)
        {
            negative.Filter.CopyTo(model.Filter);
            negative.OutputWeights.CopyTo(model.OutputWeights);
        }
        progress?.Report(new LearningProgress(LearningStage.Validation, scored, options.ValidationSamples,
            Math.Min(result.ValidationMsePositive, result.ValidationMseNegative)));
        if (testSet is not null)
        {
            result.TestMse = Metrics.MeanSquaredError(model, testSet);
            result.RelativeTestMse = Metrics.Relative(result.TestMse, testSet);
        }

        void Evaluate(long step)
        {
            double best = double.NaN;
            if (testSet is not null)
            {
                double positiveMse = Metrics.MeanSquaredError(model, testSet);
                double negativeMse = Metrics.MeanSquaredError(negative, testSet);
                result.Stage2PositiveCurve.Add(step, positiveMse);
                result.Stage2NegativeCurve.Add(step, negativeMse);
                best = Math.Min(positiveMse, negativeMse);
            }
            progress?.Report(new LearningProgress(LearningStage.Stage2, step, options.Stage2Steps, best));
        }
    }

    /// <summary>
    /// Stage 1's step: the stage-1 noise η·ξ, the Double Convotron rule, the sign checks at a
    /// quarter, half and three quarters of the stage, and the running sums of the averaging.
    /// </summary>
    private struct Stage1Rule : IStepRule
    {
        public DivergenceWatch Watch;
        public RuleScratch Scratch;
        public StepSize StepSize;
        public Xoshiro256StarStar Noise;
        public double NoiseScale;
        public double[] FilterNoise, OutputNoise;
        public long Steps, SignInterval, NextSignCheck, AverageFrom;
        public Func<bool> CheckSign;
        public double[]? AverageA, AverageW;
        public int[] Taps;

        public bool Step<TKernel>(in TKernel kernel, Span<double> w, Span<double> a, scoped SecondModel second, ReadOnlySpan<double> x, double y, long n)
            where TKernel : struct, IPatchKernel
        {
            if (NoiseScale > 0.0)
            {
                // η·ξ with ξ uniform on the sphere: the scale and the normalisation in one multiply.
                RandomUnitVector(Noise, FilterNoise, NoiseScale);
                RandomUnitVector(Noise, OutputNoise, NoiseScale);
            }
            Watch.Check(UpdateRules.DoubleConvotron(kernel, w, a, x, y, StepSize, FilterNoise, OutputNoise, Scratch), n);
            // Countdowns instead of a 64-bit modulo per step for the sign checks.
            if (n == NextSignCheck)
            {
                NextSignCheck += SignInterval;
                // A sign check cancelled part way stops the stage after this step.
                if (n < Steps && !CheckSign())
                    return false;
            }
            if (AverageA is not null && n >= AverageFrom)
            {
                TensorPrimitives.Add<double>(AverageA, a, AverageA);
                for (int t = 0; t < Taps.Length; t++)
                    AverageW![t] += w[Taps[t]];
            }
            return true;
        }
    }

    /// <summary>Stage 2's step: Convotron with +a on the loop's model and with −a on the second model, on the same sample.</summary>
    private readonly struct Stage2Rule(DivergenceWatch watchPositive, DivergenceWatch watchNegative,
        RuleScratch scratch, StepSize step) : IStepRule
    {
        public bool Step<TKernel>(in TKernel kernel, Span<double> w, Span<double> a, scoped SecondModel second, ReadOnlySpan<double> x, double y, long n)
            where TKernel : struct, IPatchKernel
        {
            double residualPositive = UpdateRules.Convotron(kernel, w, a, x, y, step, scratch);
            double residualNegative = UpdateRules.Convotron(kernel, second.Filter, second.OutputWeights, x, y, step, scratch);
            watchPositive.Check(residualPositive, n);
            watchNegative.Check(residualNegative, n);
            return true;
        }
    }

    /// <summary>
    /// The mean squared errors of two models on the same <paramref name="count"/> fresh samples, and
    /// the samples scored: fewer than <paramref name="count"/> when cancelled (the means are then over
    /// those, NaN for none).
    /// </summary>
    private static (double First, double Second, long Scored) MeanSquaredErrors(IConvNet first, IConvNet second, ISampleSource source, long count,
        double[] x, string stage, CancellationToken cancellationToken)
    {
        double firstSum = 0.0, secondSum = 0.0;
        long n = 0;
        for (; n < count; n++)
        {
            if ((n & 1023) == 0 && cancellationToken.IsCancellationRequested)
                break;
            double y = source.Next(x);
            double e1 = first.Predict(x) - y, e2 = second.Predict(x) - y;
            if (!double.IsFinite(e1) || !double.IsFinite(e2))
                throw SampleChecks.NonFiniteSample(stage, n + 1);
            firstSum += e1 * e1;
            secondSum += e2 * e2;
        }
        return n == 0 ? (double.NaN, double.NaN, 0) : (firstSum / n, secondSum / n, n);
    }

    /// <summary>Fills <paramref name="destination"/> with <paramref name="length"/> times a direction uniform on the unit sphere.</summary>
    internal static void RandomUnitVector(Xoshiro256StarStar random, Span<double> destination, double length = 1.0)
    {
        double norm;
        do
        {
            InputDistribution.Gaussian.Sample(random, destination);
            norm = VectorMath.Norm(destination);
        }
        while (!(norm > 0.0));
        if (length == 1.0)
            TensorPrimitives.Divide<double>(destination, norm, destination);
        else
            TensorPrimitives.Multiply<double>(destination, length / norm, destination);
    }
}
