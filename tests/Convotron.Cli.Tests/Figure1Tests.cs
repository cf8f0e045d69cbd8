using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Xunit;

namespace Convotron.Cli.Tests;

public class Figure1Tests
{
    private static readonly string[] Small = ["--t1", "400", "--t2", "400", "--t3", "200", "--test-samples", "500", "--refine-samples", "3000"];

    private static Cli.Result RunSmall(string directory, params string[] extra) =>
        Cli.Run(["figure1", .. Small, "--out", directory, .. extra]);

    [Fact]
    public void Writes_the_summary_with_exactly_the_required_columns_and_finite_values()
    {
        string directory = Cli.TempDirectory("figure1");
        Cli.Result result = RunSmall(directory, "--threads", "2");
        Assert.True(result.ExitCode == 0, result.Error);
        string[] lines = File.ReadAllLines(Path.Combine(directory, "summary.csv"));
        Assert.Equal("distribution,stride,k,stage1_angle,stage2_test_mse,relative_test_mse,refined_relative_test_mse,samples_used", lines[0]);
        Assert.Equal(7, lines.Length);
        foreach (string line in lines.Skip(1))
        {
            string[] fields = line.Split(',');
            Assert.Equal(8, fields.Length);
            Assert.Contains(fields[0], new[] { "gaussian", "uniform" });
            foreach (string number in fields.Skip(1))
                Assert.True(double.IsFinite(double.Parse(number, CultureInfo.InvariantCulture)), line);
            // samples_used = T1 + T2 + T3 + refinement's samples (at most 3000), not the test set.
            long samples = long.Parse(fields[7], CultureInfo.InvariantCulture);
            Assert.InRange(samples, 1000, 4000);
        }
        string curves = File.ReadAllText(Path.Combine(directory, "curves.csv"));
        Assert.StartsWith("distribution,stride,stage,step,value\n", curves, StringComparison.Ordinal);
        Assert.Contains("gaussian,9,stage1,", curves, StringComparison.Ordinal);
        Assert.Contains("uniform,16,stage2,", curves, StringComparison.Ordinal);
        Assert.Contains("gaussian,12,refinement,", curves, StringComparison.Ordinal);
        foreach (string png in new[] { "figure1_a_gaussian_stage1.png", "figure1_b_gaussian_stage2.png", "figure1_c_uniform_stage1.png", "figure1_d_uniform_stage2.png", "refinement.png" })
            Assert.True(new FileInfo(Path.Combine(directory, png)).Length > 1000, png);
        Assert.Contains("refined relative test MSE", File.ReadAllText(Path.Combine(directory, "summary.txt")), StringComparison.Ordinal);
    }

    /// <summary>
    /// figure1 killed mid-run leaves no result file a later run could trust (outputs are written
    /// atomically, at the end), and rerunning finishes the work with the same bytes as a run that
    /// was never interrupted.
    /// </summary>
    [Fact]
    public void A_killed_figure1_rerun_gives_the_uninterrupted_results()
    {
        // Rows of about half a second each, so the kill after the first lands well before the sixth.
        // The test set is what makes them that long: the training steps (compiled [ConvNet] kernels)
        // take well under 0.2 s a row, and samples_used must stay within the figure's budget.
        string[] settings = ["figure1", "--t1", "40000", "--t2", "40000", "--t3", "2000", "--test-samples", "20000", "--refine-samples", "20000", "--threads", "1"];
        string reference = Cli.TempDirectory("figure1-reference");
        Assert.Equal(0, Cli.Run([.. settings, "--out", reference]).ExitCode);

        string interrupted = Cli.TempDirectory("figure1-interrupted");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Cli.ToolPath());
        foreach (string arg in settings)
            start.ArgumentList.Add(arg);
        start.ArgumentList.Add("--out");
        start.ArgumentList.Add(interrupted);
        int finishedRows = 0;
        using (var child = System.Diagnostics.Process.Start(start)!)
        {
            child.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.Contains(" done (", StringComparison.Ordinal) == true)
                    System.Threading.Interlocked.Increment(ref finishedRows);
            };
            child.ErrorDataReceived += (_, _) => { };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (finishedRows < 1 && !child.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
                System.Threading.Thread.Sleep(5);
            Assert.False(child.HasExited, "figure1 finished before it could be killed; make the settings larger");
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        Assert.False(File.Exists(Path.Combine(interrupted, "summary.csv")), "a killed run must not leave a summary");

        Assert.Equal(0, Cli.Run([.. settings, "--out", interrupted]).ExitCode);
        foreach (string file in new[] { "summary.csv", "curves.csv" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(reference, file)), File.ReadAllBytes(Path.Combine(interrupted, file)));
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        string one = Cli.TempDirectory("figure1-t1"), two = Cli.TempDirectory("figure1-t2");
        Assert.Equal(0, RunSmall(one, "--threads", "1", "--seeds", "2").ExitCode);
        Assert.Equal(0, RunSmall(two, "--threads", "2", "--seeds", "2").ExitCode);
        foreach (string file in new[] { "summary.csv", "curves.csv", "summary_seeds.csv", "summary_all_seeds.csv" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(one, file)), File.ReadAllBytes(Path.Combine(two, file)));
        string[] seeds = File.ReadAllLines(Path.Combine(one, "summary_seeds.csv"));
        Assert.Equal(7, seeds.Length);
        Assert.StartsWith("distribution,stride,k,seeds,median_", seeds[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--strides", "3", "--strides")]
    [InlineData("--distributions", "cauchy", "gaussian, uniform")]
    [InlineData("--seeds", "0", "--seeds")]
    [InlineData("--threads", "0", "--threads")]
    [InlineData("--t1", "abc", "--t1")]
    public void Argument_errors_exit_with_2_and_name_the_option(string option, string value, string expected)
    {
        Cli.Result result = Cli.Run("figure1", option, value, "--out", Cli.TempDirectory("figure1-bad"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_options_and_commands_exit_with_2()
    {
        Assert.Equal(2, Cli.Run("figure1", "--bogus").ExitCode);
        Assert.Equal(2, Cli.Run("no-such-command").ExitCode);
    }

    [Fact]
    public void Every_command_has_help()
    {
        foreach (string command in new[] { "figure1", "compare", "sweep", "fit", "predict", "geometry", "make-data", "plot-curve" })
        {
            Cli.Result result = Cli.Run(command, "--help");
            Assert.Equal(0, result.ExitCode);
            Assert.Contains("--out", result.Output, StringComparison.Ordinal);
            // --seed only where it is used: UserErrorTests.Seed_is_offered_only_where_a_random_stream_uses_it.
            Assert.Contains("--max-memory", result.Output, StringComparison.Ordinal);
        }
    }
}
