using System;
using System.IO;
using System.Linq;
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
        Assert.Equal("method,step_rule,step,init_scale,runs,successes,success_rate,median_relative_test_mse,diverged", cells[0]);
        Assert.Equal(1 + 2 * 3 * 2, cells.Length);
        // eta = 10 diverges for both methods: caught and counted, never a crash.
        Assert.Contains(cells, l => l.StartsWith("convotron,fixed,10,0,2,0,0,", StringComparison.Ordinal) && l.EndsWith(",2", StringComparison.Ordinal));
        // Plain SGD at w = 0 with ReLU: sigma'(0) = 0, no step ever moves w.
        Assert.All(cells.Where(l => l.StartsWith("sgd,", StringComparison.Ordinal) && l.Split(',')[3] == "0"), l => Assert.Equal("0", l.Split(',')[5]));
        // Convotron with the normalised step succeeds from w = 0.
        Assert.Contains(cells, l => l.StartsWith("convotron,normalized,0.5,0,2,2,1,", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(one, "compare_convotron.png")));
        Assert.True(File.Exists(Path.Combine(one, "compare_sgd.png")));
        Assert.Contains("Findings", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_normalised_step_outside_0_2_is_a_usage_error()
    {
        Cli.Result result = Cli.Run("compare", "--normalized-steps", "3", "--out", Cli.TempDirectory("compare-bad"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--normalized-steps", result.Error, StringComparison.Ordinal);
    }
}
