using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace Convotron.Tests;

public class LearnerTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(9, "gaussian")]
    [InlineData(12, "gaussian")]
    [InlineData(16, "gaussian")]
    [InlineData(9, "uniform")]
    [InlineData(12, "uniform")]
    [InlineData(16, "uniform")]
    public void ConvotronWithKnownOutputLayerRecoversTheFilter(int stride, string distribution)
    {
        var geometry = PatchGeometry.Strided1D(16, stride, 160);
        var inputs = InputDistribution.FromName(distribution);
        var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(3, 0));
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        var result = ConvotronLearner.Learn(model, teacher.Stream(inputs, Xoshiro256StarStar.ForStream(3, 1)), new ConvotronOptions
        {
            Samples = 50_000,
            Step = StepSize.Normalized(0.5),
            OutputWeights = teacher.OutputWeights.ToArray(),
            EvaluationInterval = 0,
        });
        double error = Math.Sqrt(model.Filter.ToArray().Zip(teacher.Filter.ToArray(), (w, s) => (w - s) * (w - s)).Sum()
                                 / teacher.Filter.ToArray().Sum(s => s * s));
        output.WriteLine($"s = {stride}, {distribution}: ‖w − w*‖/‖w*‖ = {error:E2} after {result.SamplesUsed} samples");
        Assert.True(error <= 1e-8, $"relative filter error {error:E2} > 1e-8");
    }

    [Fact]
    public void ConvotronDefaultsToAveragePoolingFromZero()
    {
        var geometry = PatchGeometry.Strided1D(4, 3, 13);
        var model = new DynamicConvNet(geometry, Activation.ReLU, [1, 2, 3, 4], [9, 9, 9, 9]);
        var teacher = new Teacher(geometry, Activation.ReLU, [1, -1, 0.5, 2], [0.25, 0.25, 0.25, 0.25]);
        var test = DataSet.Draw(teacher, InputDistribution.Gaussian, 500, new Xoshiro256StarStar(1));
        var result = ConvotronLearner.Learn(model, teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(2)),
            new ConvotronOptions { Samples = 3000, EvaluationInterval = 1000 }, new LearnerRun(test));
        Assert.All(model.OutputWeights.ToArray(), a => Assert.Equal(0.25, a));
        Assert.Equal([0L, 1000, 2000, 3000], result.Curve.Points.Select(p => p.Step));
        Assert.True(result.RelativeTestMse < 1e-6, $"relative test MSE {result.RelativeTestMse}");
        Assert.True(result.Curve.Points[0].Value > 100 * result.TestMse);
    }

    /// <summary>
    /// Algorithm 1 with the paper's settings over 20 seeds per Figure-1 configuration: it never
    /// diverges, and whenever stage 1 ends within 0.5 rad of a*, stage 3 keeps the pair whose
    /// outer layer points the way of a*. The distributions are printed.
    /// </summary>
    [Theory]
    [InlineData("gaussian")]
    [InlineData("uniform")]
    public void Algorithm1WithThePaperSettingsChoosesTheRightSign(string distribution)
    {
        var inputs = InputDistribution.FromName(distribution);
        foreach (int stride in new[] { 9, 12, 16 })
        {
            var rows = RunSeeds(PatchGeometry.Strided1D(16, stride, 160), inputs, Algorithm1Options.Paper(inputs), 20);
            Report($"paper, {distribution}, s = {stride}", rows);
            foreach (var row in rows)
            {
                Assert.True(double.IsFinite(row.Relative) && row.Relative < 10, $"seed {row.Seed} diverged: relative test MSE {row.Relative}");
                if (row.Angle < 0.5)
                    Assert.True(row.Agreement > 0, $"seed {row.Seed}: stage-1 angle {row.Angle:F3} but a · a* = {row.Agreement:F3}");
            }
        }
    }

    [Fact]
    public void Algorithm1WithNormalizedStepsIsAccurateAtStride16()
    {
        var rows = RunSeeds(PatchGeometry.Strided1D(16, 16, 160), InputDistribution.Gaussian, Algorithm1Options.Normalized, 20);
        Report("normalized preset, gaussian, s = 16", rows);
        double median = Median(rows.Select(r => r.Relative));
        Assert.True(median <= 1e-3, $"median relative test MSE {median:E2} > 1e-3");
    }

    [Fact]
    public void Algorithm1CountsItsSamplesAndRecordsCurves()
    {
        var geometry = PatchGeometry.Strided1D(4, 4, 16);
        var teacher = Teacher.Random(geometry, Activation.ReLU, new Xoshiro256StarStar(1));
        var test = DataSet.Draw(teacher, InputDistribution.Gaussian, 200, new Xoshiro256StarStar(2));
        var progress = new ConcurrentQueue<LearningProgress>();
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        var result = Algorithm1.Learn(model, teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(3)),
            new Algorithm1Options { Stage1Steps = 1000, Stage2Steps = 600, ValidationSamples = 300, EvaluationInterval = 250, Stage1SignCheckSamples = 10 },
            new LearnerRun(test, new SynchronousProgress(progress)));
        Assert.Equal(1000 + 600 + 3 * 10, result.TrainingSamples);
        Assert.Equal(300, result.ValidationSamples);
        Assert.Equal(1930, result.SamplesUsed);
        Assert.Equal([0L, 250, 500, 750, 1000], result.Stage1Curve.Points.Select(p => p.Step));
        Assert.Equal([0L, 250, 500, 600], result.Stage2PositiveCurve.Points.Select(p => p.Step));
        Assert.Equal(result.Stage2NegativeCurve.Points.Count, result.Stage2PositiveCurve.Points.Count);
        Assert.Equal(result.Stage1Angle, result.Stage1Curve.Last);
        Assert.Equal(Math.Min(result.ValidationMsePositive, result.ValidationMseNegative),
            result.ChosenSign > 0 ? result.ValidationMsePositive : result.ValidationMseNegative);
        Assert.Equal(Metrics.MeanSquaredError(model, test), result.TestMse);
        Assert.Equal(result.ChosenSign > 0 ? result.ValidationMsePositive : result.ValidationMseNegative, result.ValidationMse);
        Assert.Same(result.ChosenSign > 0 ? result.Stage2PositiveCurve : result.Stage2NegativeCurve, result.Curve);
        Assert.Equal(1600, result.Iterations);
        Assert.Equal(StopReason.BudgetExhausted, result.StopReason);
        Assert.Contains(progress, p => p.Stage == LearningStage.Stage1);
        Assert.Contains(progress, p => p.Stage == LearningStage.Stage2);
        Assert.Contains(progress, p => p.Stage == LearningStage.Validation);
    }

    [Fact]
    public void Algorithm1RefusesAGeometryWithoutANonOverlappingPart()
    {
        var geometry = PatchGeometry.Strided1D(4, 1, 10);
        var teacher = Teacher.Random(geometry, Activation.ReLU, new Xoshiro256StarStar(1));
        var e = Assert.Throws<ArgumentException>(() => Algorithm1.Learn(new DynamicConvNet(geometry, Activation.ReLU),
            teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(1)), new Algorithm1Options()));
        Assert.Equal("model", e.ParamName);
    }

    [Fact]
    public void CancellationStopsALongRunAndReturnsTheModelSoFar()
    {
        var geometry = PatchGeometry.Strided1D(16, 16, 160);
        var teacher = Teacher.Random(geometry, Activation.ReLU, new Xoshiro256StarStar(1));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        var result = Algorithm1.Learn(model, teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(1)),
            new Algorithm1Options { Stage1Steps = 10_000_000 }, new LearnerRun(CancellationToken: cancel.Token));
        Assert.Equal(StopReason.Cancelled, result.StopReason);
        Assert.Equal(255, result.Iterations);
        Assert.Equal(255, result.SamplesUsed);
        Assert.Equal(0, result.ChosenSign);
        Assert.All(model.OutputWeights.ToArray(), a => Assert.True(double.IsFinite(a)));
    }

    /// <summary>
    /// Cancelled in stage 2 (from a progress report), Algorithm 1 picks the sign by the stage-2
    /// residuals, draws no validation samples and returns; Convotron and refinement stop likewise.
    /// </summary>
    [Fact]
    public void CancellationInEveryLearnerReturnsCancelled()
    {
        var geometry = PatchGeometry.Strided1D(4, 4, 16);
        var teacher = Teacher.Random(geometry, Activation.ReLU, new Xoshiro256StarStar(1));
        var test = DataSet.Draw(teacher, InputDistribution.Gaussian, 200, new Xoshiro256StarStar(2));
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Stage == LearningStage.Stage2 && p.Step >= 1000)
                cancel.Cancel();
        });
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        var result = Algorithm1.Learn(model, teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(3)),
            Algorithm1Options.Normalized with { Stage1Steps = 2000, Stage2Steps = 100_000, EvaluationInterval = 500 },
            new LearnerRun(test, progress, cancel.Token));
        Assert.Equal(StopReason.Cancelled, result.StopReason);
        Assert.Equal(0, result.ValidationSamples);
        Assert.True(double.IsNaN(result.ValidationMse));
        Assert.InRange(result.Iterations, 3000, 3256);
        Assert.Contains(result.ChosenSign, new[] { -1, 1 });
        Assert.Equal(Metrics.MeanSquaredError(model, test), result.TestMse);
        Assert.True(result.RelativeTestMse < 0.5, $"relative test MSE {result.RelativeTestMse:E2}: the sign kept is the better one");

        var convotron = ConvotronLearner.Learn(model, teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(4)),
            new ConvotronOptions { Samples = 100_000, OutputWeights = teacher.OutputWeights.ToArray() }, new LearnerRun(test, null, cancel.Token));
        Assert.Equal(StopReason.Cancelled, convotron.StopReason);
        Assert.Equal(255, convotron.SamplesUsed);
        Assert.Equal(convotron.Curve.Last, convotron.TestMse);
        var refined = Refinement.Learn(model, teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(5)), null, new LearnerRun(test, null, cancel.Token));
        Assert.Equal(StopReason.Cancelled, refined.StopReason);
        Assert.Equal(0, refined.Iterations);
        Assert.True(refined.ValidationMse <= refined.InitialValidationMse);
    }

    [Fact]
    public void LearnersChainThroughTheInterface()
    {
        var geometry = PatchGeometry.Strided1D(16, 9, 160);
        var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(11, 0));
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        ILearner[] pipeline = [new Algorithm1(new Algorithm1Options { Seed = 11, EvaluationInterval = 0 }), new Refinement()];
        var results = new System.Collections.Generic.List<LearnerResult>();
        for (int n = 0; n < pipeline.Length; n++)
            results.Add(pipeline[n].Learn(model, TrainingData.FromSource(teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(11, (ulong)n + 1)))));
        Assert.IsType<Algorithm1Result>(results[0]);
        Assert.Equal(StopReason.ToleranceReached, results[1].StopReason);
        Assert.True(teacher.ParameterError(model) < 1e-9);
        DataSet rows = DataSet.Draw(teacher, InputDistribution.Gaussian, 500, new Xoshiro256StarStar(4));
        Assert.Equal("data", Assert.Throws<ArgumentException>(() => ((ILearner)new Refinement()).Learn(model, rows)).ParamName);
        Assert.IsType<LeastSquaresResult>(((ILearner)new LeastSquaresFinish()).Learn(model, rows));
    }

    [Fact]
    public void DivergenceStopsWithTheLastFiniteState()
    {
        var geometry = PatchGeometry.Strided1D(16, 9, 160);
        var teacher = Teacher.Random(geometry, Activation.ReLU, new Xoshiro256StarStar(1));
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        var e = Assert.Throws<LearningDivergedException>(() => ConvotronLearner.Learn(model,
            teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(2)),
            new ConvotronOptions { Samples = 100_000, Step = StepSize.Fixed(10), OutputWeights = teacher.OutputWeights.ToArray() }));
        Assert.Equal("convotron", e.Stage);
        Assert.InRange(e.Step, 1, 100_000);
        Assert.Contains("smaller step", e.Message, StringComparison.Ordinal);
        Assert.All(e.LastFiniteState.Filter.ToArray(), v => Assert.True(double.IsFinite(v)));
        Assert.Equal(e.LastFiniteState.Filter.ToArray(), model.Filter.ToArray());
        Assert.Equal(geometry, e.LastFiniteState.Geometry);
    }

    [Fact]
    public void RefinementReachesMachinePrecisionFromAnAlgorithm1Result()
    {
        var geometry = PatchGeometry.Strided1D(16, 9, 160);
        var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(11, 0));
        var test = DataSet.Draw(teacher, InputDistribution.Gaussian, 2000, Xoshiro256StarStar.ForStream(11, 3));
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        var stages = Algorithm1.Learn(model, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(11, 1)),
            new Algorithm1Options { Seed = 11, EvaluationInterval = 0 }, new LearnerRun(test));
        var refined = Refinement.Learn(model, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(11, 2)),
            new RefinementOptions(), new LearnerRun(test));
        output.WriteLine($"relative test MSE {stages.RelativeTestMse:E2} after Algorithm 1, {refined.RelativeTestMse:E2} after refinement ({refined.SamplesUsed} samples, {refined.Iterations} rounds)");
        Assert.True(refined.RelativeTestMse <= 1e-20, $"refined relative test MSE {refined.RelativeTestMse:E2}");
        Assert.InRange(refined.SamplesUsed, 1, 100_000);
        Assert.True(teacher.ParameterError(model) < 1e-9);
    }

    [Fact]
    public void OptionsAreValidated()
    {
        var geometry = PatchGeometry.Strided1D(4, 4, 16);
        var teacher = Teacher.Random(geometry, Activation.ReLU, new Xoshiro256StarStar(1));
        ISampleSource Source() => teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(1));
        var model = new DynamicConvNet(geometry, Activation.ReLU);
        Assert.Equal("Samples", Assert.ThrowsAny<ArgumentException>(() => ConvotronLearner.Learn(model, Source(), new ConvotronOptions { Samples = 0 })).ParamName);
        Assert.Equal("Stage1Steps", Assert.ThrowsAny<ArgumentException>(() => Algorithm1.Learn(model, Source(), new Algorithm1Options { Stage1Steps = 0 })).ParamName);
        Assert.Equal("Stage2Step", Assert.ThrowsAny<ArgumentException>(() => Algorithm1.Learn(model, Source(), new Algorithm1Options { Stage2Step = default })).ParamName);
        Assert.Equal("learningRate", Assert.ThrowsAny<ArgumentException>(() => StepSize.Fixed(double.NaN)).ParamName);
        Assert.Equal("learningRate", Assert.ThrowsAny<ArgumentException>(() => StepSize.Fixed(-1)).ParamName);
        Assert.Equal("mu", Assert.ThrowsAny<ArgumentException>(() => StepSize.Normalized(0)).ParamName);
        Assert.Equal("mu", Assert.ThrowsAny<ArgumentException>(() => StepSize.Normalized(double.PositiveInfinity)).ParamName);
        var lengthError = Assert.ThrowsAny<ArgumentException>(() => ConvotronLearner.Learn(model, Source(), new ConvotronOptions { OutputWeights = [1, 2] }));
        Assert.Equal("OutputWeights", lengthError.ParamName);
        Assert.Contains("length k = 4", lengthError.Message, StringComparison.Ordinal);
        Assert.Equal("Step", Assert.ThrowsAny<ArgumentException>(() => Refinement.Learn(model, Source(), new RefinementOptions { Step = StepSize.Fixed(0.1) })).ParamName);
        Assert.Equal("Step", Assert.ThrowsAny<ArgumentException>(() => Refinement.Learn(model, Source(), new RefinementOptions { Step = default })).ParamName);
        Assert.Equal("Stage1AveragingFraction", Assert.ThrowsAny<ArgumentException>(() => Algorithm1.Learn(model, Source(), new Algorithm1Options { Stage1AveragingFraction = 1 })).ParamName);
    }

    internal sealed record SeedRow(ulong Seed, double Angle, double Agreement, double Relative, int Sign);

    internal static SeedRow[] RunSeeds(PatchGeometry geometry, InputDistribution inputs, Algorithm1Options paper, int seeds, int threads = -1)
    {
        var rows = new SeedRow[seeds];
        Parallel.For(0, seeds, new ParallelOptions { MaxDegreeOfParallelism = threads }, n =>
        {
            ulong seed = (ulong)n + 1;
            var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(seed, 0));
            var test = DataSet.Draw(teacher, inputs, 2000, Xoshiro256StarStar.ForStream(seed, 3));
            var model = new DynamicConvNet(geometry, Activation.ReLU);
            var options = new Algorithm1Options
            {
                Stage1Steps = paper.Stage1Steps, Stage1Step = paper.Stage1Step, Stage2Steps = paper.Stage2Steps, Stage2Step = paper.Stage2Step,
                Stage1SignCheckSamples = paper.Stage1SignCheckSamples, Stage1AveragingFraction = paper.Stage1AveragingFraction,
                Stage1NoiseScale = paper.Stage1NoiseScale, ValidationSamples = paper.ValidationSamples, EvaluationInterval = 0, Seed = seed,
            };
            var result = Algorithm1.Learn(model, teacher.Stream(inputs, Xoshiro256StarStar.ForStream(seed, 1)), options, new LearnerRun(test));
            double agreement = 0;
            for (int j = 0; j < geometry.PatchCount; j++)
                agreement += model.OutputWeights[j] * teacher.OutputWeights[j];
            rows[n] = new SeedRow(seed, result.Stage1Angle, agreement, result.RelativeTestMse, result.ChosenSign);
        });
        return rows;
    }

    internal static double Median(System.Collections.Generic.IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }

    private void Report(string label, SeedRow[] rows)
    {
        output.WriteLine(FormattableString.Invariant(
            $"{label}: stage-1 angle median {Median(rows.Select(r => r.Angle)):F3} worst {rows.Max(r => r.Angle):F3}; relative test MSE median {Median(rows.Select(r => r.Relative)):E2} worst {rows.Max(r => r.Relative):E2}; a·a* > 0 in {rows.Count(r => r.Agreement > 0)}/{rows.Length}"));
    }

    /// <summary>Reports on the learner's thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<LearningProgress> report) : IProgress<LearningProgress>
    {
        public SynchronousProgress(ConcurrentQueue<LearningProgress> sink) : this(sink.Enqueue)
        {
        }

        public void Report(LearningProgress value) => report(value);
    }
}

