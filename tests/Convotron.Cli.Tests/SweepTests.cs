using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Convotron.Cli.Commands;
using Xunit;

namespace Convotron.Cli.Tests;

public class SweepTests
{
    private static readonly string[] Small =
        ["--strides", "9,16", "--budgets", "200,400", "--distributions", "gaussian", "--noise", "0,0.1", "--seeds", "2",
         "--t3", "100", "--test-samples", "200", "--refine-samples", "1500", "--finish-rows", "1500"];

    private static void AssertSameResults(string expected, string actual)
    {
        foreach (string file in new[] { "runs.csv", "sweep.csv" })
            Assert.Equal(File.ReadAllText(Path.Combine(expected, file)), File.ReadAllText(Path.Combine(actual, file)));
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count_and_shards_merge_to_the_whole()
    {
        string one = Cli.TempDirectory("sweep-t1"), two = Cli.TempDirectory("sweep-t2");
        Cli.Result first = Cli.Run(["sweep", .. Small, "--threads", "1", "--out", one]);
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Equal(0, Cli.Run(["sweep", .. Small, "--threads", "2", "--out", two]).ExitCode);
        AssertSameResults(one, two);
        string[] runs = File.ReadAllLines(Path.Combine(one, "runs.csv"));
        Assert.Equal(1 + 2 * 2 * 2 * 2, runs.Length);
        Assert.Equal(1 + 2 * 2 * 2, File.ReadAllLines(Path.Combine(one, "sweep.csv")).Length);

        string shard0 = Cli.TempDirectory("sweep-shard0"), shard1 = Cli.TempDirectory("sweep-shard1"), merged = Cli.TempDirectory("sweep-merged");
        Assert.Equal(0, Cli.Run(["sweep", .. Small, "--shard", "0/2", "--out", shard0]).ExitCode);
        Assert.Equal(0, Cli.Run(["sweep", .. Small, "--shard", "1/2", "--out", shard1]).ExitCode);
        Assert.Equal(9, File.ReadAllLines(Path.Combine(shard0, "runs.csv")).Length);
        Cli.Result merge = Cli.Run("sweep", "merge", shard0, shard1, "--out", merged);
        Assert.True(merge.ExitCode == 0, merge.Error);
        AssertSameResults(one, merged);
    }

    [Fact]
    public void Bad_shards_and_lists_are_usage_errors()
    {
        Cli.Result shard = Cli.Run(["sweep", .. Small, "--shard", "2/2", "--out", Cli.TempDirectory("sweep-bad")]);
        Assert.Equal(2, shard.ExitCode);
        Assert.Contains("--shard", shard.Error, StringComparison.Ordinal);
        Cli.Result budgets = Cli.Run("sweep", "--budgets", "100,x", "--out", Cli.TempDirectory("sweep-bad"));
        Assert.Equal(2, budgets.ExitCode);
        Assert.Contains("--budgets", budgets.Error, StringComparison.Ordinal);
        Cli.Result strides = Cli.Run("sweep", "--strides", "0", "--out", Cli.TempDirectory("sweep-bad"));
        Assert.Equal(2, strides.ExitCode);
        Assert.Contains("--strides", strides.Error, StringComparison.Ordinal);
        Assert.Equal(2, Cli.Run("sweep", "merge", Cli.TempDirectory("not-a-sweep")).ExitCode);
    }

    [Fact]
    public void Strides_without_a_non_overlapping_part_run_the_joint_learner_and_noisy_cells_report_the_oracle_ratio()
    {
        string directory = Cli.TempDirectory("sweep-joint");
        Cli.Result run = Cli.Run("sweep", "--strides", "2,6", "--filter-size", "8", "--input-size", "32", "--budgets", "1500", "--distributions", "gaussian",
            "--noise", "0,0.5", "--seeds", "1", "--t3", "200", "--test-samples", "1000", "--refine-samples", "2000", "--finish-rows", "1500", "--out", directory);
        Assert.True(run.ExitCode == 0, run.Error);
        string[] lines = File.ReadAllLines(Path.Combine(directory, "runs.csv"));
        Assert.Equal(SweepCommand.RunsHeader, lines[0]);
        Assert.Equal(5, lines.Length);
        foreach (string line in lines.Skip(1))
        {
            string[] f = line.Split(',');
            double final = double.Parse(f[8], CultureInfo.InvariantCulture), noise = double.Parse(f[3], CultureInfo.InvariantCulture);
            double ratio = double.Parse(f[13], CultureInfo.InvariantCulture);
            if (noise == 0.0)
            {
                Assert.True(final <= 1e-20, line);
                Assert.True(double.IsNaN(ratio), line);
            }
            else
            {
                // Within 3x of sigma^2 (r + k - 1)/(n Var y) on one seed (the sweep's success bar is 2x).
                Assert.True(ratio > 0.0 && ratio <= 3.0, line);
            }
        }
    }

    [Fact]
    public void A_rerun_with_other_settings_in_the_same_directory_is_refused()
    {
        string directory = Cli.TempDirectory("sweep-settings");
        string[] tiny = ["sweep", "--strides", "16", "--budgets", "100", "--distributions", "gaussian", "--noise", "0", "--seeds", "1", "--t3", "50", "--test-samples", "50", "--refine-samples", "200", "--finish-rows", "200", "--out", directory];
        Assert.Equal(0, Cli.Run(tiny).ExitCode);
        Cli.Result other = Cli.Run([.. tiny, "--success", "0.5"]);
        Assert.Equal(2, other.ExitCode);
        Assert.Contains("other settings", other.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_killed_sweep_resumes_without_losing_or_redoing_finished_runs()
    {
        string[] grid =
            ["sweep", "--strides", "9,12,16", "--budgets", "2000,4000", "--distributions", "gaussian,uniform", "--noise", "0", "--seeds", "4",
             "--t3", "500", "--test-samples", "2000", "--refine-samples", "20000", "--finish-rows", "2000"];
        const int total = 3 * 2 * 2 * 4;
        string reference = Cli.TempDirectory("sweep-reference");
        Assert.Equal(0, Cli.Run([.. grid, "--threads", "2", "--out", reference]).ExitCode);

        string interrupted = Cli.TempDirectory("sweep-interrupted");
        string cells = Path.Combine(interrupted, "cells");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Cli.ToolPath());
        foreach (string arg in grid)
            start.ArgumentList.Add(arg);
        foreach (string arg in new[] { "--threads", "1", "--out", interrupted })
            start.ArgumentList.Add(arg);
        using (Process child = Process.Start(start)!)
        {
            child.OutputDataReceived += (_, _) => { };
            child.ErrorDataReceived += (_, _) => { };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (CellCount(cells) < 3 && !child.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
                Thread.Sleep(20);
            Assert.False(child.HasExited, "the child sweep finished before it could be killed; make the grid larger");
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        int finished = CellCount(cells);
        Assert.InRange(finished, 3, total - 1);
        Assert.False(File.Exists(Path.Combine(interrupted, "runs.csv")));

        Cli.Result resumed = Cli.Run([.. grid, "--threads", "2", "--out", interrupted]);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains($"{finished} already done, {total - finished} to run", resumed.Output, StringComparison.Ordinal);
        AssertSameResults(reference, interrupted);
    }

    private static int CellCount(string cells) =>
        Directory.Exists(cells) ? Directory.EnumerateFiles(cells, "*.csv").Count(f => !Path.GetFileName(f).StartsWith('.')) : 0;
}
