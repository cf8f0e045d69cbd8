using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;
using Xunit.Abstractions;

namespace Convotron.Tests;

/// <summary>The fit pipeline of the runtime (<see cref="ConvNetFit"/>), the learner chain and the stream table.</summary>
public class FitPipelineTests(ITestOutputHelper output)
{
    private static readonly PatchGeometry Geometry = PatchGeometry.Strided1D(8, 6, 32);

    /// <summary>n rows of a random ReLU teacher on Gaussian inputs (shifted by <paramref name="shift"/>), label noise σ = noise·std f*.</summary>
    private static (double[] X, double[] Y, double Sigma) TeacherData(int n, double noise, ulong seed, double shift = 0.0)
    {
        var teacher = Teacher.Random(Geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(seed, RandomStreams.Teacher));
        double sigma = noise * Math.Sqrt(DataSet.Draw(teacher, InputDistribution.Gaussian, 4_000, Xoshiro256StarStar.ForStream(seed, RandomStreams.Test)).LabelVariance);
        var random = Xoshiro256StarStar.ForStream(seed, RandomStreams.Training);
        var x = new double[n * Geometry.InputSize];
        var y = new double[n];
        var row = new double[Geometry.InputSize];
        for (int i = 0; i < n; i++)
        {
            InputDistribution.Gaussian.Sample(random, row);
            for (int c = 0; c < row.Length; c++)
                row[c] += shift;
            row.CopyTo(x, i * row.Length);
            var noiseDraw = new double[1];
            InputDistribution.Gaussian.Sample(random, noiseDraw);
            y[i] = teacher.Predict(row) + sigma * noiseDraw[0];
        }
        return (x, y, sigma);
    }

    [Fact]
    public void A_noisy_teacher_is_fitted_within_three_times_the_statistical_limit()
    {
        // 1d r=8 s=6 d=32 (k = 5, r + k − 1 = 12 parameters), 4,000 rows (3,200 training), 10 % label
        // noise. The excess error — the learned function against the teacher's on 4,000 fresh
        // noiseless inputs, over Var y — must be within 3× the limit σ²(r + k − 1)/(n·Var y) the
        // report estimates (least squares with the right model reaches 1× on average).
        (double[] x, double[] y, _) = TeacherData(4_000, 0.1, 11);
        var stages = new List<FitProgress>();
        FitReport report = ConvNetFit.Fit(Geometry, Activation.ReLU, x, y, FitOptions.Default with { StageSteps = 4_000 }, new Collect(stages));
        (double[] fresh, double[] clean, _) = TeacherData(4_000, 0.0, 12);
        var teacher = Teacher.Random(Geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(11, RandomStreams.Teacher));
        double squares = 0.0;
        for (int i = 0; i < clean.Length; i++)
        {
            ReadOnlySpan<double> row = fresh.AsSpan(i * 32, 32);
            double error = report.Predict(row) - teacher.Predict(row);
            squares += error * error;
        }
        double labelVariance = y.Select(v => v * v).Average() - Math.Pow(y.Average(), 2);
        double excess = squares / clean.Length / labelVariance;
        double noiseShare = report.NoiseVariance / report.Best.TrainLabelVariance;
        output.WriteLine($"excess {excess:E3}, limit {report.StatisticalLimit:E3} ({excess / report.StatisticalLimit:F2}x), noise share {noiseShare:E3}, validation {report.ValidationRelativeMse:E3}");
        Assert.False(report.Failed);
        Assert.Equal(800, report.ValidationRows);
        Assert.InRange(Math.Sqrt(noiseShare), 0.08, 0.12);
        Assert.True(excess <= 3.0 * report.StatisticalLimit, $"excess {excess:E3} > 3 × limit {report.StatisticalLimit:E3}");
        Assert.Equal(FitStage.Algorithm1, report.Curve[0].Stage);
        Assert.Contains(report.Curve, p => p.Stage == FitStage.LeastSquaresFinish);
        Assert.Equal(2, stages.Count); // the first start and the finish of the one attempt
    }

    [Fact]
    public void Zero_mean_inputs_are_not_centred()
    {
        (double[] x, double[] y, _) = TeacherData(1_000, 0.0, 3);
        FitReport report = ConvNetFit.Fit(Geometry, Activation.ReLU, x, y, FitOptions.Quick with { StageSteps = 1_000 });
        Assert.Equal(CentringReason.MeanIsZero, report.Centring.Reason);
        Assert.True(report.Centring.ChiSquare <= report.Centring.Threshold);
        Assert.Single(report.Attempts);
        Assert.False(report.Centred);
    }

