using System;
using System.Collections.Generic;
using System.Threading;

namespace Convotron;

/// <summary>Options of <see cref="JointLearner"/>.</summary>
public sealed record JointLearnerOptions
{
    /// <summary>The most starts of the local method (the model as given, when usable, then random w), at least 1. Default 24.</summary>
    public int Starts { get; init; } = 24;

    /// <summary>
    /// Rows of the search (restarts and shift moves); the best start is then finished on all rows.
    /// 0 (default) picks min(n, max(1,000, 6·(r + k))).
    /// </summary>
    public int SearchRows { get; init; }

    /// <summary>Levenberg–Marquardt iterations per start in the search, at least 1. Default 30.</summary>
    public int SearchIterations { get; init; } = 30;

    /// <summary>
    /// Re-start the local method from w shifted by multiples of the stride (1D and 2D strided
    /// geometries), keeping a shift that lowers the loss. Default true.
    /// </summary>
    public bool ShiftMoves { get; init; } = true;

    /// <summary>Start from the model's own w first when it is non-zero and finite (e.g. a learner's result). Default true.</summary>
    public bool StartFromModel { get; init; } = true;

    /// <summary>The finish on all training rows.</summary>
    public LeastSquaresOptions Finish { get; init; } = new();

    /// <summary>The seed of the random starts.</summary>
    public ulong Seed { get; init; }

    internal void Validate()
    {
        Guard.AtLeast(Starts, 1);
        Guard.AtLeast(SearchRows, 0);
        Guard.AtLeast(SearchIterations, 1);
        ArgumentNullException.ThrowIfNull(Finish);
        Finish.Validate();
    }
}

/// <summary>
/// The result of <see cref="JointLearner.Learn"/>: <see cref="LearnerResult.SamplesUsed"/> is the
/// training rows, <see cref="LearnerResult.Iterations"/> the Levenberg–Marquardt iterations of the
/// search and the finish, <see cref="LearnerResult.Curve"/> the best search MSE after each start
/// ("joint_search_mse"), and <see cref="LearnerResult.StopReason"/> the finish's (see
/// <see cref="LeastSquaresResult"/>), or <see cref="StopReason.Cancelled"/> when the search was cancelled.
/// </summary>
public sealed record JointLearnerResult : LearnerResult
{
    /// <summary>Starts of the local method made (not counting shift moves).</summary>
    public int Starts { get; init; }

    /// <summary>Shift moves that lowered the search loss.</summary>
    public int ShiftsAccepted { get; init; }

    /// <summary>Rows the search used.</summary>
    public int SearchRows { get; init; }

    /// <summary>The best start's mean squared error on the search rows.</summary>
    public double SearchMse { get; init; } = double.NaN;

    /// <summary>
    /// Why the search over starts ended: <see cref="StopReason.ToleranceReached"/> (a start fitted
    /// the search rows to the tolerance), <see cref="StopReason.SearchAgreed"/> (two starts agreed
    /// on the lowest loss), <see cref="StopReason.BudgetExhausted"/> (every start made) or
    /// <see cref="StopReason.Cancelled"/>.
    /// </summary>
    public StopReason SearchStopReason { get; init; }

    /// <summary>The finish on all training rows (zero iterations when the search was cancelled).</summary>
    public required LeastSquaresResult Finish { get; init; }
}

/// <summary>
/// Learns w and a together on any geometry, including those without non-overlapping taps where
/// Algorithm 1 does not apply: variable-projection Levenberg–Marquardt (see
/// <see cref="LeastSquaresFinish"/>) from several starts on a subset of the rows, with shift moves
/// — the spurious minima at small strides are mostly copies of the true filter shifted by
/// multiples of the stride, which reproduce f except at the truncated edge taps, so the local
/// method is re-started from w shifted back — then the start with the lowest loss is finished on
/// all training rows. The search stops once a start fits the rows to machine precision or two
/// starts agree on the lowest loss.
/// </summary>
/// <remarks>
/// No paper guarantee covers this learner: its success rate is measured (docs/LEARNING.md).
/// Deterministic for a given seed.
/// </remarks>
public sealed class JointLearner : ILearner
{
    /// <summary>A joint learner with <paramref name="options"/> (null for the defaults), for <see cref="ILearner"/> pipelines.</summary>
    public JointLearner(JointLearnerOptions? options = null) => Options = options ?? new JointLearnerOptions();

    /// <summary>The options of this learner.</summary>
    public JointLearnerOptions Options { get; }

    /// <inheritdoc/>
    LearnerResult ILearner.Learn(IConvNet model, TrainingData data, LearnerRun? run) =>
        Learn(model, data.RequireRows(nameof(JointLearner)), Options, run);

