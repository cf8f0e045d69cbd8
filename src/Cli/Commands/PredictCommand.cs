using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Convotron.Cli.Data;
using Convotron.Cli.Infrastructure;

namespace Convotron.Cli.Commands;

/// <summary><c>convotron predict MODEL.json DATA</c>: predictions of a saved model (its preprocessing applied).</summary>
internal static class PredictCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("predict", "Predict with a saved model. DATA has d input columns, or d+1 with a label (then the error is reported).");
        var modelArgument = new Argument<string>("MODEL") { Description = "A model file written by 'convotron fit'." };
        var data = new Argument<string>("DATA") { Description = "Inputs: .csv (header optional) or .npy (float64)." };
        command.Arguments.Add(modelArgument);
        command.Arguments.Add(data);
        var common = new CommonOptions(command, threads: false,
            outDescription: "Predictions file (a path ending in .csv) or directory (predictions.csv inside it); default results/predict.");
        var label = new Option<string?>("--label") { Description = "Name of the label column, when DATA has one and a header." };
        command.Options.Add(label);
        command.SetAction(parse =>
        {
            string output = common.OutputDirectory(parse);
            string file = output.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? output : Path.Combine(output, "predictions.csv");
            string directory = Path.GetDirectoryName(Path.GetFullPath(file))!;
            Directory.CreateDirectory(directory);
            var context = new CommandContext(environment.Output, environment.Error, environment.Interactive, directory);
            return Run(parse.GetValue(modelArgument)!, parse.GetValue(data)!, parse.GetValue(label), file, context);
        });
        return command;
    }

    private static int Run(string modelPath, string dataPath, string? label, string outputFile, CommandContext context)
    {
        LoadedModel loaded = ModelFile.Load(modelPath);
        DynamicConvNet model = loaded.Model;
        int d = model.Geometry.InputSize;
        Table table = Table.Read(dataPath);
        bool hasLabel = table.Columns == d + 1;
        if (!hasLabel && table.Columns != d)
            throw new InvalidFileException(dataPath, "1", $"the model's geometry {model.Geometry} has d = {d} inputs, so DATA needs {d} columns (or {d + 1} with a label); it has {table.Columns}.");
        if (label is not null && !hasLabel)
            throw new UsageException($"--label {label}: DATA has no label column ({table.Columns} columns = d).");
        int labelColumn = hasLabel ? table.LabelColumn(label) : -1;
        var x = new double[d];
        var transformed = new double[d];
        var text = new StringBuilder(hasLabel ? "prediction,label\n" : "prediction\n");
        double squares = 0.0, labelSum = 0.0, labelSquares = 0.0;
        var predictions = new List<double>(table.Rows);
        var labels = new List<double>(table.Rows);
        for (int i = 0; i < table.Rows; i++)
        {
            ReadOnlySpan<double> row = table.Row(i);
            int t = 0;
            double y = 0.0;
            for (int c = 0; c < table.Columns; c++)
            {
                if (c == labelColumn)
                    y = row[c];
                else
                    x[t++] = row[c];
            }
            double prediction;
            if (loaded.Preprocessing is Preprocessing pre)
            {
                pre.TransformInput(x, transformed);
                prediction = pre.InverseTransformLabel(model.Predict(transformed));
            }
            else
            {
                prediction = model.Predict(x);
            }
            text.Append(Invariant.R(prediction));
            predictions.Add(prediction);
            if (hasLabel)
            {
                labels.Add(y);
                text.Append(',').Append(Invariant.R(y));
                squares += (prediction - y) * (prediction - y);
                labelSum += y;
                labelSquares += y * y;
            }
            text.Append('\n');
        }
        AtomicFile.WriteAllText(outputFile, text.ToString());
        string plotFile = Path.ChangeExtension(outputFile, ".png");
        if (hasLabel)
            Plots.Points(plotFile, "predict: prediction against label", "label y", "prediction", labels, predictions, diagonal: true);
        else
            Plots.Points(plotFile, "predict: predictions", "row", "prediction", Enumerable.Range(0, predictions.Count).Select(i => (double)i).ToList(), predictions, diagonal: false);
        var summary = new StringBuilder();
        summary.Append(CultureInfo.InvariantCulture, $"predict: model {modelPath} ({model.Geometry}, k = {model.Geometry.PatchCount}) on {dataPath}: {table.Rows} rows\n");
        if (hasLabel)
        {
            int n = table.Rows;
            double mse = squares / n, variance = labelSquares / n - (labelSum / n) * (labelSum / n);
            summary.Append(CultureInfo.InvariantCulture, $"test MSE {Invariant.E3(mse)}, relative test MSE {Invariant.E3(variance > 0 ? mse / variance : mse)}\n");
        }
        summary.Append(CultureInfo.InvariantCulture, $"predictions written to {outputFile} (plot: {plotFile})\n");
        context.Summary(summary.ToString());
        return CliApp.Success;
    }
}
