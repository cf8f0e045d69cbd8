using System;
using System.Threading;

namespace Convotron;

/// <summary>The parameters of a second model that learns beside the loop's (Algorithm 1's stage 2: −a beside +a); empty otherwise.</summary>
internal readonly ref struct SecondModel(Span<double> filter, Span<double> outputWeights)
{
    public readonly Span<double> Filter = filter;
    public readonly Span<double> OutputWeights = outputWeights;
}

/// <summary>One step of a streaming learner on a sample, run by <see cref="StepLoop"/> with the kernel as its struct type.</summary>
internal interface IStepRule
{
    /// <summary>
    /// Updates on (x, y), the <paramref name="step"/>-th sample (from 1); <paramref name="w"/> and
    /// <paramref name="a"/> are the loop model's parameters, <paramref name="second"/> those of the
    /// second model given to the loop (fetched once per run, not per step). Checks its own residuals.
    /// Returns false to stop the loop after this step (e.g. a check inside the step was cancelled).
    /// </summary>
    bool Step<TKernel>(in TKernel kernel, Span<double> w, Span<double> a, scoped SecondModel second, ReadOnlySpan<double> x, double y, long step)
        where TKernel : struct, IPatchKernel;
}

/// <summary>
/// The loop every streaming learner shares: draw a sample, take a step, evaluate every so many
/// steps, stop between steps when cancelled. It runs inside the kernel's visitor, so a struct rule
/// over a struct kernel is compiled and inlined per geometry (no virtual call per step but the
/// sample source's).
/// </summary>
internal static class StepLoop
{
    /// <summary>How often (in steps, a power of two) the loop looks at the cancellation token.</summary>
    public const int CancellationInterval = 256;

    /// <summary>
    /// Runs steps 1 .. <paramref name="count"/> of <paramref name="rule"/> on <paramref name="model"/>
    /// with samples from <paramref name="source"/> into <paramref name="x"/>; calls
    /// <paramref name="evaluate"/> after every <paramref name="evaluationInterval"/>-th step except the
    /// last (0: never). Returns the steps done: <paramref name="count"/>, or fewer when
    /// <paramref name="cancellationToken"/> was cancelled (checked every <see cref="CancellationInterval"/> steps)
    /// or the rule stopped the loop. <paramref name="second"/>, when given, is passed to every step as a <see cref="SecondModel"/>.
    /// </summary>
    public static long Run<TRule>(IConvNet model, ref TRule rule, ISampleSource source, double[] x, long count,
        long evaluationInterval, Action<long>? evaluate, CancellationToken cancellationToken, IConvNet? second = null)
        where TRule : struct, IStepRule
    {
        var runner = new Runner<TRule>(model, second, rule, source, x, count, evaluationInterval, evaluate, cancellationToken);
        long done = model.Kernel.Accept(runner);
        rule = runner.Rule;
        return done;
    }

    private sealed class Runner<TRule>(IConvNet model, IConvNet? second, TRule rule, ISampleSource source, double[] x, long count,
        long evaluationInterval, Action<long>? evaluate, CancellationToken cancellationToken) : IKernelVisitor<long>
        where TRule : struct, IStepRule
    {
        public TRule Rule = rule;

        public long Visit<TKernel>(TKernel kernel) where TKernel : struct, IPatchKernel
        {
            Span<double> w = model.Filter, a = model.OutputWeights;
            var other = second is null ? default : new SecondModel(second.Filter, second.OutputWeights);
            ISampleSource samples = source;
            double[] input = x;
            long total = count, interval = evaluationInterval;
            long next = interval > 0 ? interval : long.MaxValue;
            // The rule in a local (copied back at the end), so that the JIT can keep its fields in
            // registers across the calls of a step rather than reload them through the heap object.
            TRule step = Rule;
            long done = total;
            for (long n = 1; n <= total; n++)
            {
                if ((n & (CancellationInterval - 1)) == 0 && cancellationToken.IsCancellationRequested)
                {
                    done = n - 1;
                    break;
                }
                double y = samples.Next(input);
                if (!step.Step(kernel, w, a, other, input, y, n))
                {
                    done = n;
                    break;
                }
                if (n == next)
                {
                    next += interval;
                    if (n != total)
                        evaluate?.Invoke(n);
                }
            }
            Rule = step;
            return done;
        }
    }
}

/// <summary>
/// The body every single-stage streaming learner shares around <see cref="StepLoop"/>: the test-error
/// curve and progress at every evaluation, the divergence check at the end, and the result.
/// </summary>
internal static class StreamingStage
{
    /// <summary>
    /// Runs <paramref name="rule"/> for up to <paramref name="samples"/> steps and returns the result:
    /// samples used, the test-MSE curve (when <paramref name="run"/> has a test set), the final test
    /// errors, and <see cref="StopReason.BudgetExhausted"/> or <see cref="StopReason.Cancelled"/>.
    /// </summary>
    public static TResult Run<TRule, TResult>(IConvNet model, ISampleSource source, ref TRule rule, DivergenceWatch watch,
        long samples, long evaluationInterval, LearningStage stage, LearnerRun run)
        where TRule : struct, IStepRule
        where TResult : LearnerResult, new()
    {
        DataSet? testSet = run.TestSet;
        var curve = new LearningCurve("test_mse");
        var x = new double[model.Geometry.InputSize];
        Evaluate(0);
        long done = StepLoop.Run(model, ref rule, source, x, samples, evaluationInterval, Evaluate, run.CancellationToken);
        watch.CheckParameters(done);
        if (!curve.EndsAt(done))
            Evaluate(done);
        double mse = testSet is null ? double.NaN : curve.Last;
        return new TResult
        {
            SamplesUsed = done,
            Iterations = done,
            Curve = curve,
            TestMse = mse,
            RelativeTestMse = testSet is null ? double.NaN : Metrics.Relative(mse, testSet),
            StopReason = done < samples ? StopReason.Cancelled : StopReason.BudgetExhausted,
        };

        void Evaluate(long step)
        {
            double value = double.NaN;
            if (testSet is not null)
            {
                value = Metrics.MeanSquaredError(model, testSet);
                curve.Add(step, value);
            }
            run.Progress?.Report(new LearningProgress(stage, step, samples, value));
        }
    }
}
