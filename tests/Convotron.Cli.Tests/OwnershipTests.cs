using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Convotron.Cli.Infrastructure;
using Xunit;

namespace Convotron.Cli.Tests;

/// <summary>Issue 19: a command writes only files it wrote before or creates, never its inputs, one run per directory at a time; an interrupted run says how to resume.</summary>
public class OwnershipTests
{
    private static string SampleData => Path.Combine(Cli.RepositoryRoot(), "samples", "data", "teacher.csv");

    private static readonly string[] QuickFit = ["--geometry", "1d:r=8,s=6,d=32", "--epochs", "2", "--stage-steps", "2000"];

    private static string Copy(string directory, string name)
    {
        string path = Path.Combine(directory, name);
        File.Copy(SampleData, path);
        return path;
    }

    [Fact]
    public void A_command_never_writes_over_its_inputs_by_any_name()
    {
        string directory = Cli.TempDirectory("inputs");
        string data = Copy(directory, "data.csv");
        string original = File.ReadAllText(data);
        File.CreateSymbolicLink(Path.Combine(directory, "link.csv"), data);
        using (var link = Process.Start("ln", [data, Path.Combine(directory, "hard.csv")]))
            link.WaitForExit();
        string output = Path.Combine(directory, "out");
        foreach (string sameFile in new[] { data, Path.Combine(directory, "link.csv"), Path.Combine(directory, "hard.csv"), Path.Combine(directory, "..", Path.GetFileName(directory), "data.csv") })
        {
            Cli.Result fit = Cli.Run(["fit", data, .. QuickFit, "--model", sameFile, "--out", output, "--force"]);
            Assert.Equal(CliApp.UsageError, fit.ExitCode);
            Assert.Contains("an input of fit", fit.Error, StringComparison.Ordinal);
            Assert.Equal("", fit.Output);
        }
        Assert.Equal(original, File.ReadAllText(data));

        // An input inside --out under one of the command's own names: a file the command wrote before is an input now.
        Assert.Equal(0, Cli.Run(["fit", data, .. QuickFit, "--out", output]).ExitCode);
        string curve = Path.Combine(output, "fit_curve.csv");
        string before = File.ReadAllText(curve);
        Cli.Result fitOwn = Cli.Run(["fit", curve, "--geometry", "1d:r=1,s=1,d=2", "--out", output]);
        Assert.Equal(CliApp.UsageError, fitOwn.ExitCode);
        Assert.Contains("an input of fit", fitOwn.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(curve));

        // predict: neither its MODEL nor its DATA, as a file or inside a directory.
        string model = Path.Combine(output, "model.json");
        Cli.Result overData = Cli.Run("predict", model, data, "--out", data, "--force");
        Assert.Equal(CliApp.UsageError, overData.ExitCode);
        Assert.Contains("an input of predict", overData.Error, StringComparison.Ordinal);
        Assert.Equal(original, File.ReadAllText(data));
        string predictions = Path.Combine(directory, "p");
        Assert.Equal(0, Cli.Run("predict", model, data, "--out", predictions).ExitCode);
        Cli.Result overOwn = Cli.Run("predict", model, Path.Combine(predictions, "predictions.csv"), "--out", predictions);
        Assert.Equal(CliApp.UsageError, overOwn.ExitCode);

        // sweep merge never writes into a directory it merges.
        Cli.Result merge = Cli.Run("sweep", "merge", output, "--out", Path.Combine(directory, "out"));
        Assert.Equal(CliApp.UsageError, merge.ExitCode);
    }

    [Theory]
    [InlineData("summary.txt", "fit")]
    [InlineData("teacher.csv", "make-data")]
    [InlineData("notes.csv", "make-data")]
    [InlineData("predictions.csv", "predict")]
    [InlineData("patches.csv", "geometry")]
    public void A_users_file_of_a_commands_name_is_left_alone_unless_force(string name, string command)
    {
        string directory = Cli.TempDirectory("users-file");
        string mine = Path.Combine(directory, name);
        File.WriteAllText(mine, "my own notes\n");
        string[] args = command switch
        {
            "fit" => ["fit", SampleData, .. QuickFit],
            "make-data" => ["make-data", "--samples", "20", "--name", Path.GetFileNameWithoutExtension(name)],
            "predict" => ["predict", Path.Combine(Cli.RepositoryRoot(), "samples", "data", "teacher_model.json"), SampleData],
            _ => ["geometry", "--geometry", "1d:r=8,s=6,d=32"],
        };
        Cli.Result refused = Cli.Run([.. args, "--out", directory]);
        Assert.Equal(CliApp.UsageError, refused.ExitCode);
        Assert.Contains(name, refused.Error, StringComparison.Ordinal);
        Assert.Contains("--force", refused.Error, StringComparison.Ordinal);
        Assert.Equal("", refused.Output);
        Assert.Equal("my own notes\n", File.ReadAllText(mine));

        // With --force the file is replaced and becomes the command's; a rerun then needs no --force.
        Cli.Result forced = Cli.Run([.. args, "--out", directory, "--force"]);
        Assert.True(forced.ExitCode == 0, forced.Error);
        Assert.NotEqual("my own notes\n", File.ReadAllText(mine));
        Assert.Contains(command + "\t" + name, File.ReadAllText(Path.Combine(directory, OutputFolder.OwnerFile)), StringComparison.Ordinal);
        Cli.Result again = Cli.Run([.. args, "--out", directory]);
        Assert.True(again.ExitCode == 0, again.Error);
    }