    [Fact]
    public void Inputs_with_a_mean_are_fitted_both_ways_and_the_better_kept()
    {
        (double[] x, double[] y, _) = TeacherData(1_000, 0.0, 3, shift: 0.5);
        FitReport report = ConvNetFit.Fit(Geometry, Activation.ReLU, x, y, FitOptions.Quick with { StageSteps = 1_000 });
        Assert.Equal(CentringReason.MeanIsNotZero, report.Centring.Reason);
        Assert.Equal([false, true], report.Attempts.Select(a => a.Centred));
        FitAttempt better = report.Attempts.MinBy(a => a.ValidationRelativeMse)!;
        Assert.Same(better, report.Best);
        // The teacher is a network of x, not of x − mean: the uncentred fit is the better one.
        Assert.False(report.Centred);
    }

    [Fact]
    public void Centring_options_decide_without_the_test()
    {
        (double[] x, double[] y, _) = TeacherData(600, 0.0, 4, shift: 0.5);
        FitOptions quick = FitOptions.Quick with { StageSteps = 500 };
        FitReport never = ConvNetFit.Fit(Geometry, Activation.ReLU, x, y, quick with { Centring = FitCentring.Never });
        Assert.Equal(CentringReason.NotAllowed, never.Centring.Reason);
        Assert.False(Assert.Single(never.Attempts).Centred);
        FitReport whitened = ConvNetFit.Fit(Geometry, Activation.ReLU, x, y, quick with { Whiten = true });
        Assert.Equal(CentringReason.Whitened, whitened.Centring.Reason);
        Assert.True(whitened.Preprocessing.IsWhitened);
    }

    [Fact]
    public void The_fit_is_seeded_and_leaves_the_callers_arrays_alone()
    {
        (double[] x, double[] y, _) = TeacherData(600, 0.1, 5);
        double[] xCopy = x.ToArray(), yCopy = y.ToArray();
        FitOptions options = FitOptions.Quick with { StageSteps = 500, Seed = 9 };
        FitReport first = ConvNetFit.Fit(Geometry, Activation.ReLU, x, y, options);
        FitReport second = ConvNetFit.Fit(new DynamicConvNet(Geometry, Activation.ReLU), x, y, options, null, default);
        Assert.Equal(xCopy, x);
        Assert.Equal(yCopy, y);
        Assert.Equal(first.Model.Filter.ToArray(), second.Model.Filter.ToArray());
        Assert.Equal(first.Model.OutputWeights.ToArray(), second.Model.OutputWeights.ToArray());
    }