public class HostileInputTests
{
    private sealed class ScriptedSource(int d, int badStep, double badValue, bool badLabel) : ISampleSource
    {
        private int _step;
        private readonly Xoshiro256StarStar _random = new(1);

        public int InputSize => d;

        public Teacher? Teacher => null;

        public double Next(Span<double> x)
        {
            _step++;
            InputDistribution.Gaussian.Sample(_random, x);
            if (_step == badStep && !badLabel)
                x[d / 2] = badValue;
            return _step == badStep && badLabel ? badValue : x[0];
        }
    }

    [Theory]
    [InlineData(double.NaN, false)]
    [InlineData(double.PositiveInfinity, false)]
    [InlineData(double.NaN, true)]
    [InlineData(double.NegativeInfinity, true)]
    public void NonFiniteSamplesAreBadDataNotDivergence(double value, bool inLabel)
    {
        var geometry = PatchGeometry.Strided1D(4, 4, 16);
        foreach (Func<IConvNet, ISampleSource, object> learn in new Func<IConvNet, ISampleSource, object>[]
        {
            (m, s) => ConvotronLearner.Learn(m, s, new ConvotronOptions { Samples = 500 }),
            (m, s) => Algorithm1.Learn(m, s, new Algorithm1Options { Stage1Steps = 500, Stage2Steps = 500, ValidationSamples = 10 }),
            (m, s) => Refinement.Learn(m, s, new RefinementOptions { Samples = 2000 }),
        })
        {
            var model = new DynamicConvNet(geometry, Activation.ReLU);
            model.Filter.Fill(0.1);
            model.OutputWeights.Fill(0.1);
            var e = Assert.Throws<ArgumentException>(() => learn(model, new ScriptedSource(16, 300, value, inLabel)));
            Assert.Equal("source", e.ParamName);
            Assert.Contains("non-finite", e.Message, StringComparison.Ordinal);
            Assert.All(model.Filter.ToArray(), v => Assert.True(double.IsFinite(v)));
            Assert.All(model.OutputWeights.ToArray(), v => Assert.True(double.IsFinite(v)));
        }
    }

