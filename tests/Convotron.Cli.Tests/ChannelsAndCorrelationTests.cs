using System;
using System.IO;
using System.Linq;
using Xunit;

namespace Convotron.Cli.Tests;

/// <summary>Channels, AR(1) inputs and the single-patch Convotron through the tool.</summary>
public class ChannelsAndCorrelationTests
{
    [Fact]
    public void Geometry_describes_channels_disjoint_patches_and_the_input_covariance()
    {
        Cli.Result result = Cli.Run("geometry", "--geometry", "2d:rh=3,rw=3,sh=3,sw=3,height=9,width=9,channels=3", "--inputs", "ar1:0.5",
            "--out", Cli.TempDirectory("geometry-channels"));
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("d = 243, r = 27, k = 9 patches", result.Output, StringComparison.Ordinal);
        Assert.Contains("3 channels, channel-major", result.Output, StringComparison.Ordinal);
        Assert.Contains("(27 of 27)", result.Output, StringComparison.Ordinal);
        Assert.Contains("fit --update-patch J): 0..8", result.Output, StringComparison.Ordinal);
        // 9 × 9 separable AR(1) planes: κ = κ_9(ρ)², below ((1 + ρ)/(1 − ρ))² = 81.
        Assert.Contains("ar1:0.5 inputs: input covariance eigenvalues", result.Output, StringComparison.Ordinal);

        Cli.Result overlapping = Cli.Run("geometry", "--geometry", "1d:r=16,s=9,d=160", "--out", Cli.TempDirectory("geometry-overlap"));
        Assert.Contains("fit --update-patch J): none", overlapping.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("input covariance", overlapping.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_three_channel_image_teacher_with_ar1_inputs_is_fitted_and_predicted()
    {
        const string geometry = "2d:rh=3,rw=3,sh=2,sw=2,height=7,width=7,channels=2";
        string directory = Cli.TempDirectory("fit-channels");
        Cli.Result data = Cli.Run("make-data", "--geometry", geometry, "--inputs", "ar1:0.3", "--samples", "1500", "--digits", "6", "--out", directory);
        Assert.True(data.ExitCode == 0, data.Error);
        Assert.Contains("ar1:0.3 inputs", data.Output, StringComparison.Ordinal);
        Assert.Contains("channels=2", File.ReadAllText(Path.Combine(directory, "teacher_model.json")), StringComparison.Ordinal);
        // make-data owns its directory; fit writes into its own (the --out rule of every command).
        string fitDirectory = Path.Combine(directory, "fit");
        Cli.Result fit = Cli.Run("fit", Path.Combine(directory, "teacher.csv"), "--geometry", geometry, "--no-center", "--out", fitDirectory);
        Assert.True(fit.ExitCode == 0, fit.Error);
        Assert.True(FitPredictTests.ValidationError(fit.Output) < 1e-6, fit.Output);
        Assert.Contains("channels=2", File.ReadAllText(Path.Combine(fitDirectory, "model.json")), StringComparison.Ordinal);
        Cli.Result predict = Cli.Run("predict", Path.Combine(fitDirectory, "model.json"), Path.Combine(directory, "teacher.csv"), "--out", fitDirectory);
        Assert.True(predict.ExitCode == 0, predict.Error);
    }

    [Fact]
    public void Fit_updates_along_one_disjoint_patch_and_refuses_an_overlapping_one()
    {
        string directory = Cli.TempDirectory("fit-update-patch");
        Assert.Equal(0, Cli.Run("make-data", "--geometry", "1d:r=8,s=8,d=32", "--samples", "600", "--out", directory).ExitCode);
        Cli.Result fit = Cli.Run("fit", Path.Combine(directory, "teacher.csv"), "--geometry", "1d:r=8,s=8,d=32", "--no-center", "--update-patch", "2", "--out", Path.Combine(directory, "fit"));
        Assert.True(fit.ExitCode == 0, fit.Error);
        Assert.Contains("along patch 2 only", fit.Output, StringComparison.Ordinal);
        Assert.True(FitPredictTests.ValidationError(fit.Output) < 1e-6, fit.Output);

        Cli.Result overlap = Cli.Run("fit", Path.Combine(directory, "teacher.csv"), "--geometry", "1d:r=8,s=6,d=32", "--update-patch", "1", "--out", Path.Combine(directory, "fit-overlap"));
        Assert.Equal(2, overlap.ExitCode);
        Assert.Contains("--update-patch: UpdatePatch = 1: patch 1 shares input coordinate", overlap.Error, StringComparison.Ordinal);
        Cli.Result range = Cli.Run("fit", Path.Combine(directory, "teacher.csv"), "--geometry", "1d:r=8,s=8,d=32", "--update-patch", "4", "--out", Path.Combine(directory, "fit-range"));
        Assert.Equal(2, range.ExitCode);
        Assert.Contains("[0, 4)", range.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Distributions_accept_ar1_and_sweep_accepts_channels()
    {
        Cli.Result bad = Cli.Run("make-data", "--inputs", "ar1:1.5", "--out", Cli.TempDirectory("ar1-bad"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("ar1:RHO", bad.Error, StringComparison.Ordinal);

        string directory = Cli.TempDirectory("sweep-channels");
        Cli.Result sweep = Cli.Run("sweep", "--strides", "12", "--budgets", "400", "--distributions", "ar1:0.5,gaussian", "--noise", "0", "--seeds", "1",
            "--channels", "2", "--t3", "100", "--test-samples", "200", "--refine-samples", "3000", "--out", directory);
        Assert.True(sweep.ExitCode == 0, sweep.Error);
        string[] runs = File.ReadAllLines(Path.Combine(directory, "runs.csv"));
        Assert.Equal(3, runs.Length);
        Assert.Contains(runs, line => line.StartsWith("ar1:0.5,12,", StringComparison.Ordinal));
        Assert.Contains("channels=2", File.ReadAllText(Path.Combine(directory, "cells", "settings.txt")), StringComparison.Ordinal);
        Assert.Contains(Directory.GetFiles(Path.Combine(directory, "cells")), f => Path.GetFileName(f).StartsWith("ar1-0.5_s12", StringComparison.Ordinal));
    }
}