    [Theory]
    [InlineData("ValidationFraction")]
    [InlineData("FinishIterations")]
    [InlineData("StageSteps")]
    [InlineData("FinishRows")]
    [InlineData("inputs")]
    [InlineData("labels")]
    [InlineData("UpdatePatch")]
    public void Bad_arguments_name_the_parameter(string parameter)
    {
        (double[] x, double[] y, _) = TeacherData(100, 0.0, 6);
        FitOptions options = FitOptions.Quick with { StageSteps = 10 };
        double[] inputs = x;
        double[] labels = y;
        switch (parameter)
        {
            case "ValidationFraction": options = options with { ValidationFraction = 1.0 }; break;
            case "FinishIterations": options = options with { FinishIterations = 0 }; break;
            case "StageSteps": options = options with { StageSteps = 0 }; break;
            case "FinishRows": options = options with { FinishRows = 5 }; break;
            case "inputs": inputs = x[..^1]; break;
            case "labels": labels = y[..10]; inputs = x[..(10 * 32)]; break;
            case "UpdatePatch": options = options with { UpdatePatch = 7 }; break;
        }
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => ConvNetFit.Fit(Geometry, Activation.ReLU, inputs, labels, options));
        output.WriteLine(e.Message);
        Assert.Equal(parameter, e.ParamName);
    }

    [Fact]
    public void Overflowing_labels_are_refused_by_name()
    {
        (double[] x, double[] y, _) = TeacherData(100, 0.0, 6);
        y[3] = 1e200;
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => ConvNetFit.Fit(Geometry, Activation.ReLU, x, y, FitOptions.Quick with { StageSteps = 10 }));
        Assert.Equal("labels", e.ParamName);
    }

    [Fact]
    public void The_chi_square_test_tells_a_shifted_mean_from_a_zero_one()
    {
        (double[] zero, _, _) = TeacherData(2_000, 0.0, 8);
        (double[] shifted, _, _) = TeacherData(2_000, 0.0, 8, shift: 0.1);
        (double chi, double threshold) = FitPreprocessing.MeanTest(zero, 2_000, 32);
        Assert.True(chi <= threshold, $"χ² {chi} > {threshold}");
        (chi, threshold) = FitPreprocessing.MeanTest(shifted, 2_000, 32);
        Assert.True(chi > threshold, $"χ² {chi} ≤ {threshold}");
    }

    /// <summary>Stream ids that mean different things in different commands, each documented in <see cref="RandomStreams"/>.</summary>
    private static readonly HashSet<ulong> SharedOnPurpose = [1, 4];

    [Fact]
    public void The_stream_table_has_no_duplicate_ids_but_the_documented_ones()
    {
        var fields = typeof(RandomStreams).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).ToList();
        Assert.NotEmpty(fields);
        foreach (var group in fields.GroupBy(f => (ulong)f.GetRawConstantValue()!).Where(g => g.Count() > 1))
            Assert.True(SharedOnPurpose.Contains(group.Key), $"stream {group.Key} is used by {string.Join(", ", group.Select(f => f.Name))}, which is not documented as shared");
        // The learners' own streams are the table's (they keep internal copies until they use it).
        Assert.Equal(RandomStreams.Algorithm1Initialization, Algorithm1.InitializationStream);
        Assert.Equal(RandomStreams.Algorithm1Noise, Algorithm1.NoiseStream);
        Assert.Equal(RandomStreams.JointLearnerStarts, JointLearner.StartStream);
    }

    [Fact]
    public void The_teacher_chain_draws_what_the_direct_calls_draw()
    {
        var geometry = PatchGeometry.Strided1D(8, 6, 32);
        var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(2, RandomStreams.Teacher), 0.05);
        DataSet test = DataSet.Draw(teacher, InputDistribution.Gaussian, 500, Xoshiro256StarStar.ForStream(2, RandomStreams.Test));
        var options = new Algorithm1Options { Stage1Steps = 500, Stage2Steps = 500, ValidationSamples = 200, EvaluationInterval = 0, Seed = 2 };
        var refine = new RefinementOptions { Samples = 2_000, EvaluationInterval = 0 };

        var direct = new DynamicConvNet(geometry, Activation.ReLU);
        Algorithm1.Learn(direct, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(2, 1)), options, new LearnerRun(test));
        Refinement.Learn(direct, teacher.Stream(InputDistribution.Gaussian, Xoshiro256StarStar.ForStream(2, 2)), refine, new LearnerRun(test));
        LeastSquaresFinish.Learn(direct, DataSet.Draw(teacher, InputDistribution.Gaussian, 300, Xoshiro256StarStar.ForStream(2, 4)));

        var chain = new TeacherChain(new DynamicConvNet(geometry, Activation.ReLU), teacher, InputDistribution.Gaussian, 2, test);
        long samples = chain.Algorithm1(options).SamplesUsed;
        samples += chain.Refine(refine).SamplesUsed;
        chain.FinishOnRows(300);
        Assert.Equal(direct.Filter.ToArray(), chain.Model.Filter.ToArray());
        Assert.Equal(direct.OutputWeights.ToArray(), chain.Model.OutputWeights.ToArray());
        Assert.Equal(samples + 300, chain.SamplesUsed);
        Assert.Equal(Metrics.RelativeMeanSquaredError(direct, test), chain.RelativeTestMse());
    }

    [Theory]
    [InlineData("src/Cli/Commands/FitCommand.cs")]
    [InlineData("src/Cli/Commands/SweepCommand.cs")]
    [InlineData("src/Cli/Commands/Figure1Command.cs")]
    [InlineData("src/Cli/Commands/CompareCommand.cs")]
    public void The_commands_chain_learners_only_through_the_runtime(string file)
    {
        // The learner calls stay in src/Runtime/Fitting/LearnerChain.cs, so that a change of the
        // learners' API is a change of one file.
        string? root = AppContext.BaseDirectory;
        while (root is not null && !System.IO.File.Exists(System.IO.Path.Combine(root, "Convotron.sln")))
            root = System.IO.Path.GetDirectoryName(root);
        Assert.NotNull(root);
        string text = System.IO.File.ReadAllText(System.IO.Path.Combine(root, file));
        foreach (string call in new[] { "Algorithm1.Learn(", "Refinement.Learn(", "JointLearner.Learn(", "LeastSquaresFinish.Learn(", "ConvotronLearner.Learn(", "UpdateRules.", "ModelUpdates(" })
            Assert.DoesNotContain(call, text);
    }

    /// <summary>A synchronous progress sink.</summary>
    private sealed class Collect(List<FitProgress> into) : IProgress<FitProgress>
    {
        public void Report(FitProgress value) => into.Add(value);
    }
}
