using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Text;
using Convotron.Cli.Data;
using Convotron.Cli.Infrastructure;
using MathNet.Numerics.LinearAlgebra;

namespace Convotron.Cli.Commands;

/// <summary>
/// <c>convotron fit DATA --geometry …</c>: learn a convolutional network from a CSV or .npy file.
/// Algorithm 1 then refinement when the geometry has a non-overlapping part, otherwise Convotron
/// with average pooling then refinement (least squares on a); early stopping on validation error.
/// </summary>
internal static class FitCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("fit", "Learn w and a from data (CSV with optional header, or .npy float64 (n, d+1)); the last column (or --label) is y.");
        var data = new Argument<string>("DATA") { Description = "Training data: .csv (header optional) or .npy (float64, shape (n, d+1))." };
        command.Arguments.Add(data);
        var common = new CommonOptions(command, threads: false);
        var geometryOption = new Option<string>("--geometry") { Description = "The patch geometry, e.g. 1d:r=8,s=6,d=32 (d must equal the number of input columns).", Required = true };
        var label = new Option<string?>("--label") { Description = "Name of the label column (needs a header); default the last column." };
        var activation = new Option<string>("--activation") { Description = "relu, linear or leaky:ALPHA (default relu).", DefaultValueFactory = _ => "relu" };
        var validation = new Option<double>("--validation") { Description = "Fraction of rows held out for validation and early stopping, in (0, 1) (default 0.2).", DefaultValueFactory = _ => 0.2 };
        var epochs = new Option<int>("--epochs") { Description = "Most passes over the training rows in the refinement stage (default 50).", DefaultValueFactory = _ => 50 };
        var patience = new Option<int>("--patience") { Description = "Stop after this many passes without a better validation error (default 5).", DefaultValueFactory = _ => 5 };
        var stageSteps = new Option<long>("--stage-steps") { Description = "Steps of each Algorithm-1 stage (T1 = T2), or of Convotron without a non-overlapping part (default 10000).", DefaultValueFactory = _ => 10_000 };
        var noCenter = new Option<bool>("--no-center") { Description = "Do not centre the inputs (only the global scale); for data whose inputs are already centred by construction." };
        var whiten = new Option<bool>("--whiten") { Description = "Full whitening instead of centring and one global scale (breaks weight sharing; prints a warning)." };
        var modelPath = new Option<string?>("--model") { Description = "Where to save the model (default <out>/model.json)." };
        var updatePatch = new Option<int?>("--update-patch") { Description = "Learn w by Convotron updating only along patch J (average pooling a; J must overlap no other patch) instead of Algorithm 1, then refine." };
        var refine = new RefineOptions(command);
        foreach (Option option in new Option[] { geometryOption, label, activation, validation, epochs, patience, stageSteps, noCenter, whiten, modelPath, updatePatch })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            MemoryBudget budget = common.Budget(parse);
            CheckInputCount(parse.GetValue(data)!, parse.GetValue(geometryOption)!);
            var settings = new Settings
            {
                DataPath = parse.GetValue(data)!,
                Geometry = Parsing.Geometry("--geometry", parse.GetValue(geometryOption)!, budget, DataNeeds(parse.GetValue(data)!, parse.GetValue(whiten))),
                Label = parse.GetValue(label),
                Activation = Parsing.Activation("--activation", parse.GetValue(activation)!),
                Validation = parse.GetValue(validation),
                Epochs = parse.GetValue(epochs),
                Patience = parse.GetValue(patience),
                StageSteps = parse.GetValue(stageSteps),
                Whiten = parse.GetValue(whiten),
                Center = !parse.GetValue(noCenter),
                Refine = !parse.GetValue(refine.NoRefine),
                Seed = parse.GetValue(common.Seed),
                UpdatePatch = parse.GetValue(updatePatch),
            };
            Parsing.InRange("--validation", settings.Validation, 0.0, 1.0);
            Parsing.AtLeast("--epochs", settings.Epochs, 1);
            Parsing.AtLeast("--patience", settings.Patience, 1);
            Parsing.AtLeast("--stage-steps", settings.StageSteps, 1);
            CommandContext context = common.Context(parse, environment);
            string model = parse.GetValue(modelPath) ?? context.PathOf("model.json");
            // An unwritable --model is found now, not after the fit.
            OutputFolder.EnsureWritable("--model", System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(model))!);
            return Run(settings, model, context);
        });
        return command;
    }

    /// <summary>
    /// What reading <paramref name="dataPath"/> and fitting on it will need: the reader's working set,
    /// then the shuffled, transformed and label copies of the values (and the d × d whitening).
    /// </summary>
    internal static (string What, Func<(double D, double R, double K), double> Bytes, string Remedy) DataNeeds(string dataPath, bool whiten) =>
        ($"reading and fitting {dataPath}", s => Table.ReadBytes(dataPath) + 3.0 * Table.ValueBytes(dataPath) + (whiten ? 48.0 * s.D * s.D : 0.0),
         "use a smaller data file (a sample of its rows)");

    /// <summary>
    /// Refuses a geometry whose d disagrees with the data's first row before the geometry is built
    /// (a d of 10⁸ would allocate its patch tables first). The full check follows after reading.
    /// </summary>
    private static void CheckInputCount(string dataPath, string geometryText)
    {
        if (Parsing.Shape(geometryText) is { } shape && Table.PeekColumns(dataPath) is int columns && shape.D != columns - 1)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--geometry: {geometryText.Trim()} has d = {shape.D:N0} inputs but {dataPath} has {columns - 1} input columns (plus the label)."));
    }

    internal sealed class Settings
    {
        public required string DataPath { get; init; }
        public required PatchGeometry Geometry { get; init; }
        public string? Label { get; init; }
        public Activation Activation { get; init; }
        public double Validation { get; init; } = 0.2;
        public int Epochs { get; init; } = 50;
        public int Patience { get; init; } = 5;
        public long StageSteps { get; init; } = 10_000;
        public bool Whiten { get; init; }
        public bool Center { get; init; } = true;
        public bool Refine { get; init; } = true;
        public ulong Seed { get; init; } = 1;
        public int? UpdatePatch { get; init; }
    }

    private static int Run(Settings settings, string modelPath, CommandContext context)
    {
        Table table = Table.Read(settings.DataPath);
        PatchGeometry geometry = settings.Geometry;
        int labelColumn = table.LabelColumn(settings.Label);

        int d = table.Columns - 1;
        if (d != geometry.InputSize)
            throw new UsageException($"--geometry: {geometry} has d = {geometry.InputSize} inputs but {settings.DataPath} has {d} input columns (plus the label).");
        int n = table.Rows;
        if (n < 3)
            throw new InvalidFileException(settings.DataPath, "", $"{n} data row{(n == 1 ? "" : "s")}; fit needs at least 3 (at least 2 to train on and 1 to validate).");
        CheckLabelsVary(table, labelColumn);
        WarnIfLayoutLooks1D(table, geometry, labelColumn, context);
        int validationRows = (int)Math.Round(n * settings.Validation);
        if (validationRows < 1 || n - validationRows < 2)
            throw new UsageException($"--validation: {settings.Validation.ToString(CultureInfo.InvariantCulture)} of {n} rows leaves {n - validationRows} training and {validationRows} validation rows; need at least 2 and 1.");

        // Shuffle the rows once (stream 5 of the seed), then split.
        int[] order = Enumerable.Range(0, n).ToArray();
        var shuffle = Xoshiro256StarStar.ForStream(settings.Seed, 5);
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)shuffle.NextUInt64((ulong)i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        int trainRows = n - validationRows;
        (double[] x, double[] y) = Split(table, labelColumn, order);

        Preprocessing preprocessing = Fit(x.AsSpan(0, trainRows * d), y.AsSpan(0, trainRows), d, settings.Center, settings.Whiten);
        if (settings.Whiten)
            context.Warn("--whiten applies Σ^(-1/2) to the inputs: a convolutional network in x is not one in Σ^(-1/2) x (whitening breaks weight sharing), so the learned filter may not mean what you expect. The default (centring and one global scale) keeps the structure.");
        var transformed = new double[x.Length];
        for (int i = 0; i < n; i++)
            preprocessing.TransformInput(x.AsSpan(i * d, d), transformed.AsSpan(i * d, d));
        double[] labels = y.Select(preprocessing.TransformLabel).ToArray();
        var train = new DataSet(d, transformed.AsSpan(0, trainRows * d), labels.AsSpan(0, trainRows));
        var validation = new DataSet(d, transformed.AsSpan(trainRows * d), labels.AsSpan(trainRows));

        IConvNet model = Models.Create(geometry, settings.Activation);
        ISampleSource stream = train.Stream(Xoshiro256StarStar.ForStream(settings.Seed, 1));
        var log = new StringBuilder();
        string learner;
        if (geometry.HasNonOverlappingPart && settings.UpdatePatch is null)
        {
            learner = "Algorithm 1 (normalised steps, sign check, stage-1 averaging)";
            Algorithm1Options preset = Algorithm1Options.Normalized;
            Algorithm1.Run(model, stream, new Algorithm1Options
            {
                Stage1Steps = settings.StageSteps,
                Stage1Step = preset.Stage1Step,
                Stage2Steps = settings.StageSteps,
                Stage2Step = preset.Stage2Step,
                Stage1SignCheckSamples = Math.Min(preset.Stage1SignCheckSamples, trainRows),
                Stage1AveragingFraction = preset.Stage1AveragingFraction,
                ValidationSamples = Math.Min(10_000, trainRows),
                EvaluationInterval = 0,
                Seed = settings.Seed,
            });
        }
        else
        {
            // Along one patch the other patches' errors are noise of size ‖a‖ against a_j: μ = a_j²/‖a‖² = 1/k is stable.
            double mu = settings.UpdatePatch is null ? 0.5 : 1.0 / geometry.PatchCount;
            learner = settings.UpdatePatch is int j
                ? string.Create(CultureInfo.InvariantCulture, $"Convotron with average pooling along patch {j} only (normalised step mu = 1/k = {Invariant.R(mu)})")
                : "Convotron with average pooling (normalised step mu = 0.5)";
            try
            {
                ConvotronLearner.Learn(model, stream, new ConvotronOptions
                {
                    Samples = settings.StageSteps, EvaluationInterval = 0, UpdatePatch = settings.UpdatePatch, Step = StepSize.Normalized(mu),
                });
            }
            catch (ArgumentException e) when (e.ParamName == nameof(ConvotronOptions.UpdatePatch))
            {
                throw new UsageException($"--update-patch: {e.Message.Split(" (Parameter")[0]}");
            }
            catch (LearningDivergedException e)
            {
                // Average pooling can be a poor guess for the data's a; keep the last finite w and let
                // the least-squares solves for a in the refinement stage correct the output layer.
                context.Warn(e.Message);
                e.LastFiniteState.Filter.CopyTo(model.Filter);
                e.LastFiniteState.OutputWeights.CopyTo(model.OutputWeights);
            }
            // f(w, a) = f(w/λ, λa) for λ > 0: move the scale into a so that w stays of order 1.
            double norm = System.Numerics.Tensors.TensorPrimitives.Norm<double>(model.Filter);
            if (norm > 0.0 && double.IsFinite(norm))
            {
                System.Numerics.Tensors.TensorPrimitives.Divide<double>(model.Filter, norm, model.Filter);
                System.Numerics.Tensors.TensorPrimitives.Multiply<double>(model.OutputWeights, norm, model.OutputWeights);
            }
        }
        double initial = Metrics.RelativeMeanSquaredError(model, validation);
        var curve = new List<(int Epoch, double Train, double Validation)> { (0, Metrics.RelativeMeanSquaredError(model, train), initial) };
        context.Line($"fit: {learner}: validation relative MSE {Invariant.E3(initial)}");
        IConvNet best = model.Clone();
        double bestError = initial;
        int bestEpoch = 0;
        if (settings.Refine)
        {
            for (int epoch = 1; epoch <= settings.Epochs; epoch++)
            {
                Refinement.Run(model, stream, new RefinementOptions { Samples = trainRows, EvaluationInterval = 0 });
                double error = Metrics.RelativeMeanSquaredError(model, validation);
                curve.Add((epoch, Metrics.RelativeMeanSquaredError(model, train), error));
                context.Line($"  refinement pass {epoch}: validation relative MSE {Invariant.E3(error)}");
                if (error < bestError)
                {
                    best = model.Clone();
                    bestError = error;
                    bestEpoch = epoch;
                }
                else if (epoch - bestEpoch >= settings.Patience)
                {
                    break;
                }
            }
        }
        ModelFile.Save(modelPath, best, preprocessing, new LabelColumn(table.Header?[labelColumn], labelColumn, table.Columns));
        context.WriteText("fit_curve.csv", Invariant.Lines(curve.Select(c => $"{Invariant.R(c.Epoch)},{Invariant.R(c.Train)},{Invariant.R(c.Validation)}")
            .Prepend("pass,train_relative_mse,validation_relative_mse")));
        Plots.Lines(context.PathOf("fit_curve.png"), "fit: refinement passes", "pass over the training rows", "relative MSE",
            [new Series("train", curve.Select(c => (double)c.Epoch).ToList(), curve.Select(c => c.Train).ToList()),
             new Series("validation", curve.Select(c => (double)c.Epoch).ToList(), curve.Select(c => c.Validation).ToList())], logY: true);
        var summary = new StringBuilder();
        summary.Append(CultureInfo.InvariantCulture, $"fit {settings.DataPath}: {n} rows ({trainRows} training, {validationRows} validation), d = {d}, geometry {geometry} (k = {geometry.PatchCount}), activation {settings.Activation}\n");
        summary.Append(CultureInfo.InvariantCulture, $"preprocessing: {(settings.Whiten ? "centred, scaled and WHITENED" : settings.Center ? "centred, one global scale" : "one global scale (not centred)")} (input scale {Invariant.E3(preprocessing.InputScale)}; labels scaled by {Invariant.E3(preprocessing.LabelScale)})\n");
        summary.Append(CultureInfo.InvariantCulture, $"learner: {learner}{(settings.Refine ? ", then refinement passes with early stopping" : "")}\n");
        summary.Append(CultureInfo.InvariantCulture, $"validation relative MSE: {Invariant.E3(initial)} after the learner, {Invariant.E3(bestError)} best (pass {bestEpoch} of {curve.Count - 1})\n");
        summary.Append(CultureInfo.InvariantCulture, $"training relative MSE at that pass: {Invariant.E3(curve[bestEpoch].Train)}\n");
        summary.Append(CultureInfo.InvariantCulture, $"model saved to {modelPath}\n");
        context.Summary(summary.ToString());
        return CliApp.Success;
    }

    /// <summary>A constant label leaves nothing to learn, and every relative error (divided by Var(y) = 0) would be meaningless.</summary>
    private static void CheckLabelsVary(Table table, int labelColumn)
    {
        double first = table.Row(0)[labelColumn];
        for (int i = 1; i < table.Rows; i++)
        {
            if (table.Row(i)[labelColumn] != first)
                return;
        }
        throw new InvalidFileException(table.Path, "", $"the label column {LabelName(table, labelColumn)} is {Invariant.R(first)} in every row: there is nothing to learn, and the relative error (which divides by the label's variance) is undefined. Check --label.");
    }

    private static string LabelName(Table table, int labelColumn) =>
        table.Header is null ? string.Create(CultureInfo.InvariantCulture, $"(column {labelColumn + 1})") : $"'{table.Header[labelColumn]}'";

    /// <summary>
    /// A 2D geometry reads the inputs as a row-major height × width image. When the header names the
    /// inputs like a 1D signal (x0, x1, …, as make-data writes them), the data was probably not made
    /// as images: say so, since the fit would run without complaint.
    /// </summary>
    private static void WarnIfLayoutLooks1D(Table table, PatchGeometry geometry, int labelColumn, CommandContext context)
    {
        if (geometry.Layout != PatchLayout.Strided2D || table.Header is null)
            return;
        int t = 0;
        for (int c = 0; c < table.Columns; c++)
        {
            if (c == labelColumn)
                continue;
            if (table.Header[c] != "x" + t.ToString(CultureInfo.InvariantCulture))
                return;
            t++;
        }
        context.Warn($"--geometry {geometry} reads the {geometry.InputSize} inputs as a row-major image, but the columns of {table.Path} are named x0..x{t - 1} like a 1D signal. If the rows are not images flattened row by row, use a 1d geometry (e.g. 1d:r=..,s=..,d={geometry.InputSize}).");
    }

    private static (double[] X, double[] Y) Split(Table table, int labelColumn, int[] order)
    {
        int d = table.Columns - 1;
        var x = new double[order.Length * d];
        var y = new double[order.Length];
        for (int i = 0; i < order.Length; i++)
        {
            ReadOnlySpan<double> row = table.Row(order[i]);
            int t = 0;
            for (int c = 0; c < table.Columns; c++)
            {
                if (c == labelColumn)
                    y[i] = row[c];
                else
                    x[i * d + t++] = row[c];
            }
        }
        return (x, y);
    }

    /// <summary>
    /// Centre each input coordinate and divide by one global scale (the root of the mean coordinate
    /// variance), so the inputs have unit average variance and weight sharing is kept. Labels are
    /// only scaled (by their root mean square), never centred: the network has no bias, and a
    /// positively homogeneous σ makes a scaled target as learnable as the original.
    /// </summary>
    internal static Preprocessing Fit(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int d, bool center, bool whiten)
    {
        int n = y.Length;
        var mean = new double[d];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < d; c++)
                mean[c] += x[i * d + c];
        for (int c = 0; c < d; c++)
            mean[c] = center ? mean[c] / n : 0.0;
        double variance = 0.0;
        for (int i = 0; i < n; i++)
            for (int c = 0; c < d; c++)
                variance += (x[i * d + c] - mean[c]) * (x[i * d + c] - mean[c]);
        variance /= (double)n * d;
        double scale = variance > 0.0 ? Math.Sqrt(variance) : 1.0;
        double labelSquares = 0.0;
        foreach (double v in y)
            labelSquares += v * v;
        double labelScale = labelSquares > 0.0 ? Math.Sqrt(labelSquares / n) : 1.0;
        if (!whiten)
            return new Preprocessing(mean, scale, 0.0, labelScale);
        Matrix<double> covariance = Matrix<double>.Build.Dense(d, d);
        for (int i = 0; i < n; i++)
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++)
                    covariance[a, b] += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]) / (scale * scale * n);
        var evd = covariance.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        Vector<double> lambda = evd.EigenValues.Map(z => z.Real);
        double floor = 1e-10 * Math.Max(lambda.Maximum(), 1e-300);
        Matrix<double> inverseRoot = evd.EigenVectors * Matrix<double>.Build.DiagonalOfDiagonalVector(lambda.Map(l => 1.0 / Math.Sqrt(Math.Max(l, floor)))) * evd.EigenVectors.Transpose();
        var whitening = new double[d * d];
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++)
                whitening[a * d + b] = inverseRoot[a, b];
        return new Preprocessing(mean, scale, 0.0, labelScale, whitening);
    }
}
