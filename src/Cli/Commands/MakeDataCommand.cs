using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Convotron.Cli.Data;
using Convotron.Cli.Infrastructure;

namespace Convotron.Cli.Commands;

/// <summary>
/// <c>convotron make-data</c>: a small labelled data set from a random teacher network, written as
/// CSV (with a header) and optionally .npy; generates samples/data/.
/// </summary>
internal static class MakeDataCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("make-data", "Generate a labelled data set from a random teacher network (CSV with header, optionally .npy).");
        var common = new CommonOptions(command, threads: false);
        var geometryOption = new Option<string>("--geometry") { Description = "The teacher's geometry.", DefaultValueFactory = _ => "1d:r=8,s=6,d=32" };
        var samples = new Option<int>("--samples") { Description = "Rows.", DefaultValueFactory = _ => 1000 }.Range(2);
        var inputs = new Option<string>("--inputs") { Description = "Input distribution: gaussian, uniform, rademacher or ar1:RHO.", DefaultValueFactory = _ => "gaussian" };
        var noise = new Option<double>("--noise") { Description = "Standard deviation of Gaussian label noise.", DefaultValueFactory = _ => 0.0 };
        var digits = new Option<int>("--digits") { Description = "Decimals of the inputs, 1 to 15 (a double carries about 15 significant digits; labels are computed from the rounded inputs).", DefaultValueFactory = _ => 4 }.Range(1, MaxDigits);
        var name = new Option<string>("--name") { Description = "File name stem.", DefaultValueFactory = _ => "teacher" };
        var npy = new Option<bool>("--npy") { Description = "Also write STEM.npy (float64, shape (n, d+1))." };
        foreach (Option option in new Option[] { geometryOption, samples, inputs, noise, digits, name, npy })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            InputDistribution distribution = Parsing.Distribution("--inputs", parse.GetValue(inputs)!);
            int n = parse.GetValue(samples), decimals = parse.GetValue(digits);
            double labelNoise = parse.GetValue(noise);
            if (!(labelNoise >= 0 && double.IsFinite(labelNoise)))
                throw new UsageException("--noise: must be a finite number >= 0.");
            string stem = FileStem("--name", parse.GetValue(name)!);
            bool writeNpy = parse.GetValue(npy);
            string geometryText = parse.GetValue(geometryOption)!;
            if (Parsing.Shape(geometryText) is { } shape)
            {
                // convotron's own readers must be able to read the file back.
                double chars = n * (shape.D * (decimals + 4) + 26);
                if (chars > CsvReader.MaxChars)
                    throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                        $"--samples {n} with --geometry {geometryText.Trim()} (d = {shape.D:N0}): {stem}.csv would be about {MemoryBudget.Size(chars)}, more than the {MemoryBudget.Size(CsvReader.MaxChars)} that fit and predict read; use fewer --samples, a smaller geometry or fewer --digits."));
            }
            // The rows are held once as doubles (the .npy and the CSV are written from them); the teacher is a model of the geometry.
            PatchGeometry geometry = Parsing.Geometry("--geometry", geometryText, common.Budget(parse),
                ($"the {n:N0} rows and the teacher", s => 8.0 * n * (s.D + 1) + 8.0 * (s.D + 2 * s.K + s.R) + (writeNpy ? 8.0 * n * (s.D + 1) : 0.0), "use fewer --samples or a smaller --geometry"));
            distribution = distribution.ForGeometry(geometry);
            ulong seed = parse.GetValue(common.Seed);
            CommandContext context = common.Context(parse, environment);
            // Every file name (--name chooses them) is checked to be make-data's before the rows are drawn.
            string csvPath = context.PathOf(stem + ".csv"), modelPath = context.PathOf(stem + "_model.json");
            string? npyPath = writeNpy ? context.PathOf(stem + ".npy") : null;

            var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(seed, RandomStreams.Teacher), labelNoise);
            var random = Xoshiro256StarStar.ForStream(seed, RandomStreams.MakeDataRows);
            int d = geometry.InputSize;
            var values = new double[(long)n * (d + 1)];
            var x = new double[d];
            for (int i = 0; i < n; i++)
            {
                distribution.Sample(random, x);
                for (int c = 0; c < d; c++)
                    x[c] = Math.Round(x[c], decimals);
                x.CopyTo(values, (long)i * (d + 1));
                double label = teacher.Label(x, random);
                // Found before anything is written: a CSV with "Infinity" is one that fit and predict refuse.
                if (!double.IsFinite(label))
                    throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--noise: {Invariant.R(labelNoise)} makes the label of row {i + 1} {Invariant.R(label)}; use a smaller --noise."));
                values[(long)i * (d + 1) + d] = label;
            }
            string format = "F" + decimals.ToString(CultureInfo.InvariantCulture);
            AtomicFile.Write(csvPath, stream =>
            {
                using var csv = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                csv.Write(string.Join(',', Enumerable.Range(0, d).Select(c => "x" + c.ToString(CultureInfo.InvariantCulture)).Append("y")));
                csv.Write('\n');
                for (int i = 0; i < n; i++)
                {
                    long row = (long)i * (d + 1);
                    for (int c = 0; c < d; c++)
                    {
                        csv.Write(values[row + c].ToString(format, CultureInfo.InvariantCulture));
                        csv.Write(',');
                    }
                    csv.Write(Invariant.R(values[row + d]));
                    csv.Write('\n');
                }
            });
            if (npyPath is not null)
            {
                byte[] bytes = NpyReader.Write(n, d + 1, values);
                AtomicFile.Write(npyPath, s => s.Write(bytes));
            }
            ModelFile.Save(modelPath, new DynamicConvNet(geometry, Activation.ReLU, teacher.Filter, teacher.OutputWeights));
            context.Summary(string.Create(CultureInfo.InvariantCulture,
                $"make-data: {n} rows from a random ReLU teacher on {geometry} (k = {geometry.PatchCount}), {distribution} inputs rounded to {decimals} decimals, label noise {labelNoise}, seed {seed}\nfiles: {stem}.csv (columns x0..x{d - 1}, y){(parse.GetValue(npy) ? $", {stem}.npy" : "")}, {stem}_model.json (the teacher)\n"));
            return CliApp.Success;
        });
        return command;
    }

    /// <summary>The largest --digits: a double carries about 15 significant decimal digits.</summary>
    internal const int MaxDigits = 15;

    /// <summary>
    /// A file name stem given by the user: a plain name, so that the files stay inside --out (no
    /// folder separators, no "." or "..", no characters that file systems refuse).
    /// </summary>
    internal static string FileStem(string option, string stem)
    {
        if (stem.Length == 0 || stem.Trim() != stem || stem is "." or ".." || stem.StartsWith('.')
            || stem.IndexOfAny(['/', '\\', ':']) >= 0 || stem.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || stem.Length > 200)
            throw new UsageException($"{option}: '{stem}' is not a plain file name; give a name without folders, such as teacher (the files go into --out).");
        return stem;
    }
}