    [Fact]
    public void NonFiniteUserDrawsAreRefusedAtTheSampler()
    {
        var distribution = InputDistribution.Symmetrized("broken", _ => double.NaN);
        var e = Assert.Throws<InvalidOperationException>(() => distribution.Sample(new Xoshiro256StarStar(1), new double[3]));
        Assert.Contains("broken", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Geometries, activations, teachers, data sets and distributions are immutable: shared by many threads they give what one thread gives.</summary>
    [Fact]
    public void SharedImmutablesAreSafeUnderContention()
    {
        var geometry = PatchGeometry.Strided1D(16, 9, 160);
        var teacher = Teacher.Random(geometry, Activation.Leaky(0.1), new Xoshiro256StarStar(1));
        var test = DataSet.Draw(teacher, InputDistribution.Gaussian, 500, new Xoshiro256StarStar(2));
        double Work(int seed)
        {
            var model = new DynamicConvNet(geometry, Activation.Leaky(0.1));
            var result = ConvotronLearner.Learn(model, teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar((ulong)seed)),
                new ConvotronOptions { Samples = 3000, OutputWeights = teacher.OutputWeights.ToArray(), EvaluationInterval = 500 }, new LearnerRun(test));
            return result.TestMse + GeometryReport.ForAveragePooling(geometry).MinEigenvalue + geometry.NonOverlappingTaps[0];
        }
        double[] serial = Enumerable.Range(0, 16).Select(Work).ToArray();
        var parallel = new double[16];
        System.Threading.Tasks.Parallel.For(0, 64, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i % 16] = Work(i % 16));
        Assert.Equal(serial, parallel);
    }
}
