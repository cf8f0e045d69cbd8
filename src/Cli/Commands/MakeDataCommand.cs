using System;
using System.CommandLine;
using System.Globalization;
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
        var geometryOption = new Option<string>("--geometry") { Description = "The teacher's geometry (default 1d:r=8,s=6,d=32).", DefaultValueFactory = _ => "1d:r=8,s=6,d=32" };
        var samples = new Option<int>("--samples") { Description = "Rows (default 1000).", DefaultValueFactory = _ => 1000 };
        var inputs = new Option<string>("--inputs") { Description = "Input distribution: gaussian, uniform, rademacher or ar1:RHO (default gaussian).", DefaultValueFactory = _ => "gaussian" };
        var noise = new Option<double>("--noise") { Description = "Standard deviation of Gaussian label noise (default 0).", DefaultValueFactory = _ => 0.0 };
        var digits = new Option<int>("--digits") { Description = "Decimals of the inputs (labels are computed from the rounded inputs; default 4).", DefaultValueFactory = _ => 4 };
        var name = new Option<string>("--name") { Description = "File name stem (default teacher).", DefaultValueFactory = _ => "teacher" };
        var npy = new Option<bool>("--npy") { Description = "Also write STEM.npy (float64, shape (n, d+1))." };
        foreach (Option option in new Option[] { geometryOption, samples, inputs, noise, digits, name, npy })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            PatchGeometry geometry = Parsing.Geometry("--geometry", parse.GetValue(geometryOption)!);
            InputDistribution distribution = Parsing.Distribution("--inputs", parse.GetValue(inputs)!).ForGeometry(geometry);
            int n = parse.GetValue(samples), decimals = parse.GetValue(digits);
            double labelNoise = parse.GetValue(noise);
            Parsing.AtLeast("--samples", n, 2);
            Parsing.AtLeast("--digits", decimals, 1);
            if (!(labelNoise >= 0 && double.IsFinite(labelNoise)))
                throw new UsageException("--noise: must be a finite number >= 0.");
            ulong seed = parse.GetValue(common.Seed);
            CommandContext context = common.Context(parse, environment);
            string stem = parse.GetValue(name)!;

            var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(seed, 0), labelNoise);
            var random = Xoshiro256StarStar.ForStream(seed, 1);
            int d = geometry.InputSize;
            var values = new double[n * (d + 1)];
            var x = new double[d];
            for (int i = 0; i < n; i++)
            {
                distribution.Sample(random, x);
                for (int c = 0; c < d; c++)
                    x[c] = Math.Round(x[c], decimals);
                x.CopyTo(values, i * (d + 1));
                values[i * (d + 1) + d] = teacher.Label(x, random);
            }
            string format = "F" + decimals.ToString(CultureInfo.InvariantCulture);
            var csv = new StringBuilder(string.Join(',', Enumerable.Range(0, d).Select(c => "x" + c.ToString(CultureInfo.InvariantCulture)).Append("y"))).Append('\n');
            for (int i = 0; i < n; i++)
            {
                for (int c = 0; c < d; c++)
                    csv.Append(values[i * (d + 1) + c].ToString(format, CultureInfo.InvariantCulture)).Append(',');
                csv.Append(Invariant.R(values[i * (d + 1) + d])).Append('\n');
            }
            context.WriteText(stem + ".csv", csv.ToString());
            if (parse.GetValue(npy))
            {
                byte[] bytes = NpyReader.Write(n, d + 1, values);
                AtomicFile.Write(context.PathOf(stem + ".npy"), s => s.Write(bytes));
            }
            ModelFile.Save(context.PathOf(stem + "_model.json"), new DynamicConvNet(geometry, Activation.ReLU, teacher.Filter, teacher.OutputWeights));
            context.Summary(string.Create(CultureInfo.InvariantCulture,
                $"make-data: {n} rows from a random ReLU teacher on {geometry} (k = {geometry.PatchCount}), {distribution} inputs rounded to {decimals} decimals, label noise {labelNoise}, seed {seed}\nfiles: {stem}.csv (columns x0..x{d - 1}, y){(parse.GetValue(npy) ? $", {stem}.npy" : "")}, {stem}_model.json (the teacher)\n"));
            return CliApp.Success;
        });
        return command;
    }
}
