using System;
using System.IO;
using System.Linq;
using Convotron.Cli.Commands;
using Xunit;

namespace Convotron.Cli.Tests;

public class CompareTests
{
    private static readonly string[] Small =
        ["compare", "--samples", "3000", "--seeds", "2", "--test-samples", "500", "--fixed-steps", "1e-3,10", "--normalized-steps", "0.5", "--init-scales", "0,1"];

    [Fact]
    public void Divergence_is_a_failure_sgd_cannot_leave_zero_and_threads_do_not_matter()
    {
        string one = Cli.TempDirectory("compare-t1"), two = Cli.TempDirectory("compare-t2");
        Cli.Result result = Cli.Run([.. Small, "--threads", "1", "--out", one]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(0, Cli.Run([.. Small, "--threads", "2", "--out", two]).ExitCode);
        foreach (string file in new[] { "cells.csv", "runs.csv" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(one, file)), File.ReadAllBytes(Path.Combine(two, file)));
        string[] cells = File.ReadAllLines(Path.Combine(one, "cells.csv"));
        Assert.Equal("method,step_rule,step,init_scale,runs,successes,success_rate,median_relative_test_mse,diverged,noise,limit,median_limit_ratio", cells[0]);
        Assert.Equal(1 + 2 * 3 * 2, cells.Length);
        // eta = 10 diverges for both methods: caught and counted, never a crash.
        Assert.Contains(cells, l => l.StartsWith("convotron,fixed,10,0,2,0,0,", StringComparison.Ordinal) && l.Split(',')[8] == "2");
        // Noiseless: noise 0, limit 0, no ratio.
        Assert.All(cells.Skip(1), l => Assert.EndsWith(",0,0,NaN", l, StringComparison.Ordinal));
        // Plain SGD at w = 0 with ReLU: sigma'(0) = 0, no step ever moves w.
        Assert.All(cells.Where(l => l.StartsWith("sgd,", StringComparison.Ordinal) && l.Split(',')[3] == "0"), l => Assert.Equal("0", l.Split(',')[5]));
        // Convotron with the normalised step succeeds from w = 0.
        Assert.Contains(cells, l => l.StartsWith("convotron,normalized,0.5,0,2,2,1,", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(one, "compare_convotron.png")));
        Assert.True(File.Exists(Path.Combine(one, "compare_sgd.png")));
        Assert.Contains("Findings", result.Output, StringComparison.Ordinal);
    }

    private static readonly string[] Noisy =
        ["compare", "--samples", "4000", "--seeds", "2", "--test-samples", "2000", "--fixed-steps", "none", "--normalized-steps", "0.5", "--init-scales", "1"];

    [Fact]
    public void Noise_goes_into_the_training_labels_only_and_runs_are_reported_against_the_limit()
    {
        string noisy = Cli.TempDirectory("compare-noisy"), again = Cli.TempDirectory("compare-noisy2"), clean = Cli.TempDirectory("compare-clean");
        Cli.Result result = Cli.Run([.. Noisy, "--noise", "0.1", "--threads", "1", "--out", noisy]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(0, Cli.Run([.. Noisy, "--noise", "0.1", "--threads", "2", "--out", again]).ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(noisy, "runs.csv")), File.ReadAllBytes(Path.Combine(again, "runs.csv")));
        Assert.Equal(0, Cli.Run([.. Noisy, "--out", clean]).ExitCode);

        string[] runs = File.ReadAllLines(Path.Combine(noisy, "runs.csv"));
        Assert.Equal(CompareCommand.RunsHeader, runs[0]);
        Assert.Equal(1 + 2 * 2, runs.Length);
        var cleanRuns = File.ReadAllLines(Path.Combine(clean, "runs.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        foreach (string[] run in runs.Skip(1).Select(l => l.Split(',')))
        {
            double relative = Parse(run[5]), sigma = Parse(run[10]), limit = Parse(run[11]);
            Assert.Equal("4000", run[8]);
            Assert.Equal("0.1", run[9]);
            Assert.True(sigma > 0.0, $"sigma {sigma}");
            // sigma = 0.1 std y, so sigma^2 r/(n Var y) = 0.01 * 16 / 4000.
            Assert.Equal(0.01 * 16 / 4000, limit, 1e-12);
            // A constant normalised step keeps a floor far above the limit (about mu/(2 - mu) 0.01 = 3.3e-3).
            Assert.InRange(relative, 30 * limit, 0.05);
            // The same seed and start without noise learns w far better.
            string[] twin = cleanRuns.Single(c => c[0] == run[0] && c[4] == run[4]);
            Assert.True(Parse(twin[5]) < relative / 10, $"noiseless {twin[5]} vs noisy {relative}");
            Assert.Equal("0", twin[10]);
        }
        string[] cells = File.ReadAllLines(Path.Combine(noisy, "cells.csv"));
        Assert.All(cells.Skip(1), l => Assert.True(Parse(l.Split(',')[11]) > 30, l));
        Assert.Contains("label noise sigma = 0.1 std y", result.Output, StringComparison.Ordinal);
        Assert.Contains("limit sigma^2 r/(n Var y) = 4.000E-05", result.Output, StringComparison.Ordinal);
        Assert.Contains("x the limit", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_test_labels_are_the_teachers_noiseless_ones_and_sigma_is_a_fraction_of_their_std()
    {
        var settings = new CompareCommand.Settings { Noise = 0.3, TestSamples = 300, Samples = 1000 };
        var problem = CompareCommand.Problem.Create(settings, 5);
        Assert.Equal(0.0, problem.Teacher.LabelNoise);
        for (int n = 0; n < problem.Test.Count; n++)
            Assert.Equal(problem.Teacher.Predict(problem.Test.Input(n)), problem.Test.Label(n));
        Assert.Equal(0.3 * Math.Sqrt(problem.Test.LabelVariance), problem.Sigma, 1e-15);
        Assert.Equal(problem.Sigma, problem.Noisy.LabelNoise);
        Assert.Equal(problem.Teacher.Filter.ToArray(), problem.Noisy.Filter.ToArray());
        Assert.Equal(problem.Teacher.OutputWeights.ToArray(), problem.Noisy.OutputWeights.ToArray());
        Assert.Equal(0.09 * 16 / 1000, problem.Limit, 1e-15);
    }

    [Theory]
    [InlineData("-0.1")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void A_noise_level_that_is_not_finite_and_non_negative_is_a_usage_error(string noise)
    {
        Cli.Result result = Cli.Run([.. Noisy, "--noise", noise, "--out", Cli.TempDirectory("compare-bad-noise")]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--noise", result.Error, StringComparison.Ordinal);
        Assert.Contains("finite number >= 0", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void No_step_size_at_all_is_a_usage_error()
    {
        Cli.Result result = Cli.Run("compare", "--fixed-steps", "none", "--normalized-steps", "None", "--out", Cli.TempDirectory("compare-no-steps"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--fixed-steps and --normalized-steps", result.Error, StringComparison.Ordinal);
    }

    private static double Parse(string text) => double.Parse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_normalised_step_outside_0_2_is_a_usage_error()
    {
        Cli.Result result = Cli.Run("compare", "--normalized-steps", "3", "--out", Cli.TempDirectory("compare-bad"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--normalized-steps", result.Error, StringComparison.Ordinal);
    }
}
