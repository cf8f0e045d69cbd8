using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Convotron.Cli.Data;
using Xunit;

namespace Convotron.Cli.Tests;

public class FitPredictTests
{
    private static string SampleData => Path.Combine(Cli.RepositoryRoot(), "samples", "data", "teacher.csv");

    internal static double ValidationError(string output)
    {
        string line = output.Split('\n').First(l => l.StartsWith("validation relative MSE:", StringComparison.Ordinal));
        string best = line.Split(',')[1].Trim().Split(' ')[0];
        return double.Parse(best, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void The_committed_sample_data_is_what_make_data_generates()
    {
        string directory = Cli.TempDirectory("make-data");
        Assert.Equal(0, Cli.Run("make-data", "--out", directory).ExitCode);
        Assert.Equal(File.ReadAllText(SampleData), File.ReadAllText(Path.Combine(directory, "teacher.csv")));
    }

    [Theory]
    [InlineData("{\"format\": \"convotron-model\",\n \"version\": 1,\n \"geometry\": {\"spec\": \"1d:r=8,s=6,d=32\"},\n \"alpha\": 0, \"filter\": [1,", "line 4, column")]
    [InlineData("{\"format\": \"convotron-model\", \"version\": 1, \"geometry\": {\"spec\": \"1d:r=8,s=6,d=32\"}, \"alpha\": 0, \"filter\": [1, 2, 3], \"outputWeights\": [1, 1, 1, 1, 1]}", "'filter' has 3 entries but geometry 1d:r=8,s=6,d=32 has r = 8")]
    [InlineData("{\"format\": \"convotron-model\", \"version\": 1, \"geometry\": {\"spec\": \"1d:r=8,s=6,d=32\"}, \"alpha\": 0, \"filter\": [1, 2, 3, 4, 5, 6, 7, 8], \"outputWeights\": [1, 1]}", "has k = 5")]
    [InlineData("[1, 2]", "top level must be a JSON object")]
    public void Predict_refuses_a_malformed_or_inconsistent_model_file(string json, string detail)
    {
        string directory = Cli.TempDirectory("predict-bad-model");
        string model = Path.Combine(directory, "bad.json");
        File.WriteAllText(model, json);
        Cli.Result predict = Cli.Run("predict", model, SampleData, "--out", Path.Combine(directory, "preds.csv"));
        Assert.NotEqual(0, predict.ExitCode);
        Assert.Contains("bad.json", predict.Error, StringComparison.Ordinal);
        Assert.Contains(detail, predict.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", predict.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, "preds.csv")));
    }

    [Fact]
    public void Fit_then_predict_round_trips_on_the_sample_data()
    {
        string directory = Cli.TempDirectory("fit");
        string model = Path.Combine(directory, "m.json");
        Cli.Result fit = Cli.Run("fit", SampleData, "--geometry", "1d:r=8,s=6,d=32", "--out", directory, "--model", model);
        Assert.True(fit.ExitCode == 0, fit.Error);
        Assert.True(ValidationError(fit.Output) < 1e-2, fit.Output);
        Assert.True(File.Exists(model));
        Assert.True(File.Exists(Path.Combine(directory, "fit_curve.csv")));

        string predictions = Path.Combine(directory, "preds.csv");
        Cli.Result predict = Cli.Run("predict", model, SampleData, "--out", predictions);
        Assert.True(predict.ExitCode == 0, predict.Error);
        // A file path as --out: that one file, nothing else (no plot, no summary over the fit's).
        Assert.False(File.Exists(Path.Combine(directory, "preds.png")));
        string[] lines = File.ReadAllLines(predictions);
        Assert.Equal("prediction,label", lines[0]);
        Assert.Equal(1001, lines.Length);
        double squares = 0, labels = 0, labelSquares = 0;
        foreach (string line in lines.Skip(1))
        {
            double p = double.Parse(line.Split(',')[0], CultureInfo.InvariantCulture), y = double.Parse(line.Split(',')[1], CultureInfo.InvariantCulture);
            squares += (p - y) * (p - y);
            labels += y;
            labelSquares += y * y;
        }
        double variance = labelSquares / 1000 - labels / 1000 * (labels / 1000);
        Assert.True(squares / 1000 / variance < 1e-2);
    }

    [Fact]
    public void Without_centring_the_noiseless_teacher_is_learned_to_machine_precision()
    {
        string directory = Cli.TempDirectory("fit-nocenter");
        Cli.Result fit = Cli.Run("fit", SampleData, "--geometry", "1d:r=8,s=6,d=32", "--no-center", "--out", directory);
        Assert.True(fit.ExitCode == 0, fit.Error);
        Assert.True(ValidationError(fit.Output) < 1e-12, fit.Output);
    }

    [Fact]
    public void Without_a_non_overlapping_part_fit_uses_the_joint_learner_with_defaults()
    {
        string directory = Cli.TempDirectory("fit-overlap");
        // Data seed 1 stalled at 0.61 with the former fallback (Convotron with average pooling).
        Assert.Equal(0, Cli.Run("make-data", "--geometry", "1d:r=8,s=3,d=32", "--samples", "600", "--seed", "1", "--out", directory).ExitCode);
        Cli.Result fit = Cli.Run("fit", Path.Combine(directory, "teacher.csv"), "--geometry", "1d:r=8,s=3,d=32", "--out", Path.Combine(directory, "fit"));
        Assert.True(fit.ExitCode == 0, fit.Error);
        Assert.Contains("the joint learner", fit.Output, StringComparison.Ordinal);
        Assert.Contains("not centred", fit.Output, StringComparison.Ordinal);
        Assert.True(ValidationError(fit.Output) < 1e-20, fit.Output);
    }

    [Fact]
    public void Fit_refuses_a_model_no_better_than_the_mean_unless_kept()
    {
        string directory = Cli.TempDirectory("fit-failed");
        // Labels independent of the inputs: nothing beats predicting the mean.
        var random = new Random(3);
        var lines = Enumerable.Range(0, 300).Select(_ => string.Join(",", Enumerable.Range(0, 9).Select(_ => (random.NextDouble() * 2 - 1).ToString("R", CultureInfo.InvariantCulture))));
        string data = Path.Combine(directory, "noise.csv");
        File.WriteAllLines(data, lines);
        string model = Path.Combine(directory, "model.json");
        Cli.Result refused = Cli.Run("fit", data, "--geometry", "1d:r=4,s=2,d=8", "--out", directory, "--model", model);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not saved", refused.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(model));
        Cli.Result kept = Cli.Run("fit", data, "--geometry", "1d:r=4,s=2,d=8", "--out", directory, "--model", model, "--keep-failed");
        Assert.Equal(1, kept.ExitCode);
        Assert.True(File.Exists(model));
    }

    [Fact]
    public void Refine_samples_sets_the_rows_of_the_finish_and_is_validated()
    {
        string directory = Cli.TempDirectory("fit-refine-rows");
        Cli.Result fit = Cli.Run("fit", SampleData, "--geometry", "1d:r=8,s=6,d=32", "--refine-samples", "300", "--out", directory);
        Assert.True(fit.ExitCode == 0, fit.Error);
        Assert.Contains("finish on 300 training rows", fit.Output, StringComparison.Ordinal);
        Cli.Result bad = Cli.Run("fit", SampleData, "--geometry", "1d:r=8,s=6,d=32", "--refine-samples", "0", "--out", directory);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--refine-samples", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_reads_npy_and_warns_about_whitening()
    {
        string directory = Cli.TempDirectory("fit-npy");
        Assert.Equal(0, Cli.Run("make-data", "--geometry", "1d:r=4,s=4,d=16", "--samples", "300", "--npy", "--name", "small", "--out", directory).ExitCode);
        Cli.Result fit = Cli.Run("fit", Path.Combine(directory, "small.npy"), "--geometry", "1d:r=4,s=4,d=16", "--whiten", "--epochs", "3", "--stage-steps", "2000", "--out", Path.Combine(directory, "fit"));
        Assert.True(fit.ExitCode == 0, fit.Error);
        Assert.Contains("breaks weight sharing", fit.Error, StringComparison.Ordinal);
        Assert.Contains("WHITENED", fit.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_with_a_geometry_of_the_wrong_size_is_a_usage_error()
    {
        Cli.Result fit = Cli.Run("fit", SampleData, "--geometry", "1d:r=8,s=6,d=40", "--out", Cli.TempDirectory("fit-bad"));
        Assert.Equal(2, fit.ExitCode);
        Assert.Contains("--geometry", fit.Error, StringComparison.Ordinal);
        Assert.Contains("32 input columns", fit.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a,b,y\n1,2,3\n4,x,6\n", ":3:3:", "'x' is not a number")]
    [InlineData("1,2,3\n4,5\n", ":2:3:", "expected 3 columns")]
    [InlineData("1,2,3\n4,5,6,7\n", ":2:4:", "expected 3 columns")]
    [InlineData("1,2,3\n4,5,NaN\n", ":2:5:", "not a finite number")]
    [InlineData("1,2,3\n\n4,5,6\n", ":2:1:", "empty line")]
    [InlineData("a,b,y\n", ":2:1:", "no data rows")]
    [InlineData("1,\"2,3\n", ":1:3:", "not closed")]
    public void Malformed_csv_is_rejected_with_file_line_and_column(string content, string location, string detail)
    {
        string directory = Cli.TempDirectory("bad-csv");
        string path = Path.Combine(directory, "bad.csv");
        File.WriteAllText(path, content);
        Cli.Result fit = Cli.Run("fit", path, "--geometry", "1d:r=1,s=1,d=2", "--out", directory);
        Assert.Equal(1, fit.ExitCode);
        Assert.Contains("bad.csv" + location, fit.Error, StringComparison.Ordinal);
        Assert.Contains(detail, fit.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", fit.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_label_column_can_be_chosen_by_name()
    {
        Data.Table table = CsvReader.Parse("t.csv", "y,x0,x1\n1,2,3\n4,5,6\n");
        Assert.Equal(0, table.LabelColumn("y"));
        Assert.Throws<InvalidFileException>(() => table.LabelColumn("z"));
        Assert.Throws<InvalidFileException>(() => CsvReader.Parse("t.csv", "1,2\n3,4\n").LabelColumn("y"));
    }

    private static byte[] Npy(string dict, int major = 1, int values = 6, int? declaredLength = null)
    {
        string header = dict + "\n";
        int prefix = major == 1 ? 10 : 12;
        var bytes = new byte[prefix + header.Length + values * 8];
        new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0 }.CopyTo(bytes, 0);
        if (major == 1)
            BitConverter.TryWriteBytes(bytes.AsSpan(8), (ushort)(declaredLength ?? header.Length));
        else
            BitConverter.TryWriteBytes(bytes.AsSpan(8), (uint)(declaredLength ?? header.Length));
        System.Text.Encoding.Latin1.GetBytes(header).CopyTo(bytes, prefix);
        for (int i = 0; i < values; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan(prefix + header.Length + 8 * i), (double)i);
        return bytes;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Npy_versions_1_2_and_3_are_read(int major)
    {
        Data.Table table = NpyReader.Parse("m.npy", Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", major));
        Assert.Equal(3, table.Rows);
        Assert.Equal(2, table.Columns);
        Assert.Equal(5.0, table.Row(2)[1]);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", "'descr' must be '<f8'")]
    [InlineData("{'descr': '>f8', 'fortran_order': False, 'shape': (3, 2), }", "'descr' must be '<f8'")]
    [InlineData("{'descr': '<f8', 'fortran_order': True, 'shape': (3, 2), }", "'fortran_order' must be False")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", "'shape' must be a 2-tuple")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", "needs 32 data bytes but the file has 48")]
    [InlineData("{'descr': '<f8', 'fortran_order': False}", "'shape' must be a 2-tuple")]
    // 3 × 6148914691236517206 = 2^64 + 2 wrapped around to the 2 values the file has (found while writing the fuzz seeds).
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 6148914691236517206), }", "more values than one array can hold", 2)]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807, 2), }", "more values than one array can hold", 2)]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), 'extra': 1}", "expected a string, True, False or a tuple")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2) ", "ends too early")]
    public void Malformed_npy_headers_are_rejected_with_a_byte_offset(string dict, string detail, int values = 6)
    {
        var e = Assert.Throws<InvalidFileException>(() => NpyReader.Parse("m.npy", Npy(dict, values: values)));
        Assert.Contains("m.npy:byte ", e.Message, StringComparison.Ordinal);
        Assert.Contains(detail, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npy_files_without_magic_or_with_a_bad_version_or_length_are_rejected()
    {
        Assert.Contains("magic", Assert.Throws<InvalidFileException>(() => NpyReader.Parse("m.npy", "PK\u0003\u0004 not numpy"u8)).Message, StringComparison.Ordinal);
        byte[] v4 = Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }");
        v4[6] = 4;
        Assert.Contains("version 4.0", Assert.Throws<InvalidFileException>(() => NpyReader.Parse("m.npy", v4)).Message, StringComparison.Ordinal);
        byte[] longHeader = Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", declaredLength: 60000);
        Assert.Contains("runs past the end", Assert.Throws<InvalidFileException>(() => NpyReader.Parse("m.npy", longHeader)).Message, StringComparison.Ordinal);
        byte[] nan = Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }");
        BitConverter.TryWriteBytes(nan.AsSpan(nan.Length - 8), double.NaN);
        Assert.Contains("finite", Assert.Throws<InvalidFileException>(() => NpyReader.Parse("m.npy", nan)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npy_files_are_read_from_disk_as_parsed_in_memory_and_the_first_non_finite_value_is_named()
    {
        string path = Path.Combine(Path.GetTempPath(), $"convotron-npy-{Guid.NewGuid():N}.npy");
        try
        {
            // 101 rows of 7: the body is checked in vectors, the tail one by one; NaN and infinities in either.
            var values = new double[101 * 7];
            for (int i = 0; i < values.Length; i++)
                values[i] = Math.Sin(i) * 1e3;
            File.WriteAllBytes(path, NpyReader.Write(101, 7, values));
            Data.Table table = Data.Table.Read(path);
            Assert.Equal(101, table.Rows);
            Assert.Equal(7, table.Columns);
            Assert.Equal(values, table.Values.ToArray());
            foreach ((int index, double bad) in new[] { (37 * 7 + 2, double.NaN), (100 * 7 + 6, double.NegativeInfinity), (3, double.PositiveInfinity) })
            {
                double[] copy = (double[])values.Clone();
                copy[index] = bad;
                copy[^1] = index == values.Length - 1 ? bad : double.NaN; // a later bad value must not be the one named
                byte[] bytes = NpyReader.Write(101, 7, copy);
                File.WriteAllBytes(path, bytes);
                var fromDisk = Assert.Throws<InvalidFileException>(() => Data.Table.Read(path));
                var inMemory = Assert.Throws<InvalidFileException>(() => NpyReader.Parse(path, bytes));
                Assert.Equal(inMemory.Message, fromDisk.Message);
                Assert.Contains($"row {index / 7}, column {index % 7}", fromDisk.Message, StringComparison.Ordinal);
                Assert.Contains($"byte {bytes.Length - 8 * (values.Length - index)}", fromDisk.Message, StringComparison.Ordinal);
            }
            byte[] truncated = NpyReader.Write(101, 7, values)[..^9];
            File.WriteAllBytes(path, truncated);
            Assert.Contains("needs 5656 data bytes but the file has 5647", Assert.Throws<InvalidFileException>(() => Data.Table.Read(path)).Message, StringComparison.Ordinal);
            File.WriteAllBytes(path, truncated[..11]);
            Assert.Contains("runs past the end", Assert.Throws<InvalidFileException>(() => Data.Table.Read(path)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_malformed_npy_file_fails_the_fit_command_with_its_offset()
    {
        string directory = Cli.TempDirectory("bad-npy");
        string path = Path.Combine(directory, "bad.npy");
        File.WriteAllBytes(path, Npy("{'descr': '<i8', 'fortran_order': False, 'shape': (3, 2), }"));
        Cli.Result fit = Cli.Run("fit", path, "--geometry", "1d:r=1,s=1,d=1", "--out", directory);
        Assert.Equal(1, fit.ExitCode);
        Assert.Contains("bad.npy:byte 10:", fit.Error, StringComparison.Ordinal);
    }
}