    /// <summary>The stream id of the random starts (see <see cref="Xoshiro256StarStar.ForStream"/>).</summary>
    internal const ulong StartStream = RandomStreams.JointLearnerStarts;

    /// <summary>Learns <paramref name="model"/> in place from the rows of <paramref name="train"/> (which should be in random order: the search uses a prefix).</summary>
    /// <param name="model">Its w is the first start when <see cref="JointLearnerOptions.StartFromModel"/>; w and a are overwritten.</param>
    /// <param name="train">The training rows.</param>
    /// <param name="options">Starts, search size, shift moves, finish, seed; null for the defaults.</param>
    /// <param name="run">
    /// Test set, progress (<see cref="LearningStage.JointSearch"/> once per start with the best search MSE,
    /// then <see cref="LearningStage.Finish"/>), cancellation (checked between starts and iterations: the
    /// best start so far is put into the model and the finish takes no step).
    /// </param>
    /// <exception cref="ArgumentException">The data set's input size is not the model's d, or an option is out of range.</exception>
    public static JointLearnerResult Learn(IConvNet model, DataSet train, JointLearnerOptions? options = null, LearnerRun? run = null)
    {
        options ??= new JointLearnerOptions();
        run ??= LearnerRun.Default;
        LearnerArguments.Check(model, train, options, run.TestSet);
        options.Validate();
        CancellationToken cancellationToken = run.CancellationToken;
        PatchGeometry geometry = model.Geometry;
        int r = geometry.FilterSize, k = geometry.PatchCount;
        int searchRows = options.SearchRows > 0 ? Math.Min(options.SearchRows, train.Count) : Math.Min(train.Count, Math.Max(1_000, 6 * (r + k)));
        using var search = VariableProjection.Create(model.Kernel, train, searchRows);
        using VariableProjection? all = searchRows == train.Count ? null : VariableProjection.Create(model.Kernel, train, train.Count);
        VariableProjection full = all ?? search;
        double target = options.Finish.Tolerance * search.LabelSquares;
        var random = Xoshiro256StarStar.ForStream(options.Seed, StartStream);
        List<int[]> shifts = options.ShiftMoves ? Shifts(geometry) : [];

        var bestW = new double[r];
        var bestA = new double[k];
        double best = double.PositiveInfinity;
        int agreeing = 0, starts = 0, accepted = 0;
        long iterations = 0;
        var w = new double[r];
        var a = new double[k];
        var curve = new LearningCurve("joint_search_mse");
        StopReason searchStop = StopReason.BudgetExhausted;
        bool modelUsable = options.StartFromModel && LevenbergMarquardt.Normalize(model.Filter.ToArray());
        for (int start = 0; start < options.Starts; start++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                searchStop = StopReason.Cancelled;
                break;
            }
            if (start == 0 && modelUsable)
                model.Filter.CopyTo(w);
            else
                InputDistribution.Gaussian.Sample(random, w);
            starts++;
            double loss = LevenbergMarquardt.Descend(search, w, a, options.SearchIterations, options.Finish.Tolerance, cancellationToken, out int done, out _);
            iterations += done;
            if (shifts.Count > 0 && double.IsFinite(loss) && loss > target)
                loss = ShiftMoves(search, geometry, shifts, w, a, loss, options, ref accepted, ref iterations, cancellationToken);
            if (!double.IsFinite(loss))
            {
                Report();
                continue;
            }
            if (loss < best * (1.0 - 1e-6))
            {
                agreeing = 1;
                best = loss;
                w.CopyTo(bestW, 0);
                a.CopyTo(bestA, 0);
            }
            else if (loss <= best * (1.0 + 1e-6))
            {
                agreeing++;
            }
            Report();
            if (best <= target)
            {
                searchStop = StopReason.ToleranceReached;
                break;
            }
            if (agreeing >= 2)
            {
                searchStop = StopReason.SearchAgreed;
                break;
            }
        }
        // Cancelled inside the last start's descent: the loop ran out, but the search did not finish.
        if (searchStop == StopReason.BudgetExhausted && cancellationToken.IsCancellationRequested)
            searchStop = StopReason.Cancelled;
        double initial = full.SumOfSquares(model.Filter, model.OutputWeights);
        if (double.IsFinite(best))
        {
            bestW.CopyTo(model.Filter);
            bestA.CopyTo(model.OutputWeights);
        }
        // After a cancelled search the finish stops before its first step (StopReason.Cancelled), only measuring the best start on all rows.
        LeastSquaresResult finish = LeastSquaresFinish.LearnOn(model, full, options.Finish.MaxIterations, options.Finish.Tolerance, run);
        // Report against the model as it was given: the learner never hands back a worse fit of the rows.
        finish = finish with { InitialMse = double.IsFinite(initial) ? initial / full.Rows : double.NaN };
        return new JointLearnerResult
        {
            SamplesUsed = train.Count,
            Iterations = iterations + finish.Iterations,
            Curve = curve,
            TestMse = finish.TestMse,
            RelativeTestMse = finish.RelativeTestMse,
            StopReason = searchStop == StopReason.Cancelled ? StopReason.Cancelled : finish.StopReason,
            Starts = starts,
            ShiftsAccepted = accepted,
            SearchRows = searchRows,
            SearchMse = best / searchRows,
            SearchStopReason = searchStop,
            Finish = finish,
        };

