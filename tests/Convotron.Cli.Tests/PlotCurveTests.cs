using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Convotron.Cli.Commands;
using Xunit;

namespace Convotron.Cli.Tests;

public class PlotCurveTests
{
    private static string Write(string directory, string text)
    {
        string path = Path.Combine(directory, "curve.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Medians_min_max_and_failed_runs_are_tabled_and_plotted()
    {
        string directory = Cli.TempDirectory("plot-curve");
        string csv = Write(directory,
            "series,style,x,y,extra\n" +
            "\"Convotron, mu = 0.5\",points,10,4,a\n" +
            "\"Convotron, mu = 0.5\",points,10,1,b\n" +
            "\"Convotron, mu = 0.5\",points,10,2,c\n" +
            "\"Convotron, mu = 0.5\",points,1e2,0.5,d\n" +
            "\"Convotron, mu = 0.5\",points,100,nan,e\n" +
            "\"Convotron, mu = 0.5\",points,100,Infinity,e\n" +
            "limit,line,100,0.01,f\n" +
            "limit,line,10,0.1,g\n" +
            "limit,line,10,0.3,h\n");
        string output = Path.Combine(directory, "out");
        Cli.Result result = Cli.Run("plot-curve", csv, "--out", output, "--x-label", "n", "--title", "test");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(
        [
            PlotCurveCommand.MediansHeader,
            "\"Convotron, mu = 0.5\",points,10,3,3,2,1,4",
            "\"Convotron, mu = 0.5\",points,100,3,1,0.5,0.5,0.5",
            "limit,line,10,2,2,0.2,0.1,0.3",
            "limit,line,100,1,1,0.01,0.01,0.01",
        ], File.ReadAllLines(Path.Combine(output, PlotCurveCommand.MediansFile)));
        string summary = File.ReadAllText(Path.Combine(output, "summary.txt"));
        Assert.Contains("| n | Convotron, mu = 0.5 | limit |", summary, StringComparison.Ordinal);
        Assert.Contains("| 10 | 2.00e+00 (1.00e+00 – 4.00e+00) | 2.00e-01 |", summary, StringComparison.Ordinal);
        Assert.Contains("| 100 | 5.00e-01; 2 of 3 failed | 1.00e-02 |", summary, StringComparison.Ordinal);
        byte[] png = File.ReadAllBytes(Path.Combine(output, PlotCurveCommand.PlotFile));
        Assert.True(png.Length > 1000);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png.Take(4).ToArray());
    }

    [Theory]
    [InlineData("series,style,x\nA,points,1\n", "no column 'y'")]
    [InlineData("series,style,x,y\nA,dots,1,1\n", "2:3: 'dots' is not a style")]
    [InlineData("series,style,x,y\nA,points,0,1\n", "2:10: x = '0' is not allowed")]
    [InlineData("series,style,x,y\nA,points,1,abc\n", "y = 'abc' is not allowed")]
    [InlineData("series,style,x,y\nA,line,1,nan\n", "finite and > 0 on a line")]
    [InlineData("series,style,x,y\nA,line,1,1\nA,points,2,1\n", "has rows of both styles")]
    [InlineData("series,style,x,y\n", "at least one row")]
    [InlineData("series,style,x,y\nA,points,1\n", "expected 4 columns")]
    public void A_malformed_curve_file_is_refused_with_its_place(string text, string message)
    {
        string directory = Cli.TempDirectory("plot-curve-bad");
        string csv = Write(directory, text);
        Cli.Result result = Cli.Run("plot-curve", csv, "--out", Path.Combine(directory, "out"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(csv, result.Error, StringComparison.Ordinal);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, "out", PlotCurveCommand.PlotFile)));
    }

    [Fact]
    public void A_missing_curve_file_is_a_failure_naming_it()
    {
        string missing = Path.Combine(Cli.TempDirectory("plot-curve-missing"), "none.csv");
        Cli.Result result = Cli.Run("plot-curve", missing, "--out", Cli.TempDirectory("plot-curve-missing-out"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(missing, result.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// The pieces of scripts/limit-curve.sh at tiny n: compare --noise, scripts/limit_curve.py on its
    /// runs.csv and a limit-runs.sh-shaped learner file, then plot-curve on the result (the numpy data
    /// and fit of the learner are exercised by FitPredictTests; here its runs.csv is written by hand).
    /// </summary>
    [Fact]
    public void The_limit_curve_pieces_fit_together()
    {
        string directory = Cli.TempDirectory("limit-curve-smoke");
        string compare = Path.Combine(directory, "compare");
        Assert.Equal(0, Cli.Run("compare", "--samples", "1000", "--seeds", "2", "--test-samples", "500", "--fixed-steps", "none",
            "--normalized-steps", "0.5", "--init-scales", "1", "--noise", "0.1", "--out", compare).ExitCode);
        string learner = Path.Combine(directory, "learner.csv");
        File.WriteAllText(learner,
            "inputs,s,noise,n,seed,relative_test_mse,limit,ratio,fit_seconds\n" +
            "gaussian,9,0.1,1000,1,2.788E-04,0.00032,0.87,1.2\n" +
            "gaussian,9,0.1,1000,2,nan,0.00032,nan,1.4\n");
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Cli.RepositoryRoot(),
        };
        foreach (string argument in new[] { Path.Combine("scripts", "limit_curve.py"), learner, Path.Combine(compare, "runs.csv") })
            start.ArgumentList.Add(argument);
        using Process python = Process.Start(start)!;
        string curve = python.StandardOutput.ReadToEnd();
        string errors = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, errors);
        string[] lines = curve.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("series,style,x,y", lines[0]);
        // Two learner runs with their limit, then per compare run (2 methods x 2 seeds) a point, its limit and the floor.
        Assert.Equal(1 + 2 * 2 + 4 * 3, lines.Length);
        Assert.StartsWith("convotron fit (defaults)", lines[1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("\"Convotron, μ = 0.5, a* known\",points,1000,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("\"plain SGD, μ = 0.5, a* known\",points,1000,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("constant-step floor", StringComparison.Ordinal)
            && double.Parse(l.Split(',')[^1], CultureInfo.InvariantCulture) is var floor && Math.Abs(floor - 0.5 / 1.5 * 0.01) < 1e-15);
        string csv = Path.Combine(directory, "curve.csv");
        File.WriteAllText(csv, curve);
        string plot = Path.Combine(directory, "plot");
        Cli.Result result = Cli.Run("plot-curve", csv, "--out", plot);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("| 1000 | 2.79e-04; 1 of 2 failed | 3.20e-04 |", result.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(plot, PlotCurveCommand.PlotFile)));
    }
}
