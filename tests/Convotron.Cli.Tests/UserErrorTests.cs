using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Convotron.Cli.Tests;

/// <summary>
/// Issue 19: every failure the user causes is exit 1 (bad data or model file, failed run) or 2 (a
/// mistake in the options), with a message naming the value and its place; never exit 3, never
/// success over garbage, and nothing written before the refusal.
/// </summary>
public class UserErrorTests
{
    private static string SampleData => Path.Combine(Cli.RepositoryRoot(), "samples", "data", "teacher.csv");

    private static void AssertNoInternals(Cli.Result result)
    {
        Assert.NotEqual(CliApp.InternalError, result.ExitCode);
        Assert.DoesNotContain("internal error", result.Error, StringComparison.Ordinal);
        RobustnessTests.AssertNoInternals(result);
    }

    /// <summary>The sample data with the value in data row 4 (line 6), column <paramref name="column"/> replaced.</summary>
    private static string WithValue(string directory, int column, string value)
    {
        string[] lines = File.ReadAllLines(SampleData);
        string[] fields = lines[5].Split(',');
        fields[column] = value;
        lines[5] = string.Join(',', fields);
        string path = Path.Combine(directory, "big.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Theory]
    [InlineData(3, "1e308", "(column 'x3')", "inputs'")]
    [InlineData(3, "1e200", "(column 'x3')", "inputs'")]
    [InlineData(32, "-1e300", "(column 'y')", "labels'")]
    public void Values_whose_scale_overflows_are_refused_naming_line_and_column_before_anything_is_written(int column, string value, string name, string which)
    {
        string directory = Cli.TempDirectory("overflow");
        string data = WithValue(directory, column, value);
        string output = Path.Combine(directory, "out");
        Cli.Result fit = Cli.Run("fit", data, "--geometry", "1d:r=8,s=6,d=32", "--out", output);
        Assert.Equal(CliApp.Failure, fit.ExitCode);
        Assert.StartsWith($"error: {data}:6: ", fit.Error, StringComparison.Ordinal);
        Assert.Contains(name + " is too large: the " + which + " mean square overflows", fit.Error, StringComparison.Ordinal);
        AssertNoInternals(fit);
        Assert.DoesNotContain(Directory.GetFiles(output), f => !Path.GetFileName(f).StartsWith('.'));
    }

    [Theory]
    [InlineData("fit", "SAMPLE", "--geometry", "1d:r=8,s=6,d=32", "--out", "")]
    [InlineData("fit", "SAMPLE", "--geometry", "1d:r=8,s=6,d=32", "--model", "")]
    [InlineData("fit", "", "--geometry", "1d:r=8,s=6,d=32")]
    [InlineData("geometry", "--geometry", "1d:r=8,s=6,d=32", "--out", " ")]
    [InlineData("predict", "MODEL", "SAMPLE", "--out", "")]
    public void An_empty_value_is_a_usage_error_naming_the_option(params string[] args)
    {
        string model = Path.Combine(Cli.RepositoryRoot(), "samples", "data", "teacher_model.json");
        Cli.Result result = Cli.Run(args.Select(a => a == "SAMPLE" ? SampleData : a == "MODEL" ? model : a).ToArray());
        Assert.Equal(CliApp.UsageError, result.ExitCode);
        int at = Array.FindIndex(args, a => a.Trim().Length == 0);
        string name = at > 0 && args[at - 1].StartsWith("--", StringComparison.Ordinal) ? args[at - 1] : "DATA";
        Assert.Contains($"error: {name}: an empty value ('') is not allowed.", result.Error, StringComparison.Ordinal);
        AssertNoInternals(result);
    }

    [Fact]
    public void Predictions_that_overflow_are_refused_naming_the_row_before_anything_is_written()
    {
        string directory = Cli.TempDirectory("predict-overflow");
        string teacher = Cli.TempDirectory("predict-overflow-teacher");
        Assert.Equal(0, Cli.Run("make-data", "--samples", "10", "--out", teacher).ExitCode);
        string model = Path.Combine(directory, "huge.json");
        string json = File.ReadAllText(Path.Combine(teacher, "teacher_model.json"));
        File.WriteAllText(model, Regex.Replace(json, @"""filter"": \[\s*-?[0-9.eE+-]+", "\"filter\": [\n    1e308"));

        // With a label: the squared error overflows in the first row; without: the first prediction that is -Infinity or NaN.
        string inputsOnly = Path.Combine(directory, "inputs.csv");
        File.WriteAllLines(inputsOnly, File.ReadAllLines(SampleData).Select(l => l[..l.LastIndexOf(',')]));
        foreach ((string data, string place, string what) in new[] { (SampleData, ":2: ", "overflows (prediction"), (inputsOnly, ":", "the prediction is") })
        {
            string output = Path.Combine(directory, "out-" + Path.GetFileNameWithoutExtension(data));
            Cli.Result predict = Cli.Run("predict", model, data, "--out", output);
            Assert.Equal(CliApp.Failure, predict.ExitCode);
            Assert.StartsWith($"error: {data}{place}", predict.Error, StringComparison.Ordinal);
            Assert.Contains(what, predict.Error, StringComparison.Ordinal);
            Assert.Contains("largest weight magnitude 1.000E+308", predict.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("MSE", predict.Output, StringComparison.Ordinal);
            Assert.False(Directory.Exists(output) && Directory.EnumerateFiles(output).Any(f => !Path.GetFileName(f).StartsWith('.')));
        }
    }

    [Theory]
    [InlineData("compare", "--noise", "1e308", "--samples", "100", "--seeds", "1", "--test-samples", "100")]
    [InlineData("make-data", "--noise", "1.7e308", "--samples", "200")]
    public void A_noise_level_that_overflows_is_a_usage_error_before_anything_is_written(params string[] args)
    {
        string output = Cli.TempDirectory("noise-overflow");
        Cli.Result result = Cli.Run([.. args, "--out", output]);
        Assert.Equal(CliApp.UsageError, result.ExitCode);
        Assert.StartsWith("error: --noise: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("use a smaller --noise", result.Error, StringComparison.Ordinal);
        AssertNoInternals(result);
        Assert.DoesNotContain(Directory.GetFiles(output), f => f.EndsWith(".csv", StringComparison.Ordinal));
    }

    [Fact]
    public void A_directory_given_as_data_or_model_is_named_as_one()
    {
        string directory = Cli.TempDirectory("directory-input");
        string model = Path.Combine(Cli.RepositoryRoot(), "samples", "data", "teacher_model.json");
        foreach ((string[] args, string expected) in new[]
        {
            (new[] { "fit", directory, "--geometry", "1d:r=8,s=6,d=32" }, "DATA must be a .csv file"),
            (new[] { "predict", model, directory }, "DATA must be a .csv file"),
            (new[] { "predict", directory, SampleData }, "expected a model file"),
        })
        {
            Cli.Result result = Cli.Run([.. args, "--out", Path.Combine(directory, "out")]);
            Assert.Equal(CliApp.Failure, result.ExitCode);
            Assert.Contains($"{directory}: this is a directory; ", result.Error, StringComparison.Ordinal);
            Assert.Contains(expected, result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("Could not find", result.Error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("\"alpha\": 0,", "\"alpha\": \"relu\",", "'alpha' is the string \"relu\"; expected the activation slope, a number in [0, 1]")]
    [InlineData("\"preprocessing\": null", "\"unknown\": null", "the property 'preprocessing' is missing")]
    [InlineData("\"alpha\": 0,", "\"alpha\": 0, \"alpha\": 1,", "the key 'alpha' appears a second time in the same object")]
    public void Predict_refuses_a_model_file_with_a_wrong_type_a_lost_key_or_a_repeated_key(string from, string to, string message)
    {
        string teacher = Cli.TempDirectory("model-keys");
        Assert.Equal(0, Cli.Run("make-data", "--samples", "10", "--out", teacher).ExitCode);
        string json = File.ReadAllText(Path.Combine(teacher, "teacher_model.json"));
        Assert.Contains(from, json, StringComparison.Ordinal);
        string model = Path.Combine(teacher, "edited.json");
        File.WriteAllText(model, json.Replace(from, to, StringComparison.Ordinal));
        Cli.Result result = Cli.Run("predict", model, SampleData, "--out", Path.Combine(teacher, "p.csv"));
        Assert.Equal(CliApp.Failure, result.ExitCode);
        Assert.StartsWith("error: " + model + ":", result.Error, StringComparison.Ordinal);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        AssertNoInternals(result);
        Assert.False(File.Exists(Path.Combine(teacher, "p.csv")));
    }

    [Fact]
    public void Fit_refuses_fewer_training_rows_than_the_parameters_saying_how_many_are_needed()
    {
        string directory = Cli.TempDirectory("few-rows");
        string three = Path.Combine(directory, "three.csv");
        File.WriteAllLines(three, File.ReadAllLines(SampleData).Take(4));
        Cli.Result fit = Cli.Run("fit", three, "--geometry", "1d:r=8,s=6,d=32", "--out", Path.Combine(directory, "out"));
        Assert.Equal(CliApp.Failure, fit.ExitCode);
        Assert.Contains("3 data rows leave 2 training rows after --validation 0.2, but geometry 1d:r=8,s=6,d=32 has r + k − 1 = 8 + 5 − 1 = 12 parameters to fit: it needs at least 13 training rows, so at least 16 rows in the file", fit.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, "out", "model.json")));

        // 16 rows are enough for that check (13 training, 3 validation).
        string sixteen = Path.Combine(directory, "sixteen.csv");
        File.WriteAllLines(sixteen, File.ReadAllLines(SampleData).Take(17));
        Cli.Result enough = Cli.Run("fit", sixteen, "--geometry", "1d:r=8,s=6,d=32", "--epochs", "2", "--stage-steps", "200", "--out", Path.Combine(directory, "out16"));
        Assert.DoesNotContain("parameters to fit", enough.Error, StringComparison.Ordinal);
        AssertNoInternals(enough);

        Cli.Result refine = Cli.Run("fit", SampleData, "--geometry", "1d:r=8,s=6,d=32", "--refine-samples", "5", "--out", Path.Combine(directory, "refine"));
        Assert.Equal(CliApp.UsageError, refine.ExitCode);
        Assert.Contains("--refine-samples: 5 rows cannot determine the r + k − 1 = 12 parameters", refine.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--samples", "1e12", "'1e12' is not allowed; expected a whole number from 2 to 2147483647.")]
    [InlineData("--samples", "3000000000", "'3000000000' is not allowed; expected a whole number from 2 to 2147483647.")]
    [InlineData("--samples", "1", "1 is not allowed; it must be at least 2.")]
    [InlineData("--digits", "40", "40 is not allowed; it must lie in [1, 15].")]
    [InlineData("--digits", "2.5", "'2.5' is not allowed; expected a whole number from 1 to 15.")]
    public void Whole_number_options_state_their_own_range(string option, string value, string message)
    {
        Cli.Result result = Cli.Run("make-data", option, value, "--out", Cli.TempDirectory("ranges"));
        Assert.Equal(CliApp.UsageError, result.ExitCode);
        Assert.Contains($"error: {option}: {message}", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("-2147483648", result.Error, StringComparison.Ordinal);
    }

    private static readonly string[] Commands = ["figure1", "compare", "sweep", "sweep merge", "fit", "predict", "make-data", "geometry", "plot-curve"];

    [Fact]
    public void Help_shows_each_default_once_in_words_a_person_reads()
    {
        foreach (string command in Commands)
        {
            string help = Cli.Run([.. command.Split(' '), "--help"]).Output;
            foreach (string line in help.Split('\n').Where(l => l.Contains("[default: ", StringComparison.Ordinal)))
            {
                string description = line[..line.IndexOf("[default: ", StringComparison.Ordinal)];
                Assert.False(Regex.IsMatch(description, @"\(default|; default|default:? [0-9a-z]"), $"{command}: the default is stated twice: {line.Trim()}");
            }
            Assert.DoesNotContain("9223372036854775807", help, StringComparison.Ordinal);
            Assert.DoesNotContain("2147483647", help, StringComparison.Ordinal);
            Assert.DoesNotContain($"[default: {Environment.ProcessorCount}]", Regex.Replace(help, @"\s+", " ").Split("--threads").Skip(1).FirstOrDefault() ?? "", StringComparison.Ordinal);
        }
        string fit = Cli.Run("fit", "--help").Output;
        string refine = fit.Split('\n').Single(l => l.TrimStart().StartsWith("--refine-samples", StringComparison.Ordinal));
        Assert.Contains("all training rows", refine, StringComparison.Ordinal);
        Assert.DoesNotContain("[default:", refine, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed_is_offered_only_where_a_random_stream_uses_it()
    {
        foreach (string command in Commands)
        {
            bool offered = Cli.Run([.. command.Split(' '), "--help"]).Output.Contains("--seed <", StringComparison.Ordinal);
            Assert.True(offered == command is "figure1" or "compare" or "sweep" or "fit" or "make-data", $"{command}: --seed offered = {offered}");
        }
        Cli.Result predict = Cli.Run("predict", "m.json", "d.csv", "--seed", "3");
        Assert.Equal(CliApp.UsageError, predict.ExitCode);
        Assert.Contains("--seed", predict.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Sweep_merge_refuses_a_cell_whose_columns_disagree_naming_the_file_and_columns()
    {
        string run = Cli.TempDirectory("cell-consistency");
        Assert.Equal(0, Cli.Run("sweep", "--strides", "9", "--budgets", "200", "--distributions", "gaussian", "--noise", "0", "--seeds", "1",
            "--t3", "50", "--test-samples", "100", "--no-refine", "--out", run).ExitCode);
        string cell = Directory.GetFiles(Path.Combine(run, "cells"), "*.csv").Single();
        string[] lines = File.ReadAllLines(cell);
        // The untouched cell merges (no false alarm).
        Cli.Result clean = Cli.Run("sweep", "merge", run, "--out", Cli.TempDirectory("cell-merged"));
        Assert.True(clean.ExitCode == 0, clean.Error);

        foreach ((Func<string[], string[]> edit, string message) in new (Func<string[], string[]>, string)[]
        {
            (f => { f[8] = "0.5"; f[10] = "1"; return f; }, "success is 1, but final_relative_test_mse 0.5 is above the success threshold 0.001"),
            (f => { f[10] = "yes"; return f; }, "success is 'yes'"),
            (f => { f[5] = "7"; return f; }, "k is 7, but stride 9 with r = 16, d = 160 has k = 17"),
            (f => { f[4] = "99"; return f; }, "the file name says"),
        })
        {
            File.WriteAllLines(cell, [lines[0], string.Join(',', edit(lines[1].Split(',')))]);
            string merged = Cli.TempDirectory("cell-merged");
            Cli.Result merge = Cli.Run("sweep", "merge", run, "--out", merged);
            Assert.Equal(CliApp.Failure, merge.ExitCode);
            Assert.StartsWith($"error: {cell}:2: the cell's columns disagree: {message}", merge.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(merged, "sweep.csv")));
        }
    }
}