        void Report()
        {
            double mse = best / searchRows;
            if (double.IsFinite(mse))
                curve.Add(starts, mse);
            run.Progress?.Report(new LearningProgress(LearningStage.JointSearch, starts, options.Starts, mse));
        }
    }

    /// <summary>Shift moves: evaluate w shifted by each offset, run the local method from the two best, keep one that lowers the loss; repeat while it does.</summary>
    private static double ShiftMoves(VariableProjection search, PatchGeometry geometry, List<int[]> shifts, double[] w, double[] a,
        double loss, JointLearnerOptions options, ref int accepted, ref long iterations, CancellationToken cancellationToken)
    {
        int r = w.Length;
        var shifted = new double[r];
        var trialA = new double[a.Length];
        var scored = new List<(double Loss, int Index)>(shifts.Count);
        double target = options.Finish.Tolerance * search.LabelSquares;
        for (int round = 0; round < 4 && loss > target && !cancellationToken.IsCancellationRequested; round++)
        {
            scored.Clear();
            for (int m = 0; m < shifts.Count; m++)
            {
                Shift(geometry, w, shifts[m], shifted);
                if (!LevenbergMarquardt.Normalize(shifted))
                    continue;
                double value = search.Evaluate(shifted, trialA, default, default);
                if (double.IsFinite(value))
                    scored.Add((value, m));
            }
            scored.Sort((x, y) => x.Loss != y.Loss ? x.Loss.CompareTo(y.Loss) : x.Index.CompareTo(y.Index));
            bool improved = false;
            for (int c = 0; c < Math.Min(2, scored.Count) && !improved; c++)
            {
                Shift(geometry, w, shifts[scored[c].Index], shifted);
                double value = LevenbergMarquardt.Descend(search, shifted, trialA, options.SearchIterations, options.Finish.Tolerance, cancellationToken, out int done, out _);
                iterations += done;
                if (double.IsFinite(value) && value < loss * (1.0 - 1e-9))
                {
                    shifted.CopyTo(w, 0);
                    trialA.CopyTo(a, 0);
                    loss = value;
                    accepted++;
                    improved = true;
                }
            }
            if (!improved)
                break;
        }
        return loss;
    }

    /// <summary>The offsets tried: ±m·s taps for m·s ≤ r/2 in 1D; ±m·sh rows and ±m·sw columns (one axis at a time) in 2D; none otherwise.</summary>
    internal static List<int[]> Shifts(PatchGeometry geometry)
    {
        var shifts = new List<int[]>();
        if (geometry.Shape1D is { } line)
        {
            int r = line.FilterSize, s = line.Stride;
            for (int m = s; m <= Math.Max(s, r / 2) && m < r; m += s)
            {
                shifts.Add([m, 0]);
                shifts.Add([-m, 0]);
            }
        }
        else if (geometry.Shape2D is { } image)
        {
            int rh = image.FilterHeight, rw = image.FilterWidth, sh = image.StrideHeight, sw = image.StrideWidth;
            for (int m = sh; m <= Math.Max(sh, rh / 2) && m < rh; m += sh)
            {
                shifts.Add([m, 0]);
                shifts.Add([-m, 0]);
            }
            for (int m = sw; m <= Math.Max(sw, rw / 2) && m < rw; m += sw)
            {
                shifts.Add([0, m]);
                shifts.Add([0, -m]);
            }
        }
        return shifts;
    }

    /// <summary>destination[t] = w[t + offset] (zero outside the filter); in 2D over the rh × rw filter.</summary>
    internal static void Shift(PatchGeometry geometry, ReadOnlySpan<double> w, int[] offset, Span<double> destination)
    {
        destination.Clear();
        if (geometry.Shape2D is { } image)
        {
            int rh = image.FilterHeight, rw = image.FilterWidth;
            for (int u = 0; u < rh; u++)
                for (int v = 0; v < rw; v++)
                {
                    int su = u + offset[0], sv = v + offset[1];
                    if (su >= 0 && su < rh && sv >= 0 && sv < rw)
                        destination[u * rw + v] = w[su * rw + sv];
                }
            return;
        }
        for (int t = 0; t < w.Length; t++)
        {
            int source = t + offset[0];
            if (source >= 0 && source < w.Length)
                destination[t] = w[source];
        }
    }
}