    [Fact]
    public void Directories_of_older_versions_keep_their_files_as_the_commands_own()
    {
        // An older convotron's owner file held only the command's name; predict wrote no owner file at all.
        string directory = Cli.TempDirectory("legacy");
        File.WriteAllText(Path.Combine(directory, OutputFolder.OwnerFile), "geometry\n");
        foreach (string name in new[] { "summary.txt", "patches.csv", "predictions.csv" })
            File.WriteAllText(Path.Combine(directory, name), "old\n");
        File.WriteAllText(Path.Combine(directory, "predict.txt"), "predict: model m.json on d.csv: 1 rows\n");
        File.WriteAllText(Path.Combine(directory, "notes.csv"), "mine\n");
        Cli.Result geometry = Cli.Run("geometry", "--geometry", "1d:r=8,s=6,d=32", "--out", directory);
        Assert.True(geometry.ExitCode == 0, geometry.Error);
        Cli.Result predict = Cli.Run("predict", Path.Combine(Cli.RepositoryRoot(), "samples", "data", "teacher_model.json"), SampleData, "--out", directory);
        Assert.True(predict.ExitCode == 0, predict.Error);
        Assert.Equal("mine\n", File.ReadAllText(Path.Combine(directory, "notes.csv")));
        string manifest = File.ReadAllText(Path.Combine(directory, OutputFolder.OwnerFile));
        foreach (string entry in new[] { "owner\tgeometry", "geometry\tpatches.csv", "geometry\tcoverage.png", "predict\tpredictions.csv", "predict\tpredict.txt" })
            Assert.Contains(entry, manifest, StringComparison.Ordinal);
        Assert.DoesNotContain("notes.csv", manifest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_into_a_locked_directory_is_refused_at_once_and_two_concurrent_runs_do_not_both_write()
    {
        string directory = Cli.TempDirectory("locked");
        Assert.Equal(0, Cli.Run("geometry", "--geometry", "1d:r=8,s=6,d=32", "--out", directory).ExitCode);
        // Another run holds the lock (what OutputFolder takes: an exclusive lock on the lock file).
        using (new FileStream(Path.Combine(directory, OutputFolder.LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var clock = Stopwatch.StartNew();
            Cli.Result refused = Cli.Run("geometry", "--geometry", "1d:r=8,s=6,d=32", "--out", directory);
            Assert.Equal(CliApp.UsageError, refused.ExitCode);
            Assert.Contains("another convotron run is writing there", refused.Error, StringComparison.Ordinal);
            Assert.Contains(directory, refused.Error, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "refused at once, not after waiting");
        }
        Assert.Equal(0, Cli.Run("geometry", "--geometry", "1d:r=8,s=6,d=32", "--out", directory).ExitCode);

        // Two fits into one directory at the same time (each long enough that the other starts while it runs): one writes, the other is refused.
        string both = Cli.TempDirectory("concurrent");
        using var start = new Barrier(2);
        Cli.Result[] results = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            return Cli.Run("fit", SampleData, "--geometry", "1d:r=8,s=6,d=32", "--stage-steps", "50000", "--out", both);
        })));
        Assert.Equal(new[] { CliApp.Success, CliApp.UsageError }, results.Select(r => r.ExitCode).Order().ToArray());
        Assert.Contains("another convotron run is writing there", results.Single(r => r.ExitCode != 0).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_refuses_a_directory_as_model_before_fitting()
    {
        string directory = Cli.TempDirectory("model-dir");
        var clock = Stopwatch.StartNew();
        Cli.Result fit = Cli.Run("fit", SampleData, "--geometry", "1d:r=8,s=6,d=32", "--model", directory, "--out", Path.Combine(directory, "out"));
        Assert.Equal(CliApp.UsageError, fit.ExitCode);
        Assert.Contains("--model", fit.Error, StringComparison.Ordinal);
        Assert.Contains("is a directory", fit.Error, StringComparison.Ordinal);
        Assert.Equal("", fit.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));

        // A file elsewhere that is not a model file is not replaced without --force; a model file is.
        string notes = Path.Combine(directory, "notes.json");
        File.WriteAllText(notes, "{\"mine\": true}");
        Cli.Result over = Cli.Run("fit", SampleData, "--geometry", "1d:r=8,s=6,d=32", "--model", notes, "--out", Path.Combine(directory, "out"));
        Assert.Equal(CliApp.UsageError, over.ExitCode);
        Assert.Contains("not a model file", over.Error, StringComparison.Ordinal);
        Assert.Equal("{\"mine\": true}", File.ReadAllText(notes));
    }

    [Fact]
    public void A_failed_fit_moves_the_earlier_model_aside_and_says_so()
    {
        string directory = Cli.TempDirectory("failed-fit");
        Assert.Equal(0, Cli.Run(["fit", SampleData, .. QuickFit, "--out", directory]).ExitCode);
        string model = Path.Combine(directory, "model.json");
        string earlier = File.ReadAllText(model);
        // Labels independent of the inputs: nothing beats predicting the mean.
        var random = new Random(3);
        string noise = Path.Combine(Cli.TempDirectory("noise"), "noise.csv");
        File.WriteAllLines(noise, Enumerable.Range(0, 300).Select(_ => string.Join(",", Enumerable.Range(0, 33).Select(_ => (random.NextDouble() * 2 - 1).ToString("R", System.Globalization.CultureInfo.InvariantCulture)))));
        Cli.Result failed = Cli.Run(["fit", noise, .. QuickFit, "--out", directory]);
        Assert.Equal(CliApp.Failure, failed.ExitCode);
        Assert.False(File.Exists(model));
        string aside = Path.Combine(directory, "model.previous.json");
        Assert.Equal(earlier, File.ReadAllText(aside));
        string summary = File.ReadAllText(Path.Combine(directory, "summary.txt"));
        Assert.Contains("FAILED", summary, StringComparison.Ordinal);
        Assert.Contains(model + ", written by an earlier fit, was moved to " + aside, summary, StringComparison.Ordinal);
        Assert.NotEqual(0, Cli.Run("predict", model, SampleData, "--out", Cli.TempDirectory("predict-failed")).ExitCode);
    }

    [Fact]
    public void An_interrupted_run_says_how_to_resume_or_that_nothing_was_written()
    {
        string directory = Cli.TempDirectory("interrupt-message");
        using (OutputFolder folder = OutputFolder.Claim("--out", directory, "fit", force: false))
        {
            Assert.Contains("fit wrote nothing to " + directory, Interruption.Message(folder), StringComparison.Ordinal);
            File.WriteAllText(folder.PathOf("summary.txt"), "partial\n");
            Assert.Contains("rerun the same command", Interruption.Message(folder), StringComparison.Ordinal);
        }
        using (OutputFolder sweep = OutputFolder.Claim("--out", Cli.TempDirectory("interrupt-sweep"), "sweep", force: false, resumeHint: "rerun to resume from {out}/cells"))
            Assert.Equal("interrupted: rerun to resume from " + sweep.Directory + "/cells", Interruption.Message(sweep));
    }

    [Fact]
    public void An_interrupted_sweep_says_that_rerunning_resumes_and_leaves_the_directory_unlocked()
    {
        // Runs of about half a second each on one thread, so the interrupt lands after the first and well before the last.
        string[] settings = ["sweep", "--strides", "9", "--budgets", "20000", "--distributions", "gaussian", "--noise", "0", "--t3", "2000",
            "--test-samples", "20000", "--refine-samples", "20000", "--threads", "1"];
        string directory = Cli.TempDirectory("sweep-interrupted");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Cli.ToolPath());
        foreach (string arg in (string[])[.. settings, "--seeds", "40", "--out", directory])
            start.ArgumentList.Add(arg);
        int finished = 0;
        var error = new System.Text.StringBuilder();
        int exitCode;
        using (var child = Process.Start(start)!)
        {
            child.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.Contains(" done (", StringComparison.Ordinal) == true)
                    Interlocked.Increment(ref finished);
            };
            child.ErrorDataReceived += (_, e) =>
            {
                lock (error)
                    error.AppendLine(e.Data);
            };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (finished < 1 && !child.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
                Thread.Sleep(5);
            Assert.False(child.HasExited, "the sweep finished before it could be interrupted; make the settings larger");
            using (var kill = Process.Start("kill", ["-INT", child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                kill.WaitForExit();
            Assert.True(child.WaitForExit(30_000), "the sweep did not stop on SIGINT");
            child.WaitForExit();
            exitCode = child.ExitCode;
        }
        Assert.Equal(130, exitCode);
        string message;
        lock (error)
            message = error.ToString();
        Assert.Contains("interrupted: rerun the same command to resume", message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(directory, "cells"), message, StringComparison.Ordinal);

        // The killed run left no lock behind, and its finished run is not run again.
        Cli.Result rerun = Cli.Run([.. settings, "--seeds", "1", "--out", directory]);
        Assert.True(rerun.ExitCode == 0, rerun.Error);
        Assert.Contains("1 already done, 0 to run", rerun.Output, StringComparison.Ordinal);
    }
}
