using System;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Xunit;

namespace Convotron.Cli.Tests;

/// <summary>Issue 11: nothing overwritten that a command does not own, bounded memory on absurd input, no silent garbage.</summary>
public class RobustnessTests
{
    private static string SampleData => Path.Combine(Cli.RepositoryRoot(), "samples", "data", "teacher.csv");

    internal static void AssertNoInternals(Cli.Result result)
    {
        foreach (string internals in new[] { "   at ", "(Parameter '", "Actual value was", "System.", "Exception" })
            Assert.DoesNotContain(internals, result.Error, StringComparison.Ordinal);
    }

    // 1. --out: predict writes only its own files; directories belong to one command.

    [Fact]
    public void Predict_never_replaces_the_files_of_the_fit_it_predicts_with()
    {
        string run = Cli.TempDirectory("own-fit");
        Cli.Result fit = Cli.Run("fit", SampleData, "--geometry", "1d:r=8,s=6,d=32", "--epochs", "2", "--stage-steps", "2000", "--out", run);
        Assert.True(fit.ExitCode == 0, fit.Error);
        string summary = File.ReadAllText(Path.Combine(run, "summary.txt"));
        string[] fitFiles = Directory.GetFiles(run).Order(StringComparer.Ordinal).ToArray();

        // Into the fit's directory: predict's own names only.
        Cli.Result intoDirectory = Cli.Run("predict", Path.Combine(run, "model.json"), SampleData, "--out", run);
        Assert.True(intoDirectory.ExitCode == 0, intoDirectory.Error);
        Assert.Equal(summary, File.ReadAllText(Path.Combine(run, "summary.txt")));
        foreach (string name in new[] { "predictions.csv", "predictions.png", "predict.txt" })
            Assert.True(File.Exists(Path.Combine(run, name)), name);
        Assert.Equal(fitFiles.Length + 3, Directory.GetFiles(run).Length);

        // A file path: that one file and nothing else.
        Cli.Result intoFile = Cli.Run("predict", Path.Combine(run, "model.json"), SampleData, "--out", Path.Combine(run, "preds.csv"));
        Assert.True(intoFile.ExitCode == 0, intoFile.Error);
        Assert.Equal(fitFiles.Length + 4, Directory.GetFiles(run).Length);
        Assert.Equal(summary, File.ReadAllText(Path.Combine(run, "summary.txt")));

        // A file name of another kind is refused, not turned into a directory.
        string wrong = Path.Combine(run, "preds.txt");
        Cli.Result txt = Cli.Run("predict", Path.Combine(run, "model.json"), SampleData, "--out", wrong);
        Assert.Equal(CliApp.UsageError, txt.ExitCode);
        Assert.Contains(".csv", txt.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(wrong) || File.Exists(wrong));

        // A CSV that predict did not write (the fit's curve) is left alone unless --force.
        string curve = File.ReadAllText(Path.Combine(run, "fit_curve.csv"));
        Cli.Result over = Cli.Run("predict", Path.Combine(run, "model.json"), SampleData, "--out", Path.Combine(run, "fit_curve.csv"));
        Assert.Equal(CliApp.UsageError, over.ExitCode);
        Assert.Contains("--force", over.Error, StringComparison.Ordinal);
        Assert.Equal(curve, File.ReadAllText(Path.Combine(run, "fit_curve.csv")));

        // Another command's results are not replaced without --force; --help states the rule.
        Cli.Result geometry = Cli.Run("geometry", "--geometry", "1d:r=8,s=6,d=32", "--out", run);
        Assert.Equal(CliApp.UsageError, geometry.ExitCode);
        Assert.Contains("'fit'", geometry.Error, StringComparison.Ordinal);
        Assert.Equal(summary, File.ReadAllText(Path.Combine(run, "summary.txt")));
        Assert.Equal(0, Cli.Run("geometry", "--geometry", "1d:r=8,s=6,d=32", "--out", run, "--force").ExitCode);
        foreach (string command in new[] { "fit", "predict", "geometry", "make-data", "sweep", "figure1", "compare", "plot-curve" })
            Assert.Contains("--out is a directory for every command", System.Text.RegularExpressions.Regex.Replace(Cli.Run(command, "--help").Output, @"\s+", " "), StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_command_refuses_a_file_as_out()
    {
        string directory = Cli.TempDirectory("out-file");
        string file = Path.Combine(directory, "report.txt");
        File.WriteAllText(file, "mine");
        Cli.Result existing = Cli.Run("geometry", "--geometry", "1d:r=8,s=6,d=32", "--out", file);
        Assert.Equal(CliApp.UsageError, existing.ExitCode);
        Assert.Equal("mine", File.ReadAllText(file));
        Cli.Result named = Cli.Run("geometry", "--geometry", "1d:r=8,s=6,d=32", "--out", Path.Combine(directory, "layout.csv"));
        Assert.Equal(CliApp.UsageError, named.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(directory, "layout.csv")));
    }

    // 2. Size guards before allocation.

    [Theory]
    [InlineData("geometry", "--geometry", "1d:r=1,s=1,d=100000000")]
    [InlineData("make-data", "--geometry", "1d:r=1,s=1,d=100000000", "--samples", "2")]
    [InlineData("make-data", "--geometry", "1d:r=1,s=1,d=100000000", "--samples", "2", "--max-memory", "100G")]
    [InlineData("sweep", "--input-size", "100000000")]
    [InlineData("compare", "--geometry", "1d:r=1,s=1,d=100000000")]
    [InlineData("figure1", "--test-samples", "2000000000")]
    [InlineData("fit", "SAMPLE", "--geometry", "1d:r=1,s=1,d=100000000")]
    [InlineData("geometry", "--geometry", "1d:r=16,s=9,d=160000", "--max-memory", "2M")]
    public void Absurd_sizes_are_refused_at_once_before_allocating(params string[] args)
    {
        args = args.Select(a => a == "SAMPLE" ? SampleData : a).Append("--out").Append(Cli.TempDirectory("absurd")).ToArray();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        Cli.Result result = Cli.Run(args);
        clock.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(CliApp.UsageError, result.ExitCode);
        Assert.Matches("would (need|be) about|has d = 100,000,000 inputs but", result.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
        Assert.True(allocated < 64 << 20, $"allocated {allocated} bytes");
        AssertNoInternals(result);
    }

    [Fact]
    public void A_small_model_file_with_a_huge_geometry_is_refused_before_loading()
    {
        string directory = Cli.TempDirectory("huge-model");
        string model = Path.Combine(directory, "m.json");
        File.WriteAllText(model, "{\"format\": \"convotron-model\", \"version\": 1, \"geometry\": {\"spec\": \"1d:r=1,s=2000000000,d=2000000000\"}, \"alpha\": 0, \"filter\": [1], \"outputWeights\": [1]}");
        long before = GC.GetTotalAllocatedBytes(precise: true);
        Cli.Result result = Cli.Run("predict", model, SampleData, "--out", directory, "--max-memory", "1G");
        // A bad model file (exit 1, issue 19), named with the key at fault.
        Assert.Equal(CliApp.Failure, result.ExitCode);
        Assert.Contains("m.json:geometry.spec: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("would need about", result.Error, StringComparison.Ordinal);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 64 << 20);

        // The same for a patch list of one patch over d = 2·10⁹ inputs (its per-coordinate tables alone are 24 GB).
        File.WriteAllText(model, "{\"format\": \"convotron-model\", \"version\": 1, \"geometry\": {\"d\": 2000000000, \"patches\": [[0]]}, \"alpha\": 0, \"filter\": [1], \"outputWeights\": [1]}");
        before = GC.GetTotalAllocatedBytes(precise: true);
        result = Cli.Run("predict", model, SampleData, "--out", directory, "--max-memory", "1G");
        Assert.Equal(CliApp.Failure, result.ExitCode);
        Assert.Contains("m.json:geometry.d: its geometry of d = 2,000,000,000 inputs", result.Error, StringComparison.Ordinal);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 64 << 20);
    }

    /// <summary>
    /// Found by fuzzing (scripts/fuzz.sh, model target): the size guard read only the first "spec", so a patch list,
    /// or a second "geometry" (the loader took the last), got past it. A bad model file (exit 1): a patch list's d is
    /// sized before loading, and a repeated key is refused by the loader before it builds anything.
    /// </summary>
    [Theory]
    [InlineData("patch-list", "{\"format\": \"convotron-model\", \"version\": 1, \"geometry\": {\"d\": 2000000000, \"patches\": [[0]]}, \"alpha\": 0, \"filter\": [1], \"outputWeights\": [1]}")]
    [InlineData("second-geometry", "{\"format\": \"convotron-model\", \"version\": 1, \"geometry\": {\"spec\": \"1d:r=1,s=1,d=2\"}, \"geometry\": {\"spec\": \"1d:r=1,s=1,d=2000000000\"}, \"alpha\": 0, \"filter\": [1], \"outputWeights\": [1]}")]
    [InlineData("second-spec", "{\"format\": \"convotron-model\", \"version\": 1, \"geometry\": {\"spec\": \"1d:r=1,s=1,d=2\", \"spec\": \"1d:r=1,s=1,d=2000000000\"}, \"alpha\": 0, \"filter\": [1], \"outputWeights\": [1]}")]
    public void A_small_model_file_cannot_hide_a_huge_geometry_from_the_size_guard(string name, string json)
    {
        string directory = Cli.TempDirectory("huge-model-" + name);
        string model = Path.Combine(directory, "m.json");
        File.WriteAllText(model, json);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        Cli.Result result = Cli.Run("predict", model, SampleData, "--out", directory, "--max-memory", "1G");
        Assert.Equal(CliApp.Failure, result.ExitCode);
        Assert.Contains(name == "patch-list" ? "would need about" : "appears a second time", result.Error, StringComparison.Ordinal);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 64 << 20);
    }

    [Fact]
    public void Geometry_lists_every_patch_of_a_small_geometry_and_caps_a_large_one()
    {
        string small = Cli.TempDirectory("geometry-small");
        Assert.Equal(0, Cli.Run("geometry", "--geometry", "1d:r=8,s=6,d=32", "--out", small).ExitCode);
        Assert.Equal(1 + 5 * 8, File.ReadAllLines(Path.Combine(small, "patches.csv")).Length);

        string large = Cli.TempDirectory("geometry-large");
        Cli.Result result = Cli.Run("geometry", "--geometry", "1d:r=2,s=1,d=600000", "--patches", "3", "--out", large);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(1 + 3 * 2, File.ReadAllLines(Path.Combine(large, "patches.csv")).Length);
        Assert.Contains("patches.csv lists the first 3 of 599999 patches", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_memory_is_validated()
    {
        Cli.Result bad = Cli.Run("geometry", "--geometry", "1d:r=8,s=6,d=32", "--max-memory", "lots", "--out", Cli.TempDirectory("mm"));
        Assert.Equal(CliApp.UsageError, bad.ExitCode);
        Assert.Contains("--max-memory", bad.Error, StringComparison.Ordinal);
        Assert.Contains("not a memory size", bad.Error, StringComparison.Ordinal);
        Cli.Result good = Cli.Run("geometry", "--geometry", "1d:r=8,s=6,d=32", "--max-memory", "512M", "--out", Cli.TempDirectory("mm"));
        Assert.True(good.ExitCode == 0, good.Error);
    }

    // 4. sweep merge of an incomplete grid; settings mismatch named.

    private static readonly string[] Tiny =
        ["--strides", "9", "--budgets", "200", "--distributions", "gaussian", "--noise", "0", "--seeds", "3",
         "--t3", "50", "--test-samples", "100", "--no-refine"];

    [Fact]
    public void Merging_an_incomplete_set_of_shards_is_refused_unless_allow_partial()
    {
        string shard0 = Cli.TempDirectory("partial0"), shard1 = Cli.TempDirectory("partial1");
        Assert.Equal(0, Cli.Run(["sweep", .. Tiny, "--shard", "0/3", "--out", shard0]).ExitCode);
        Assert.Equal(0, Cli.Run(["sweep", .. Tiny, "--shard", "1/3", "--out", shard1]).ExitCode);
        string merged = Cli.TempDirectory("partial-merged");
        Cli.Result refused = Cli.Run("sweep", "merge", shard0, shard1, "--out", merged);
        Assert.Equal(CliApp.UsageError, refused.ExitCode);
        Assert.Contains("shard 2/3 missing", refused.Error, StringComparison.Ordinal);
        Assert.Contains("1 of 3 runs missing", refused.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(merged, "sweep.csv")));

        Cli.Result partial = Cli.Run("sweep", "merge", shard0, shard1, "--out", merged, "--allow-partial");
        Assert.True(partial.ExitCode == 0, partial.Error);
        Assert.StartsWith("partial:", File.ReadAllLines(Path.Combine(merged, "summary.txt"))[1], StringComparison.Ordinal);
        string[] sweep = File.ReadAllLines(Path.Combine(merged, "sweep.csv"));
        Assert.EndsWith(",partial", sweep[0], StringComparison.Ordinal);
        Assert.EndsWith(",1", sweep[1], StringComparison.Ordinal);

        string shard2 = Cli.TempDirectory("partial2"), whole = Cli.TempDirectory("partial-whole");
        Assert.Equal(0, Cli.Run(["sweep", .. Tiny, "--shard", "2/3", "--out", shard2]).ExitCode);
        Cli.Result complete = Cli.Run("sweep", "merge", shard0, shard1, shard2, "--out", whole);
        Assert.True(complete.ExitCode == 0, complete.Error);
        Assert.EndsWith(",0", File.ReadAllLines(Path.Combine(whole, "sweep.csv"))[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_settings_mismatch_names_the_setting_and_both_values()
    {
        string directory = Cli.TempDirectory("mismatch");
        Assert.Equal(0, Cli.Run(["sweep", .. Tiny, "--out", directory]).ExitCode);
        Cli.Result rerun = Cli.Run(["sweep", .. Tiny.Select(a => a == "50" ? "60" : a), "--out", directory]);
        Assert.Equal(CliApp.UsageError, rerun.ExitCode);
        Assert.Contains("t3 is 50 in the existing cells but 60 in this run", rerun.Error, StringComparison.Ordinal);

        string other = Cli.TempDirectory("mismatch-other");
        Assert.Equal(0, Cli.Run(["sweep", .. Tiny.Select(a => a == "100" ? "120" : a), "--out", other]).ExitCode);
        Cli.Result merge = Cli.Run("sweep", "merge", directory, other, "--out", Cli.TempDirectory("mismatch-merged"));
        Assert.Equal(CliApp.UsageError, merge.ExitCode);
        Assert.Contains("test_samples is 100 in", merge.Error, StringComparison.Ordinal);
        Assert.Contains("but 120 in", merge.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Sweep_accepts_a_geometry()
    {
        string directory = Cli.TempDirectory("sweep-geometry");
        Cli.Result result = Cli.Run("sweep", "--geometry", "1d:r=8,s=6,d=32", "--budgets", "200", "--distributions", "gaussian", "--noise", "0",
            "--seeds", "1", "--t3", "50", "--test-samples", "100", "--no-refine", "--out", directory);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.StartsWith("gaussian,6,200,", File.ReadAllLines(Path.Combine(directory, "runs.csv"))[1], StringComparison.Ordinal);
        Assert.Contains("r=8 d=32", File.ReadAllText(Path.Combine(directory, "cells", "settings.txt")), StringComparison.Ordinal);
        Cli.Result both = Cli.Run("sweep", "--geometry", "1d:r=8,s=6,d=32", "--input-size", "40", "--out", Cli.TempDirectory("sweep-both"));
        Assert.Equal(CliApp.UsageError, both.ExitCode);
        Cli.Result twoD = Cli.Run("sweep", "--geometry", "2d:rh=2,rw=2,sh=2,sw=2,height=4,width=4", "--out", Cli.TempDirectory("sweep-2d"));
        Assert.Equal(CliApp.UsageError, twoD.ExitCode);
        Assert.Contains("1D", twoD.Error, StringComparison.Ordinal);
    }

    // 5. The model remembers its label column.

    [Fact]
    public void Predict_uses_the_label_column_the_model_was_fitted_with()
    {
        string directory = Cli.TempDirectory("label-first");
        string[] lines = File.ReadAllLines(SampleData);
        string data = Path.Combine(directory, "y_first.csv");
        File.WriteAllLines(data, lines.Select(l => { int at = l.LastIndexOf(','); return l[(at + 1)..] + "," + l[..at]; }));
        Cli.Result fit = Cli.Run("fit", data, "--geometry", "1d:r=8,s=6,d=32", "--label", "y", "--out", Path.Combine(directory, "fit"));
        Assert.True(fit.ExitCode == 0, fit.Error);
        string model = Path.Combine(directory, "fit", "model.json");
        Assert.Contains("\"label\"", File.ReadAllText(model), StringComparison.Ordinal);

        Cli.Result predict = Cli.Run("predict", model, data, "--out", Path.Combine(directory, "p.csv"));
        Assert.True(predict.ExitCode == 0, predict.Error);
        Assert.DoesNotContain("warning", predict.Error, StringComparison.Ordinal);
        double relative = double.Parse(predict.Output.Split("relative test MSE ")[1].Split('\n')[0], CultureInfo.InvariantCulture);
        Assert.True(relative < 1e-2, predict.Output);

        // A header that disagrees (the label renamed) is warned about, and the recorded position is used.
        string renamed = Path.Combine(directory, "renamed.csv");
        File.WriteAllLines(renamed, File.ReadAllLines(data).Select((l, i) => i == 0 ? "target" + l[1..] : l));
        Cli.Result warned = Cli.Run("predict", model, renamed, "--out", Path.Combine(directory, "p2.csv"));
        Assert.True(warned.ExitCode == 0, warned.Error);
        Assert.Contains("warning: the model was fitted with the label 'y' in column 1", warned.Error, StringComparison.Ordinal);
        Assert.True(double.Parse(warned.Output.Split("relative test MSE ")[1].Split('\n')[0], CultureInfo.InvariantCulture) < 1e-2);
    }

    [Fact]
    public void Model_files_without_a_label_column_still_load()
    {
        string json = "{\"format\": \"convotron-model\", \"version\": 1, \"geometry\": {\"spec\": \"1d:r=2,s=2,d=4\"}, \"alpha\": 0, \"filter\": [1, 2], \"outputWeights\": [1, 1]}";
        LoadedModel loaded = ModelFile.FromJson(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Null(loaded.Label);
        LoadedModel withLabel = ModelFile.FromJson(System.Text.Encoding.UTF8.GetBytes(ModelFile.ToJson(loaded.Model, null, new LabelColumn("y", 0, 5))));
        Assert.Equal(new LabelColumn("y", 0, 5), withLabel.Label);
    }

    // 6. Messages in the user's language; exit codes keep their meaning.

    [Theory]
    [InlineData("{\"format\": \"convotron-model\", \"version\": 1, \"geometry\": {\"spec\": \"1d:r=8,s=6,d=32\"}, \"alpha\": 1.5, \"filter\": [1,2,3,4,5,6,7,8], \"outputWeights\": [1,1,1,1,1]}", "'alpha' is 1.5")]
    [InlineData("{\"format\": \"convotron-model\", \"version\": 1, \"geometry\": {\"spec\": \"1d:r=80,s=6,d=32\"}, \"alpha\": 0, \"filter\": [1], \"outputWeights\": [1]}", "r must be in [1, d] = [1, 32]; got 80")]
    [InlineData("{\"format\": \"convotron-model\",\n \"version\": 1,\n \"geometry\": {\"spec\": \"1d:r=8,s=6,d=32\"},\n \"alpha\": 0, \"filter\": [1,", "line 4, column")]
    public void Model_file_errors_name_the_file_and_place_once_without_internals(string json, string detail)
    {
        string directory = Cli.TempDirectory("model-messages");
        string model = Path.Combine(directory, "m.json");
        File.WriteAllText(model, json);
        Cli.Result result = Cli.Run("predict", model, SampleData, "--out", directory);
        Assert.Equal(CliApp.Failure, result.ExitCode);
        Assert.Contains(detail, result.Error, StringComparison.Ordinal);
        AssertNoInternals(result);
        Assert.DoesNotContain("LineNumber", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePosition", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--seed", "-1")]
    [InlineData("--samples", "many")]
    [InlineData("--noise", "x")]
    [InlineData("--digits", "40")]
    public void Option_errors_name_the_option_without_internals(string option, string value)
    {
        Cli.Result result = Cli.Run("make-data", option, value, "--out", Cli.TempDirectory("option-messages"));
        Assert.Equal(CliApp.UsageError, result.ExitCode);
        Assert.Contains(option, result.Error, StringComparison.Ordinal);
        AssertNoInternals(result);
    }

    [Fact]
    public void An_unexpected_exception_is_an_internal_error_with_one_line_and_a_report()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(["explode"], output, error, interactive: false, root =>
        {
            var explode = new Command("explode");
            explode.SetAction(_ => ((Func<int>)(() => throw new ArgumentException("a bug inside the runtime", "x")))());
            root.Subcommands.Add(explode);
        });
        Assert.Equal(CliApp.InternalError, code);
        string message = error.ToString();
        Assert.Single(message.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("internal error: a bug inside the runtime", message, StringComparison.Ordinal);
        string report = message.Split("details are in ")[1].TrimEnd('\n', '.');
        Assert.Contains("a bug inside the runtime", File.ReadAllText(report), StringComparison.Ordinal);
        File.Delete(report);
    }

    [Fact]
    public void Out_of_memory_and_failures_inside_parallel_work_are_one_line_with_their_meaning()
    {
        static (int Code, string Error) Run(Func<int> action)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = CliApp.Run(["fault"], output, error, interactive: false, root =>
            {
                var fault = new Command("fault");
                fault.SetAction(_ => action());
                root.Subcommands.Add(fault);
            });
            return (code, error.ToString());
        }

        (int code, string error) = Run(() => throw new OutOfMemoryException());
        Assert.Equal(CliApp.Failure, code);
        Assert.StartsWith("error: out of memory", error, StringComparison.Ordinal);
        Assert.Contains("--max-memory", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));

        // A usage error raised on a worker thread keeps its meaning (exit 2), not an AggregateException trace.
        (code, error) = Run(() =>
        {
            System.Threading.Tasks.Parallel.For(0, 4, i => throw new Convotron.Cli.Infrastructure.UsageException("--thing: not allowed."));
            return 0;
        });
        Assert.Equal(CliApp.UsageError, code);
        Assert.Equal("error: --thing: not allowed.", error.TrimEnd('\n'));
    }

    // 7. Smaller traps.

    [Theory]
    [InlineData("x0;x1;y\n1,5;2,5;3\n", "';'")]
    [InlineData("x0,x1,y\n\"1,5\",\"2,5\",3\n", "decimal comma")]
    public void Csv_in_another_locale_gets_a_hint(string text, string hint)
    {
        string directory = Cli.TempDirectory("csv-locale");
        string data = Path.Combine(directory, "d.csv");
        File.WriteAllText(data, text);
        Cli.Result result = Cli.Run("fit", data, "--geometry", "1d:r=1,s=1,d=2", "--out", Path.Combine(directory, "out"));
        Assert.Equal(CliApp.Failure, result.ExitCode);
        Assert.Contains(hint, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_trailing_blank_lines_are_ignored_and_too_few_rows_are_explained()
    {
        string directory = Cli.TempDirectory("csv-small");
        string trailing = Path.Combine(directory, "trailing.csv");
        File.WriteAllText(trailing, File.ReadAllText(SampleData) + "\n\n  \n");
        Cli.Result fit = Cli.Run("fit", trailing, "--geometry", "1d:r=8,s=6,d=32", "--epochs", "1", "--stage-steps", "500", "--out", Path.Combine(directory, "fit"));
        Assert.True(fit.ExitCode == 0, fit.Error);

        string two = Path.Combine(directory, "two.csv");
        File.WriteAllText(two, "x0,x1,y\n1,2,3\n2,3,5\n");
        Cli.Result few = Cli.Run("fit", two, "--geometry", "1d:r=1,s=1,d=2", "--out", Path.Combine(directory, "few"));
        Assert.Equal(CliApp.Failure, few.ExitCode);
        Assert.Contains("2 data rows; fit needs at least 3", few.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("--validation", few.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_constant_label_is_refused_by_fit_and_reported_by_predict()
    {
        string directory = Cli.TempDirectory("constant");
        string data = Path.Combine(directory, "c.csv");
        File.WriteAllLines(data, File.ReadAllLines(SampleData).Select((l, i) => i == 0 ? l : l[..(l.LastIndexOf(',') + 1)] + "2.5"));
        Cli.Result fit = Cli.Run("fit", data, "--geometry", "1d:r=8,s=6,d=32", "--out", Path.Combine(directory, "fit"));
        Assert.Equal(CliApp.Failure, fit.ExitCode);
        Assert.Contains("'y' is 2.5 in every row", fit.Error, StringComparison.Ordinal);

        string teacher = Cli.TempDirectory("constant-teacher");
        Assert.Equal(0, Cli.Run("make-data", "--samples", "10", "--out", teacher).ExitCode);
        Cli.Result predict = Cli.Run("predict", Path.Combine(teacher, "teacher_model.json"), data, "--out", Path.Combine(directory, "p.csv"));
        Assert.True(predict.ExitCode == 0, predict.Error);
        Assert.Contains("relative test MSE undefined (the labels are constant)", predict.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_2d_geometry_on_1d_looking_data_is_warned_about()
    {
        string directory = Cli.TempDirectory("fit-2d");
        Cli.Result fit = Cli.Run("fit", SampleData, "--geometry", "2d:rh=2,rw=2,sh=2,sw=2,height=4,width=8", "--epochs", "1", "--stage-steps", "500", "--out", directory);
        Assert.True(fit.ExitCode == 0, fit.Error);
        Assert.Contains("warning: --geometry 2d:", fit.Error, StringComparison.Ordinal);
        Assert.Contains("like a 1D signal", fit.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../evil")]
    [InlineData("sub/evil")]
    [InlineData("..")]
    [InlineData("/tmp/evil")]
    public void Make_data_names_cannot_escape_out(string name)
    {
        string directory = Cli.TempDirectory("escape");
        string output = Path.Combine(directory, "a", "b");
        Cli.Result result = Cli.Run("make-data", "--samples", "5", "--name", name, "--out", output);
        Assert.Equal(CliApp.UsageError, result.ExitCode);
        Assert.Contains("--name", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(directory, "*evil*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Unwritable_outputs_are_found_before_the_work_starts()
    {
        string directory = Cli.TempDirectory("unwritable");
        string file = Path.Combine(directory, "plain-file");
        File.WriteAllText(file, "x");
        Cli.Result fit = Cli.Run("fit", SampleData, "--geometry", "1d:r=8,s=6,d=32", "--out", Path.Combine(file, "out"));
        Assert.Equal(CliApp.UsageError, fit.ExitCode);
        Assert.Contains("--out", fit.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", fit.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("refinement pass", fit.Output, StringComparison.Ordinal);

        Cli.Result model = Cli.Run("fit", SampleData, "--geometry", "1d:r=8,s=6,d=32", "--out", Path.Combine(directory, "ok"), "--model", Path.Combine(file, "m.json"));
        Assert.Equal(CliApp.UsageError, model.ExitCode);
        Assert.Contains("--model", model.Error, StringComparison.Ordinal);
        Assert.Equal("", model.Output);
    }

    [Fact]
    public void Stale_temporary_files_of_a_killed_run_are_removed_on_the_next_run()
    {
        string directory = Cli.TempDirectory("stale");
        Directory.CreateDirectory(Path.Combine(directory, "cells"));
        // A process id that cannot be running (beyond Linux's pid_max), and one that is: this test's.
        string stale = Path.Combine(directory, $".summary.txt.2147483000.{Guid.NewGuid():N}.tmp");
        string staleCell = Path.Combine(directory, "cells", $".gaussian_s9.csv.2147483001.{Guid.NewGuid():N}.tmp");
        string live = Path.Combine(directory, $".runs.csv.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        string foreign = Path.Combine(directory, ".notes.tmp");
        foreach (string path in new[] { stale, staleCell, live, foreign })
            File.WriteAllText(path, "partial");
        Assert.Equal(0, Cli.Run("geometry", "--geometry", "1d:r=8,s=6,d=32", "--out", directory).ExitCode);
        Assert.False(File.Exists(stale));
        Assert.False(File.Exists(staleCell));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(foreign));
    }
}
