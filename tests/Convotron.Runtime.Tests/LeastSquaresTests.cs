using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace Convotron.Tests;

/// <summary>The joint learner and the least-squares finish (docs/LEARNING.md): machine precision without noise, the statistical limit with it.</summary>
public class LeastSquaresTests(ITestOutputHelper output)
{
    /// <summary>A teacher with w*, a* ~ N(0, I), and label noise as a fraction of std f* (measured on the test set).</summary>
    private static (Teacher Noisy, DataSet Train, DataSet Test, double Sigma) Problem(PatchGeometry geometry, int rows, double noiseFraction, ulong seed)
    {
        var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(seed, 0));
        DataSet test = DataSet.Draw(teacher, InputDistribution.Gaussian, 4_000, Xoshiro256StarStar.ForStream(seed, 3));
        double sigma = noiseFraction * Math.Sqrt(test.LabelVariance);
        var noisy = new Teacher(geometry, Activation.ReLU, teacher.Filter, teacher.OutputWeights, sigma);
        DataSet train = DataSet.Draw(noisy, InputDistribution.Gaussian, rows, Xoshiro256StarStar.ForStream(seed, 1));
        return (noisy, train, test, sigma);
    }

    [Fact]
    public void Stride_one_is_learned_to_machine_precision_from_few_samples()
    {
        // s = 1: no non-overlapping taps, Algorithm 1 does not apply; k = 33, r + k = 41 parameters.
        var geometry = PatchGeometry.Strided1D(8, 1, 40);
        (_, DataSet train, DataSet test, _) = Problem(geometry, 600, 0.0, 5);
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        JointLearnerResult result = JointLearner.Learn(model, train, new JointLearnerOptions { Seed = 5 });
        double error = Metrics.RelativeMeanSquaredError(model, test);
        output.WriteLine($"relative test MSE {error:E2}, {result.Starts} start(s), {result.ShiftsAccepted} shift(s), finish {result.Finish}");
        Assert.True(error <= 1e-20, $"relative test MSE {error:E2} > 1e-20");
        Assert.True(result.Finish.Converged);
        Assert.Contains(result.StopReason, new[] { StopReason.ToleranceReached, StopReason.Stationary });
        Assert.Equal(result.Finish.StopReason, result.StopReason);
        Assert.Contains(result.SearchStopReason, new[] { StopReason.ToleranceReached, StopReason.SearchAgreed });
        Assert.Equal(train.Count, result.SamplesUsed);
        Assert.True(result.Iterations > result.Finish.Iterations);
    }

    [Fact]
    public void Noisy_labels_are_fitted_near_the_statistical_limit()
    {
        // s = 3 < ⌊r/2⌋ + 1: no non-overlapping part. 10 % label noise; the excess error of least
        // squares with the right model is σ²(r + k − 1)/(n·Var y); the learner must be within 3× of it.
        var geometry = PatchGeometry.Strided1D(8, 3, 40);
        (_, DataSet train, DataSet test, double sigma) = Problem(geometry, 4_000, 0.1, 7);
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        JointLearner.Learn(model, train, new JointLearnerOptions { Seed = 7 });
        double excess = Metrics.RelativeMeanSquaredError(model, test);
        double limit = sigma * sigma * (geometry.FilterSize + geometry.PatchCount - 1) / (train.Count * test.LabelVariance);
        output.WriteLine($"excess relative test MSE {excess:E2}, limit {limit:E2}, ratio {excess / limit:F2}");
        Assert.True(excess <= 3.0 * limit, $"excess {excess:E2} > 3 × limit {limit:E2}");
    }

    [Fact]
    public void The_finish_reaches_the_limit_where_refinement_stalls_at_its_misadjustment()
    {
        // From Algorithm 1's geometry regime (s = 6, r = 8): start both from the same rough model.
        var geometry = PatchGeometry.Strided1D(8, 6, 32);
        (Teacher noisy, DataSet train, DataSet test, double sigma) = Problem(geometry, 5_000, 0.1, 3);
        var start = new DynamicConvNet(geometry, Activation.ReLU, noisy.Filter, noisy.OutputWeights);
        start.Filter[0] += 0.3;
        var refined = (DynamicConvNet)start.Clone();
        Refinement.Learn(refined, train.Stream(Xoshiro256StarStar.ForStream(3, 2)), new RefinementOptions { Samples = train.Count });
        var finished = (DynamicConvNet)start.Clone();
        LeastSquaresResult result = LeastSquaresFinish.Learn(finished, train);
        double limit = sigma * sigma * (geometry.FilterSize + geometry.PatchCount - 1) / (train.Count * test.LabelVariance);
        double viaRefinement = Metrics.RelativeMeanSquaredError(refined, test), viaFinish = Metrics.RelativeMeanSquaredError(finished, test);
        output.WriteLine($"limit {limit:E2}; refinement {viaRefinement:E2}; finish {viaFinish:E2} ({result})");
        Assert.True(result.Converged);
        Assert.Equal(train.Count, result.SamplesUsed);
        Assert.Equal(result.FinalMse, result.Curve.Last);
        Assert.True(result.FinalMse <= result.InitialMse);
        Assert.True(viaFinish <= 3.0 * limit, $"finish {viaFinish:E2} > 3 × limit {limit:E2}");
        Assert.True(viaFinish < viaRefinement, $"finish {viaFinish:E2} not below refinement {viaRefinement:E2}");
    }

    [Fact]
    public void The_row_learners_report_progress_and_stop_when_cancelled()
    {
        var geometry = PatchGeometry.Strided1D(8, 1, 40);
        (_, DataSet train, DataSet test, _) = Problem(geometry, 600, 0.0, 5);
        var reports = new List<LearningProgress>();
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        JointLearnerResult result = JointLearner.Learn(model, train, new JointLearnerOptions { Seed = 5 }, new LearnerRun(test, new Recorder(reports)));
        Assert.Contains(reports, p => p.Stage == LearningStage.JointSearch && p.Step == 1 && p.TotalSteps == 24);
        Assert.Equal(result.Starts, reports.Count(p => p.Stage == LearningStage.JointSearch));
        Assert.Equal(result.Finish.Iterations > 0, reports.Exists(p => p.Stage == LearningStage.Finish));
        Assert.Equal(Metrics.MeanSquaredError(model, test), result.TestMse);

        using var cancel = new System.Threading.CancellationTokenSource();
        cancel.Cancel();
        var fresh = new DynamicConvNet(geometry, Activation.ReLU);
        JointLearnerResult cancelled = JointLearner.Learn(fresh, train, new JointLearnerOptions { Seed = 5 }, new LearnerRun(CancellationToken: cancel.Token));
        Assert.Equal(StopReason.Cancelled, cancelled.StopReason);
        Assert.Equal(StopReason.Cancelled, cancelled.SearchStopReason);
        Assert.Equal(0, cancelled.Starts);
        Assert.Equal(0, cancelled.Iterations);
        var start = new DynamicConvNet(geometry, Activation.ReLU, model.Filter, model.OutputWeights);
        start.Filter[0] += 0.1;
        LeastSquaresResult finish = LeastSquaresFinish.Learn(start, train, null, new LearnerRun(CancellationToken: cancel.Token));
        Assert.Equal(StopReason.Cancelled, finish.StopReason);
        Assert.False(finish.Converged);
        Assert.Equal(0, finish.Iterations);
        Assert.True(finish.FinalMse <= finish.InitialMse);
    }

    private sealed class Recorder(List<LearningProgress> reports) : IProgress<LearningProgress>
    {
        public void Report(LearningProgress value) => reports.Add(value);
    }

    [Fact]
    public void The_finish_never_ends_worse_than_it_started()
    {
        // A start that is already the least-squares optimum cannot be improved: the model must come back unchanged or better.
        var geometry = PatchGeometry.Strided1D(4, 2, 16);
        (Teacher noisy, DataSet train, _, _) = Problem(geometry, 300, 0.3, 9);
        var model = new DynamicConvNet(geometry, Activation.ReLU, noisy.Filter, noisy.OutputWeights);
        LeastSquaresFinish.Learn(model, train);
        double optimum = Metrics.MeanSquaredError(model, train);
        LeastSquaresResult again = LeastSquaresFinish.Learn(model, train, new LeastSquaresOptions { MaxIterations = 3 });
        Assert.True(again.FinalMse <= again.InitialMse);
        Assert.True(Metrics.MeanSquaredError(model, train) <= optimum);
        // A zero filter gives no fit at all: the model as given is kept and reported.
        var zero = new DynamicConvNet(geometry, Activation.ReLU);
        LeastSquaresResult none = LeastSquaresFinish.Learn(zero, train);
        Assert.Equal(none.InitialMse, none.FinalMse);
        Assert.Equal(StopReason.NoFiniteFit, none.StopReason);
        Assert.False(none.Converged);
        Assert.All(zero.Filter.ToArray(), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Refinement_keeps_the_best_model_and_reports_convergence()
    {
        // Refinement's constant step makes the exact teacher worse under label noise: the start must be restored.
        var geometry = PatchGeometry.Strided1D(8, 6, 32);
        var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(4, 0), labelNoise: 1.0);
        var model = new DynamicConvNet(geometry, Activation.ReLU, teacher.Filter, teacher.OutputWeights);
        RefinementResult result = Refinement.Learn(model, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(4, 1)),
            new RefinementOptions { Samples = 20_000, ValidationSamples = 2_000 });
        output.WriteLine($"initial {result.InitialValidationMse:E3}, final {result.ValidationMse:E3}, restored {result.RestoredEarlier}, stop {result.StopReason}");
        Assert.True(result.ValidationMse <= result.InitialValidationMse);
        Assert.Equal(StopReason.BudgetExhausted, result.StopReason);
        Assert.Equal(teacher.Filter.ToArray(), model.Filter.ToArray());

        // Without noise it reaches the tolerance and says so.
        var clean = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(4, 0));
        var near = new DynamicConvNet(geometry, Activation.ReLU, clean.Filter, clean.OutputWeights);
        near.Filter[1] += 1e-3;
        RefinementResult converged = Refinement.Learn(near, clean.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(4, 2)), new RefinementOptions());
        Assert.Equal(StopReason.ToleranceReached, converged.StopReason);
        Assert.True(converged.ValidationMse <= 1e-20 * clean.OutputWeights.ToArray().Sum(a => a * a));
    }

    [Fact]
    public void Refinement_batch_solve_matches_a_QR_least_squares_solve()
    {
        // Refinement's per-batch Householder solve against MathNet's QR on ReLU activation
        // batches, with two nearly collinear columns; a dead unit (a zero column) is reported as unusable.
        var random = Xoshiro256StarStar.ForStream(12, 0);
        const int n = 42, k = 17;
        foreach (double collinear in new[] { 1.0, 1e-4 })
        {
            var hidden = new double[n * k];
            var labels = new double[n];
            var truth = new double[k];
            for (int j = 0; j < k; j++)
                truth[j] = random.NextDouble() - 0.5;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < k; j++)
                    hidden[i * k + j] = Math.Max(0.0, random.NextDouble() - 0.3);
                // Column 1 is column 0 plus a small independent part.
                hidden[i * k + 1] = hidden[i * k] + collinear * hidden[i * k + 1];
                labels[i] = hidden.AsSpan(i * k, k).ToArray().Zip(truth, (h, t) => h * t).Sum() + 1e-3 * (random.NextDouble() - 0.5);
            }
            var a = new double[k];
            double squares = Refinement.SolveBatch(hidden, labels, k, a, new double[(n + 1) * k + n]);
            var matrix = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, k, (i, j) => hidden[i * k + j]);
            var y = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(labels);
            var expected = matrix.QR().Solve(y);
            double expectedSquares = Math.Pow((matrix * expected - y).L2Norm(), 2);
            output.WriteLine($"collinear {collinear}: residual {squares:E6} vs QR {expectedSquares:E6}, |a - a_QR| = {(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(a) - expected).L2Norm():E2}");
            Assert.InRange(squares / expectedSquares, 1.0 - 1e-12, 1.0 + 1e-12);
            Assert.True((MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(a) - expected).L2Norm() <= 1e-9 * expected.L2Norm() / collinear);
            for (int i = 0; i < n; i++)
                hidden[i * k + 5] = 0.0;
            Assert.True(double.IsNaN(Refinement.SolveBatch(hidden, labels, k, a, new double[(n + 1) * k + n])));
        }
    }

    [Fact]
    public void Refinement_stops_at_its_noise_floor_instead_of_spending_the_budget()
    {
        // Under label noise the normalised step's misadjustment is a floor more samples lower only
        // slowly: with Patience the held-out error stops falling and refinement stops.
        var geometry = PatchGeometry.Strided1D(8, 6, 32);
        var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(6, 0), labelNoise: 0.05);
        var start = new DynamicConvNet(geometry, Activation.ReLU, teacher.Filter, teacher.OutputWeights);
        start.Filter[0] += 0.3;
        start.OutputWeights[1] -= 0.3;
        const long budget = 400_000;
        var clean = new Teacher(geometry, Activation.ReLU, teacher.Filter, teacher.OutputWeights);
        DataSet test = DataSet.Draw(clean, InputDistribution.Gaussian, 5_000, Xoshiro256StarStar.ForStream(6, 3));
        var options = new RefinementOptions { Samples = budget, ValidationSamples = 2_000, Patience = 2 };
        RefinementResult result = Refinement.Learn(start.Clone(), teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(6, 1)), options, new LearnerRun(test));
        output.WriteLine($"stop {result.StopReason} after {result.SamplesUsed} samples; validation {result.InitialValidationMse:E4} -> {result.ValidationMse:E4}; relative test MSE {result.RelativeTestMse:E3}");
        Assert.Equal(StopReason.Stalled, result.StopReason);
        // At least Patience checks (10,000 samples apart by default) after the start, far below the budget.
        Assert.InRange(result.SamplesUsed, 2_000 + 2 * 10_000, budget / 4);
        Assert.True(result.ValidationMse < result.InitialValidationMse);

        // The default (Patience = 0) spends the whole budget. Its trajectory is the early one
        // continued (same stream, same steps), so its best held-out score can only be as good or
        // better; the other ~90 % of the samples buy less than 4x in the noiseless test error.
        RefinementResult all = Refinement.Learn(start.Clone(), teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(6, 1)),
            new RefinementOptions { Samples = budget, ValidationSamples = 2_000 }, new LearnerRun(test));
        output.WriteLine($"patience 0: {all.SamplesUsed} samples; validation {all.ValidationMse:E4}; relative test MSE {all.RelativeTestMse:E3}");
        Assert.Equal(StopReason.BudgetExhausted, all.StopReason);
        Assert.True(all.SamplesUsed > budget - 100);
        Assert.True(all.ValidationMse <= result.ValidationMse);
        Assert.InRange(all.RelativeTestMse / result.RelativeTestMse, 0.25, 1.0);

        // A shorter check interval stops sooner on the same stream.
        RefinementResult quick = Refinement.Learn(start.Clone(), teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(6, 1)),
            new RefinementOptions { Samples = budget, ValidationSamples = 2_000, Patience = 2, StallCheckInterval = 2_000 });
        Assert.Equal(StopReason.Stalled, quick.StopReason);
        Assert.True(quick.SamplesUsed < result.SamplesUsed);
    }

    public static IEnumerable<object[]> OverlappingGeometries() =>
    [
        [PatchGeometry.Strided2D(3, 3, 1, 1, 7, 7)],
        // A cyclic patch list (a General layout): every coordinate is read by three patches.
        [PatchGeometry.FromPatches(10, Enumerable.Range(0, 10).Select(j => new[] { j, (j + 1) % 10, (j + 3) % 10 }).ToList())],
    ];

    [Theory]
    [MemberData(nameof(OverlappingGeometries))]
    public void Full_overlap_2d_and_general_patches_are_learned(PatchGeometry geometry)
    {
        Assert.False(geometry.HasNonOverlappingPart);
        (_, DataSet train, DataSet test, _) = Problem(geometry, 1_000, 0.0, 2);
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        JointLearnerResult result = JointLearner.Learn(model, train, new JointLearnerOptions { Seed = 2 });
        double error = Metrics.RelativeMeanSquaredError(model, test);
        output.WriteLine($"{geometry}: relative test MSE {error:E2}, {result.Starts} start(s), {result.ShiftsAccepted} shift(s)");
        Assert.True(error <= 1e-20, $"relative test MSE {error:E2} > 1e-20");
    }

    [Fact]
    public void The_joint_learner_is_deterministic()
    {
        var geometry = PatchGeometry.Strided1D(6, 2, 24);
        (_, DataSet train, _, _) = Problem(geometry, 500, 0.1, 8);
        double[] Run()
        {
            var model = new DynamicConvNet(geometry, Activation.ReLU);
            JointLearner.Learn(model, train, new JointLearnerOptions { Seed = 8 });
            return [.. model.Filter.ToArray(), .. model.OutputWeights.ToArray()];
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Options_out_of_range_name_the_parameter()
    {
        var geometry = PatchGeometry.Strided1D(4, 2, 16);
        (_, DataSet train, _, _) = Problem(geometry, 50, 0.0, 1);
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        Assert.Equal("MaxIterations", Assert.ThrowsAny<ArgumentException>(() => LeastSquaresFinish.Learn(model, train, new LeastSquaresOptions { MaxIterations = 0 })).ParamName);
        Assert.Equal("Tolerance", Assert.ThrowsAny<ArgumentException>(() => LeastSquaresFinish.Learn(model, train, new LeastSquaresOptions { Tolerance = 1.0 })).ParamName);
        Assert.Equal("Starts", Assert.ThrowsAny<ArgumentException>(() => JointLearner.Learn(model, train, new JointLearnerOptions { Starts = 0 })).ParamName);
        Assert.Equal("SearchRows", Assert.ThrowsAny<ArgumentException>(() => JointLearner.Learn(model, train, new JointLearnerOptions { SearchRows = -1 })).ParamName);
        Assert.Equal("ValidationSamples", Assert.ThrowsAny<ArgumentException>(() => Refinement.Learn(model, train.Stream(Xoshiro256StarStar.ForStream(1, 1)),
            new RefinementOptions { Samples = 10, ValidationSamples = 11 })).ParamName);
        Assert.Equal("Patience", Assert.ThrowsAny<ArgumentException>(() => Refinement.Learn(model, train.Stream(Xoshiro256StarStar.ForStream(1, 1)),
            new RefinementOptions { Patience = -1 })).ParamName);
        Assert.Equal("StallCheckInterval", Assert.ThrowsAny<ArgumentException>(() => Refinement.Learn(model, train.Stream(Xoshiro256StarStar.ForStream(1, 1)),
            new RefinementOptions { StallCheckInterval = -1 })).ParamName);
        var wide = DataSet.Draw(Teacher.Random(PatchGeometry.Strided1D(4, 2, 20), Activation.ReLU, Xoshiro256StarStar.ForStream(1, 0)), InputDistribution.Gaussian, 10, Xoshiro256StarStar.ForStream(1, 1));
        Assert.ThrowsAny<ArgumentException>(() => LeastSquaresFinish.Learn(model, wide));
    }
}
