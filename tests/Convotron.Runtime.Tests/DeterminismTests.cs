using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace Convotron.Tests;

public class DeterminismTests
{
    /// <summary>The same seed gives bit-identical parameters in two separate processes.</summary>
    [Fact]
    public void SameSeedIsBitIdenticalAcrossProcesses()
    {
        string first = RunSample("--seeds 2 --first-seed 7 --hex --geometry 1d:r=16,s=12,d=160");
        string second = RunSample("--seeds 2 --first-seed 7 --hex --geometry 1d:r=16,s=12,d=160");
        string other = RunSample("--seeds 2 --first-seed 8 --hex --geometry 1d:r=16,s=12,d=160");
        Assert.Equal(Parameters(first), Parameters(second));
        Assert.NotEqual(Parameters(first), Parameters(other));
        Assert.Contains("w ", first, StringComparison.Ordinal);
    }

    /// <summary>The same seed in one process gives the same result whichever thread runs it.</summary>
    [Fact]
    public void SameSeedIsBitIdenticalAcrossThreads()
    {
        var serial = LearnerTests.RunSeeds(PatchGeometry.Strided1D(16, 16, 160), InputDistribution.Uniform, new Algorithm1Options { Stage1Steps = 2000, Stage2Steps = 2000 }, 4, threads: 1);
        var parallel = LearnerTests.RunSeeds(PatchGeometry.Strided1D(16, 16, 160), InputDistribution.Uniform, new Algorithm1Options { Stage1Steps = 2000, Stage2Steps = 2000 }, 4, threads: 4);
        Assert.Equal(serial, parallel);
    }

    private static string Parameters(string output) =>
        string.Join('\n', Array.FindAll(output.Split('\n'), line => line.StartsWith("w ", StringComparison.Ordinal) || line.StartsWith("a ", StringComparison.Ordinal)));

    private static string RunSample(string arguments)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Reproduce.dll");
        Assert.True(File.Exists(dll), $"{dll} was not built next to the tests");
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "the sample did not finish in 2 minutes");
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {error}");
        return output;
    }
}
