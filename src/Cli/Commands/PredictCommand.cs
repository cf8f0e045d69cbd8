using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
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
        var common = new CommonOptions(command, threads: false, seed: false,
            outDescription: "A directory (predictions.csv, predictions.png and predict.txt go inside it; default results/predict), or a file path ending in .csv (only the predictions are written there).");
        var label = new Option<string?>("--label") { Description = "Name of the label column, when DATA has one and a header (default: the column the model was fitted with)." };
        command.Options.Add(label);
        command.SetAction(parse =>
        {
            string modelPath = parse.GetValue(modelArgument)!, dataPath = parse.GetValue(data)!;
            InputFile.Require("DATA", dataPath, "a .csv file (header optional) or a .npy file (float64)");
            MemoryBudget budget = common.Budget(parse);
            budget.Require($"reading {dataPath}", Table.ReadBytes(dataPath) + 3.0 * Table.ValueBytes(dataPath), "predict on a smaller file (split its rows)");
            RequireModelMemory(budget, modelPath);
            Target target = Target.Of(parse.GetValue(common.Out) ?? Path.Combine("results", "predict"), parse.GetValue(common.Force), [("MODEL", modelPath), ("DATA", dataPath)]);
            CommandContext context = target.Folder is { } folder ? environment.Context(folder) : environment.PrintOnly(target.Directory);
            if (target.Folder is not null)
                target = target with { PredictionsFile = context.PathOf(PredictionsName), PlotFile = context.PathOf(PlotName) };
            return Run(modelPath, dataPath, parse.GetValue(label), target, context);
        });
        return command;
    }

    private const string PredictionsName = "predictions.csv", PlotName = "predictions.png";

    /// <summary>
    /// Where predict writes. A directory (claimed by <see cref="OutputFolder"/> without taking it
    /// over): predictions.csv, predictions.png and predict.txt, names no other command uses, so
    /// predicting into a fit's directory leaves the fit's files alone. A path ending in .csv: that
    /// one file, and the summary only on the screen.
    /// </summary>
    internal sealed record Target(string Directory, string PredictionsFile, string? PlotFile, string? SummaryFile, OutputFolder? Folder = null)
    {
        public static Target Of(string output, bool force, (string Name, string Path)[] inputs)
        {
            if (output.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !System.IO.Directory.Exists(output))
            {
                OutputFolder.CheckSingleFile("--out", output, "predict", inputs, force, "a predictions file", IsPredictions);
                return new Target(Path.GetDirectoryName(Path.GetFullPath(output))!, output, null, null);
            }
            if (File.Exists(output))
                throw new UsageException($"--out {output}: this is a file that does not end in .csv; predict writes its predictions as CSV: give a path ending in .csv, or a directory.");
            if (!System.IO.Directory.Exists(output) && Path.HasExtension(output) && !output.EndsWith('/'))
                throw new UsageException($"--out {output}: predict writes its predictions as CSV: give a path ending in .csv, or a directory (without an extension, or ending in /).");
            OutputFolder folder = OutputFolder.Claim("--out", output, "predict", force, inputs, ownsDirectory: false);
            return new Target(output, Path.Combine(output, PredictionsName), Path.Combine(output, PlotName), Path.Combine(output, SummaryName), folder);
        }

        /// <summary>True when <paramref name="path"/> starts with predict's header.</summary>
        private static bool IsPredictions(string path)
        {
            using var reader = new StreamReader(path);
            return reader.ReadLine() is "prediction" or "prediction,label";
        }
    }

    /// <summary>
    /// Refuses a model file whose geometry would need more than <paramref name="budget"/>: a model file is small
    /// even when its geometry is huge (1d:r=1,s=D,d=D), so this is checked before loading builds anything. Too large
    /// a geometry is a bad model file (an <see cref="InvalidFileException"/> naming the key, exit 1), not a mistake
    /// in the options.
    /// </summary>
    internal static void RequireModelMemory(MemoryBudget budget, string modelPath)
    {
        if (GeometryShape(modelPath) is not { } geometry)
            return;
        try
        {
            budget.Require($"its geometry {geometry.Text}: the patch tables and model", Parsing.GeometryBytes(geometry.Shape) + 8.0 * (2 * geometry.Shape.D + geometry.Shape.K + geometry.Shape.R), "check that the model file is the one meant");
        }
        catch (UsageException e)
        {
            throw new InvalidFileException(modelPath, geometry.Key, e.Message);
        }
    }

    /// <summary>
    /// The size of a model file's geometry, read without building anything: from "geometry": {"spec": …},
    /// or from "d" of a patch list (whose per-coordinate tables a d of 2·10⁹ makes 24 GB; the patches
    /// themselves are in the file); null when absent or unreadable (loading reports why).
    /// </summary>
    internal static (string Key, string Text, (double D, double R, double K) Shape)? GeometryShape(string modelPath)
    {
        try
        {
            if (!File.Exists(modelPath) || new FileInfo(modelPath).Length > 1L << 30)
                return null;
            var reader = new System.Text.Json.Utf8JsonReader(File.ReadAllBytes(modelPath));
            bool inGeometry = false;
            while (reader.Read())
            {
                if (reader.TokenType != System.Text.Json.JsonTokenType.PropertyName)
                    continue;
                if (reader.CurrentDepth == 1)
                    inGeometry = reader.ValueTextEquals("geometry");
                else if (inGeometry && reader.CurrentDepth == 2 && reader.ValueTextEquals("spec") && reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.String
                    && reader.GetString() is { } spec && Parsing.Shape(spec) is { } shape)
                    return ("geometry.spec", spec, shape);
                else if (inGeometry && reader.CurrentDepth == 2 && reader.ValueTextEquals("d") && reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.Number
                    && reader.TryGetDouble(out double d))
                    return ("geometry.d", string.Create(CultureInfo.InvariantCulture, $"of d = {d:N0} inputs"), (d, 1, 1));
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Malformed: ModelFile.Load reports it with its place.
        }
        return null;
    }

    /// <summary>predict's summary file (not summary.txt, which belongs to the command that made the directory).</summary>
    public const string SummaryName = "predict.txt";

    /// <summary>
    /// The label column of <paramref name="table"/>: --label by name; otherwise the column the model
    /// was fitted with (by name when the header has it, else by position), with a warning when the
    /// header disagrees; the last column for models that do not record it.
    /// </summary>
    internal static int LabelColumn(Table table, string? label, LabelColumn? fitted, CommandContext context)
    {
        if (label is not null || fitted is null)
            return table.LabelColumn(label);
        if (table.Header is null || fitted.Name is null)
            return fitted.Index;
        int byName = -1;
        for (int c = 0; c < table.Header.Count; c++)
        {
            if (table.Header[c] == fitted.Name)
                byName = c;
        }
        if (byName == fitted.Index)
            return byName;
        if (byName >= 0)
        {
            context.Warn($"the model was fitted with the label '{fitted.Name}' in column {fitted.Index + 1}; in {table.Path} it is column {byName + 1}, so that column is used (--label chooses another).");
            return byName;
        }
        context.Warn($"the model was fitted with the label '{fitted.Name}' in column {fitted.Index + 1}, but {table.Path} has no column '{fitted.Name}' (column {fitted.Index + 1} is '{table.Header[fitted.Index]}'); using column {fitted.Index + 1} as the label. Use --label NAME if another column is the label.");
        return fitted.Index;
    }

    private static int Run(string modelPath, string dataPath, string? label, Target target, CommandContext context)
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
        int labelColumn = hasLabel ? LabelColumn(table, label, loaded.Label, context) : -1;
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
            if (!double.IsFinite(prediction))
                throw NonFinite(i, $"the prediction is {Invariant.R(prediction)}");
            text.Append(Invariant.R(prediction));
            predictions.Add(prediction);
            if (hasLabel)
            {
                labels.Add(y);
                text.Append(',').Append(Invariant.R(y));
                squares += (prediction - y) * (prediction - y);
                labelSum += y;
                labelSquares += y * y;
                if (!double.IsFinite(squares) || !double.IsFinite(labelSquares))
                    throw NonFinite(i, $"the sum of squared errors or of squared labels overflows (prediction {Invariant.R(prediction)}, label {Invariant.R(y)})");
            }
            text.Append('\n');
        }
        AtomicFile.WriteAllText(target.PredictionsFile, text.ToString());

        // Checked row by row, before anything is written: a prediction or error that overflows is not a result.
        InvalidFileException NonFinite(int row, string what)
        {
            string place = InputFile.RowPlace(dataPath, table.Header is not null, row);
            double largest = Math.Max(Math.Abs(model.Filter[TensorPrimitives.IndexOfMaxMagnitude(model.Filter)]), Math.Abs(model.OutputWeights[TensorPrimitives.IndexOfMaxMagnitude(model.OutputWeights)]));
            return new InvalidFileException(dataPath, place, string.Create(CultureInfo.InvariantCulture,
                $"{what}: the model {modelPath} (largest weight magnitude {Invariant.E3(largest)}) and this row overflow double precision. Nothing was written; check the model file and the data's scale."));
        }
        bool plotted = false;
        if (target.PlotFile is string plotFile)
        {
            plotted = hasLabel
                ? Plots.Points(context, plotFile, "predict: prediction against label", "label y", AxisScale.Linear, "prediction", labels, predictions, diagonal: true)
                : Plots.Points(context, plotFile, "predict: predictions", "row", AxisScale.Count, "prediction", Enumerable.Range(0, predictions.Count).Select(i => (double)i).ToList(), predictions, diagonal: false);
        }
        var summary = new StringBuilder();
        summary.Append(CultureInfo.InvariantCulture, $"predict: model {modelPath} ({model.Geometry}, k = {model.Geometry.PatchCount}) on {dataPath}: {table.Rows} rows\n");
        if (hasLabel)
        {
            int n = table.Rows;
            double mse = squares / n, variance = labelSquares / n - (labelSum / n) * (labelSum / n);
            string relative = variance > 1e-12 * (labelSquares / n) ? Invariant.E3(mse / variance) : "undefined (the labels are constant)";
            summary.Append(CultureInfo.InvariantCulture, $"label column {(table.Header is null ? (labelColumn + 1).ToString(CultureInfo.InvariantCulture) : "'" + table.Header[labelColumn] + "'")}: test MSE {Invariant.E3(mse)}, relative test MSE {relative}\n");
        }
        summary.Append(CultureInfo.InvariantCulture, $"predictions written to {target.PredictionsFile}{(plotted ? $" (plot: {target.PlotFile})" : "")}\n");
        if (target.SummaryFile is null)
            context.Line(summary.ToString().TrimEnd('\n'));
        else
            context.Summary(summary.ToString(), SummaryName);
        return CliApp.Success;
    }
}
