using System;
using Xunit;

namespace Convotron.Cli.Tests;

public class GeometryTests
{
    [Fact]
    public void Describes_the_paper_geometry()
    {
        string directory = Cli.TempDirectory("geometry");
        Cli.Result result = Cli.Run("geometry", "--geometry", "1d:r=16,s=9,d=160", "--out", directory);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("k = 17 patches", result.Output, StringComparison.Ordinal);
        Assert.Contains("| 1       | 9..24", result.Output, StringComparison.Ordinal);
        Assert.Contains("non-overlapping taps T_non: 7..8 (2 of 16)", result.Output, StringComparison.Ordinal);
        Assert.Contains("unread coordinates: 0 of 160", result.Output, StringComparison.Ordinal);
        Assert.Contains("Du & Goel's lower bound", result.Output, StringComparison.Ordinal);
        Assert.True(System.IO.File.Exists(System.IO.Path.Combine(directory, "summary.txt")));
        Assert.True(System.IO.File.Exists(System.IO.Path.Combine(directory, "coverage.png")));
        string[] patches = System.IO.File.ReadAllLines(System.IO.Path.Combine(directory, "patches.csv"));
        Assert.Equal(1 + 17 * 16, patches.Length);
        Assert.Equal("1,7,16,1", patches[1 + 16 + 7]);
    }

    [Fact]
    public void Reports_unread_coordinates_and_missing_non_overlap()
    {
        Cli.Result result = Cli.Run("geometry", "--geometry", "1d:r=8,s=3,d=30", "--out", Cli.TempDirectory("geometry"));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("T_non: none", result.Output, StringComparison.Ordinal);
        Assert.Contains("unread coordinates: 1 of 30", result.Output, StringComparison.Ordinal);
        Assert.Contains("bound does not apply", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_geometry_is_a_usage_error()
    {
        Cli.Result result = Cli.Run("geometry", "--geometry", "3d:r=1", "--out", Cli.TempDirectory("geometry"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--geometry", result.Error, StringComparison.Ordinal);
        Assert.Contains("1d:r=", result.Error, StringComparison.Ordinal);
        Assert.Equal(2, Cli.Run("geometry").ExitCode);
    }
}
