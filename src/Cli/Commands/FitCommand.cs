using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Numerics.Tensors;
using System.Text;
using Convotron.Cli.Data;
using Convotron.Cli.Infrastructure;
using MathNet.Numerics.LinearAlgebra;

namespace Convotron.Cli.Commands;

/// <summary>
/// <c>convotron fit DATA --geometry …</c>: learn a convolutional network from a CSV or .npy file.
/// Algorithm 1 (when the geometry has a non-overlapping part) gives the first start of the joint
/// learner (variable-projection Levenberg–Marquardt with restarts and shift moves), whose best
/// start is finished by nonlinear least squares on the training rows; centring is decided on the
/// data; a model worse than predicting the mean is refused (docs/LEARNING.md).
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
        var activation = new Option<string>("--activation") { Description = "relu, linear or leaky:ALPHA.", DefaultValueFactory = _ => "relu" };
        var validation = new Option<double>("--validation") { Description = "Fraction of rows held out for validation and early stopping, in (0, 1).", DefaultValueFactory = _ => 0.2 };
        var epochs = new Option<int>("--epochs") { Description = "Most Levenberg–Marquardt iterations of the least-squares finish, each two passes over the training rows.", DefaultValueFactory = _ => 100 }.Range(1);
        var keepFailed = new Option<bool>("--keep-failed") { Description = "Save the model even when it is no better than predicting the mean (validation relative MSE ≥ 1 or not finite); the exit code is still 1." };
        var stageSteps = new Option<long>("--stage-steps") { Description = "Steps of each Algorithm-1 stage (T1 = T2), or of Convotron without a non-overlapping part.", DefaultValueFactory = _ => 10_000 }.Range(1);
        var noCenter = new Option<bool>("--no-center") { Description = "Never centre the inputs (only the global scale). By default centring is decided on the data: not when the input mean is zero within sampling error, otherwise both are fitted and the better on the validation rows is kept." };
        var whiten = new Option<bool>("--whiten") { Description = "Full whitening instead of centring and one global scale (breaks weight sharing; prints a warning)." };
        var modelPath = new Option<string?>("--model") { Description = "Where to save the model (default <out>/model.json)." };
        var updatePatch = new Option<int?>("--update-patch") { Description = "Learn w by Convotron updating only along patch J (average pooling a; J must overlap no other patch) instead of Algorithm 1, as the first start of the joint learner and its least-squares finish." }.Range(0);
        var refine = new RefineOptions(command, "Limit the least-squares finish on all training rows to one Levenberg–Marquardt iteration (essentially the search's result on a subset of the rows).",
            "Training rows the least-squares finish sums over, at least 1 (default and at most: all training rows).", defaultSamples: null);
        foreach (Option option in new Option[] { geometryOption, label, activation, validation, epochs, keepFailed, stageSteps, noCenter, whiten, modelPath, updatePatch })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            InputFile.Require("DATA", parse.GetValue(data)!, "a .csv file (header optional) or a .npy file (float64, shape (n, d+1))");
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
                KeepFailed = parse.GetValue(keepFailed),
                RefineRows = parse.GetValue(refine.Samples) ?? long.MaxValue,
                StageSteps = parse.GetValue(stageSteps),
                Whiten = parse.GetValue(whiten),
                Center = !parse.GetValue(noCenter),
                Refine = !parse.GetValue(refine.NoRefine),
                Seed = parse.GetValue(common.Seed),
                UpdatePatch = parse.GetValue(updatePatch),
            };
            Parsing.InRange("--validation", settings.Validation, 0.0, 1.0);
            CommandContext context = common.Context(parse, environment, ("DATA", settings.DataPath));
            // A --model that is a directory, an input, unwritable or not fit's is refused now, not after the fit.
            string model = parse.GetValue(modelPath) is string path ? context.Output("--model", path, ModelKind, OutputFolder.IsModelFile) : context.PathOf("model.json");
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

    private const string ModelKind = "a model file";

    internal sealed class Settings
    {
        public required string DataPath { get; init; }
        public required PatchGeometry Geometry { get; init; }
        public string? Label { get; init; }
        public Activation Activation { get; init; }
        public double Validation { get; init; } = 0.2;
        public int Epochs { get; init; } = 100;
        public bool KeepFailed { get; init; }
        public long RefineRows { get; init; } = long.MaxValue;
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
        int trainRows = n - validationRows;
        CheckRowsExceedParameters(settings, geometry, n, trainRows);
        (Extreme input, Extreme label) = Extremes(table, labelColumn);

        // Shuffle the rows once (stream 5 of the seed), then split.
        (double[] x, double[] y) = ShuffleAndSplit(table, labelColumn, Xoshiro256StarStar.ForStream(settings.Seed, 5));

        // Centring: a bias-free network of x is not one of x − mean(x), so centre only when it is
        // harmless (the mean is zero within sampling error) or when it fits the validation rows better.
        (double chiSquare, double threshold) = MeanTest(x.AsSpan(0, trainRows * d), trainRows, d);
        var candidates = new List<bool>();
        string centringReason;
        if (settings.Whiten)
        {
            candidates.Add(true);
            centringReason = "--whiten";
        }
        else if (!settings.Center)
        {
            candidates.Add(false);
            centringReason = "--no-center";
        }
        else if (chiSquare <= threshold)
        {
            candidates.Add(false);
            centringReason = $"the input mean is zero within sampling error (χ² = {Invariant.E3(chiSquare)} ≤ {Invariant.E3(threshold)}, d = {d}), so centring could only cost accuracy";
        }
        else
        {
            candidates.Add(false);
            candidates.Add(true);
            centringReason = $"the input mean is not zero (χ² = {Invariant.E3(chiSquare)} > {Invariant.E3(threshold)}, d = {d}): fitted with and without centring, kept the better on the validation rows";
        }
        Attempt? chosen = null;
        var attempts = new List<Attempt>();
        foreach (bool center in candidates)
        {
            Attempt attempt;
            try
            {
                attempt = Learn(settings, geometry, x, y, trainRows, d, center, context);
            }
            catch (OverflowException e)
            {
                // A scale that overflows: the culprit is the value of the largest magnitude.
                bool labels = e.Message == LabelsOverflow;
                Extreme culprit = labels ? label : input;
                throw new InvalidFileException(table.Path, culprit.Location, $"{Invariant.R(culprit.Value)} ({culprit.Column}) is too large: the {(labels ? "labels'" : "inputs'")} mean square overflows double precision (about 1.8e308), so the data cannot be standardised. Rescale the column (e.g. to units near 1).");
            }
            attempts.Add(attempt);
            if (chosen is null || Better(attempt.ValidationError, chosen.ValidationError))
                chosen = attempt;
        }
        if (settings.Whiten)
            context.Warn("--whiten applies Σ^(-1/2) to the inputs: a convolutional network in x is not one in Σ^(-1/2) x (whitening breaks weight sharing), so the learned filter may not mean what you expect. The default (centring and one global scale) keeps the structure.");
        Attempt best = chosen!;
        Preprocessing preprocessing = best.Preprocessing;
        if (attempts.Count > 1)
            centringReason += string.Create(CultureInfo.InvariantCulture, $" ({string.Join(", ", attempts.Select(a => $"{(a.Centred ? "centred" : "not centred")} {Invariant.E3(a.ValidationError)}"))})");

        // The noise level the residuals imply, and the error least squares with the right model would have.
        int parameters = geometry.FilterSize + geometry.PatchCount - 1;
        double noiseVariance = best.TrainMse * trainRows / Math.Max(1, trainRows - parameters);
        double limit = noiseVariance * parameters / (trainRows * best.TrainLabelVariance);
        bool failed = !(best.ValidationError < 1.0);
        // A model with non-finite weights is never saved, not even with --keep-failed: it cannot predict.
        bool finite = TensorPrimitives.IsFiniteAll<double>(best.Model.Filter) && TensorPrimitives.IsFiniteAll<double>(best.Model.OutputWeights);
        failed |= !finite;
        bool saved = finite && (!failed || settings.KeepFailed);
        if (saved)
            ModelFile.Save(modelPath, best.Model, preprocessing, new LabelColumn(table.Header?[labelColumn], labelColumn, table.Columns));
        // An earlier fit's model beside this FAILED summary would be taken for its result (by predict).
        string? setAside = saved ? null : context.SetAside("--model", modelPath, ModelKind, OutputFolder.IsModelFile);
        context.WriteText("fit_curve.csv", Invariant.Lines(best.Curve.Select(c => $"{c.Stage},{Invariant.R(c.Train)},{Invariant.R(c.Validation)}")
            .Prepend("stage,train_relative_mse,validation_relative_mse")));
        var positions = Enumerable.Range(0, best.Curve.Count).Select(i => (double)i).ToList();
        // The stages are categories (one tick each, points without joining lines): a line between
        // two stages would draw values no stage had.
        Plots.Lines(context, context.PathOf("fit_curve.png"), "fit: relative MSE after each stage", "stage", AxisScale.Categories, "relative MSE", AxisScale.Log,
            [new Series("train", positions, best.Curve.Select(c => c.Train).ToList()),
             new Series("validation", positions, best.Curve.Select(c => c.Validation).ToList())], best.Curve.Select(c => c.Stage).ToList());
        var summary = new StringBuilder();
        summary.Append(CultureInfo.InvariantCulture, $"fit {settings.DataPath}: {n} rows ({trainRows} training, {validationRows} validation), d = {d}, geometry {geometry} (k = {geometry.PatchCount}), activation {settings.Activation}\n");
        summary.Append(CultureInfo.InvariantCulture, $"preprocessing: {(settings.Whiten ? "centred, scaled and WHITENED" : best.Centred ? "centred, one global scale" : "one global scale (not centred)")} (input scale {Invariant.E3(preprocessing.InputScale)}; labels scaled by {Invariant.E3(preprocessing.LabelScale)}); why: {centringReason}\n");
        summary.Append(CultureInfo.InvariantCulture, $"learner: {best.Learner}\n");
        summary.Append(CultureInfo.InvariantCulture, $"validation relative MSE: {Invariant.E3(best.Curve[0].Validation)} after the first stage, {Invariant.E3(best.ValidationError)} best\n");
        summary.Append(CultureInfo.InvariantCulture, $"training relative MSE: {Invariant.E3(best.TrainRelative)}\n");
        summary.Append(noiseVariance > 1e-20 * best.TrainLabelVariance
            ? string.Create(CultureInfo.InvariantCulture, $"estimated label noise: σ ≈ {Invariant.E3(Math.Sqrt(noiseVariance / best.TrainLabelVariance))} of std y (noise share of Var y {Invariant.E3(noiseVariance / best.TrainLabelVariance)}); statistical limit of the excess error for {trainRows} training rows σ²(r + k − 1)/(n·Var y) ≈ {Invariant.E3(limit)}, so the best expected validation relative MSE is ≈ {Invariant.E3(noiseVariance / best.TrainLabelVariance + limit)} (got {Invariant.E3(best.ValidationError)})\n")
            : $"estimated label noise: none within machine precision (training relative MSE {Invariant.E3(best.TrainRelative)})\n");
        summary.Append(!finite
            ? "FAILED: the model's weights are not finite (the fit overflowed); not saved, not even with --keep-failed\n"
            : failed
            ? $"FAILED: the model is no better than predicting the mean (validation relative MSE {Invariant.E3(best.ValidationError)} ≥ 1 or not finite); {(saved ? $"saved anyway to {modelPath} (--keep-failed)" : "not saved (--keep-failed saves it)")}{(setAside is null ? "" : $"; {setAside}, so that it is not taken for this fit's result")}\n"
            : $"model saved to {modelPath}\n");
        context.Summary(summary.ToString());
        if (failed)
            context.Warn(!finite
                ? "fit failed: the model's weights are not finite; no model was saved."
                : $"fit failed: validation relative MSE {Invariant.E3(best.ValidationError)} is no better than predicting the mean; {(saved ? "the model was saved because of --keep-failed" : "no model was saved")}.");
        return failed ? CliApp.Failure : CliApp.Success;
    }

    private static bool Better(double candidate, double incumbent) =>
        double.IsFinite(candidate) && (!double.IsFinite(incumbent) || candidate < incumbent);

    /// <summary>One fit of the data under one preprocessing: the model, its errors and the stages it went through.</summary>
    private sealed record Attempt(bool Centred, Preprocessing Preprocessing, IConvNet Model, string Learner,
        List<(string Stage, double Train, double Validation)> Curve, double ValidationError, double TrainRelative, double TrainMse, double TrainLabelVariance);

    private static Attempt Learn(Settings settings, PatchGeometry geometry, double[] x, double[] y, int trainRows, int d, bool center, CommandContext context)
    {
        int n = y.Length;
        Preprocessing preprocessing = Fit(x.AsSpan(0, trainRows * d), y.AsSpan(0, trainRows), d, center, settings.Whiten);
        // The transformed rows go straight into the data sets (no intermediate copy).
        var train = DataSet.Create(d, trainRows, Transform);
        var validation = DataSet.Create(d, n - trainRows, (i, inputs) => Transform(trainRows + i, inputs));
        string prefix = center ? "fit (centred)" : "fit (not centred)";

        IConvNet model = Models.Create(geometry, settings.Activation);
        var curve = new List<(string Stage, double Train, double Validation)>();
        var learner = new StringBuilder();
        // The first start: Convotron along one disjoint patch when asked (Goel, Klivans & Meka), else
        // Algorithm 1 where the geometry has a non-overlapping part (Du & Goel), else the joint
        // learner's own random starts.
        bool firstStart = settings.UpdatePatch is not null || geometry.HasNonOverlappingPart;
        if (settings.UpdatePatch is int patch)
        {
            // Along one patch the other patches' errors are noise of size ‖a‖ against a_j: μ = a_j²/‖a‖² = 1/k is stable.
            double mu = 1.0 / geometry.PatchCount;
            ISampleSource stream = train.Stream(Xoshiro256StarStar.ForStream(settings.Seed, 1));
            try
            {
                ConvotronLearner.Learn(model, stream, new ConvotronOptions
                {
                    Samples = settings.StageSteps, EvaluationInterval = 0, UpdatePatch = patch, Step = StepSize.Normalized(mu),
                });
            }
            catch (ArgumentException e) when (e.ParamName == nameof(ConvotronOptions.UpdatePatch))
            {
                throw new UsageException($"--update-patch: {e.Message.Split(" (Parameter")[0]}");
            }
            catch (LearningDivergedException e)
            {
                KeepLastFinite(e);
            }
            Record("convotron along one patch");
            context.Line($"{prefix}: Convotron along patch {patch}: validation relative MSE {Invariant.E3(curve[^1].Validation)}");
            learner.Append(CultureInfo.InvariantCulture, $"Convotron with average pooling along patch {patch} only (normalised step mu = 1/k = {Invariant.R(mu)}) as the first start of ");
        }
        else if (geometry.HasNonOverlappingPart)
        {
            // Du & Goel's Algorithm 1 (the papers' guarantee) gives the first start.
            ISampleSource stream = train.Stream(Xoshiro256StarStar.ForStream(settings.Seed, 1));
            Algorithm1Options preset = Algorithm1Options.Normalized;
            try
            {
                Algorithm1.Learn(model, stream, new Algorithm1Options
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
            catch (LearningDivergedException e)
            {
                KeepLastFinite(e);
            }
            Record("algorithm1");
            context.Line($"{prefix}: Algorithm 1: validation relative MSE {Invariant.E3(curve[^1].Validation)}");
            learner.Append("Algorithm 1 (normalised steps, sign check, stage-1 averaging) as the first start of ");
        }
        else
        {
            Record("start");
        }
        // Restarts and shift moves on a subset of the rows, then nonlinear least squares on all of them.
        int finishRows = (int)Math.Min(settings.RefineRows, trainRows);
        DataSet finishSet = finishRows == trainRows ? train : train.Slice(0, finishRows);
        var options = new JointLearnerOptions
        {
            Seed = settings.Seed,
            StartFromModel = firstStart,
            Finish = new LeastSquaresOptions { MaxIterations = settings.Refine ? settings.Epochs : 1 },
        };
        IConvNet before = model.Clone();
        JointLearnerResult result = JointLearner.Learn(model, finishSet, options);
        learner.Append(CultureInfo.InvariantCulture, $"the joint learner (variable-projection Levenberg–Marquardt, {result.Starts} start(s) on {result.SearchRows} rows, {result.ShiftsAccepted} shift move(s) kept)");
        learner.Append(settings.Refine
            ? string.Create(CultureInfo.InvariantCulture, $", then the least-squares finish on {finishRows} training rows ({result.Finish.Iterations} iterations, {(result.Finish.Converged ? "converged" : "NOT converged: iteration budget --epochs reached")})")
            : string.Create(CultureInfo.InvariantCulture, $", then one Levenberg–Marquardt iteration on {finishRows} training rows (--no-refine)"));
        Record(settings.Refine ? "least-squares finish" : "joint search");
        // Never hand back a model worse on the validation rows than the guaranteed learner's.
        if (firstStart && !(curve[^1].Validation <= curve[0].Validation))
        {
            model = before;
            learner.Append(CultureInfo.InvariantCulture, $"; kept the first start's model ({curve[0].Stage}), which was better on the validation rows");
            curve.Add(($"kept {curve[0].Stage}", curve[0].Train, curve[0].Validation));
        }
        context.Line($"{prefix}: {(settings.Refine ? "least-squares finish" : "joint search")}: validation relative MSE {Invariant.E3(curve[^1].Validation)}");
        double trainMse = Metrics.MeanSquaredError(model, train);
        return new Attempt(center, preprocessing, model, learner.ToString(), curve, curve[^1].Validation, curve[^1].Train, trainMse, train.LabelVariance);

        double Transform(int row, Span<double> inputs)
        {
            preprocessing.TransformInput(x.AsSpan(row * d, d), inputs);
            return preprocessing.TransformLabel(y[row]);
        }

        // A diverged first start is not fatal: the joint learner goes on from its last finite state.
        void KeepLastFinite(LearningDivergedException e)
        {
            context.Warn(e.Message);
            e.LastFiniteState.Filter.CopyTo(model.Filter);
            e.LastFiniteState.OutputWeights.CopyTo(model.OutputWeights);
        }

        void Record(string stage) => curve.Add((stage, Metrics.RelativeMeanSquaredError(model, train), Metrics.RelativeMeanSquaredError(model, validation)));
    }

    /// <summary>
    /// Whether the input mean is zero within sampling error: χ² = Σ_c n·mean_c²/var_c, against the
    /// 0.999 quantile of χ²_d (Wilson–Hilferty). Returns the statistic and the threshold.
    /// </summary>
    internal static (double ChiSquare, double Threshold) MeanTest(ReadOnlySpan<double> x, int n, int d)
    {
        // Per-coordinate sums, row by row in element-wise vector operations (the same bits on every width).
        // (Multiply, then Add: MultiplyAdd may or may not fuse depending on the hardware.)
        var mean = new double[d];
        var squares = new double[d];
        var square = new double[d];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> row = x.Slice(i * d, d);
            TensorPrimitives.Add(mean, row, mean);
            TensorPrimitives.Multiply(row, row, square);
            TensorPrimitives.Add(squares, square, squares);
        }
        double chiSquare = 0.0;
        for (int c = 0; c < d; c++)
        {
            double m = mean[c] / n;
            double variance = squares[c] / n - m * m;
            if (variance > 1e-300)
                chiSquare += n * m * m / variance;
            else if (m != 0.0)
                chiSquare = double.PositiveInfinity;
        }
        const double z = 3.090232306167813; // the standard normal's 0.999 quantile
        double h = 2.0 / (9.0 * d);
        double threshold = d * Math.Pow(1.0 - h + z * Math.Sqrt(h), 3);
        return (chiSquare, threshold);
    }

    /// <summary>
    /// Refuses fewer training rows than the fit needs: more than the r + k − 1 identifiable
    /// parameters (w and a up to one common scale), so that least squares is determined and the
    /// residuals estimate the noise. Says how many rows the file needs under --validation.
    /// </summary>
    private static void CheckRowsExceedParameters(Settings settings, PatchGeometry geometry, int n, int trainRows)
    {
        long parameters = (long)geometry.FilterSize + geometry.PatchCount - 1, needed = parameters + 1;
        if (trainRows < needed)
        {
            long total = needed;
            while (total - (long)Math.Round(total * settings.Validation) < needed || Math.Round(total * settings.Validation) < 1)
                total++;
            throw new InvalidFileException(settings.DataPath, "", string.Create(CultureInfo.InvariantCulture,
                $"{n} data rows leave {trainRows} training rows after --validation {settings.Validation}, but geometry {geometry} has r + k − 1 = {geometry.FilterSize} + {geometry.PatchCount} − 1 = {parameters} parameters to fit: it needs at least {needed} training rows, so at least {total} rows in the file (or a smaller geometry)."));
        }
        if (settings.RefineRows < needed)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--refine-samples: {settings.RefineRows} rows cannot determine the r + k − 1 = {parameters} parameters of geometry {geometry}; it must be at least {needed}."));
    }

    /// <summary>The message text of the <see cref="OverflowException"/> <see cref="Fit"/> throws when the labels' scale overflows (else the inputs').</summary>
    private const string LabelsOverflow = "labels";

    /// <summary>A value of the table with its place (<see cref="InputFile.RowPlace"/>) and its column.</summary>
    private sealed record Extreme(double Value, string Location, string Column);

    /// <summary>The input and the label of the largest magnitude, with their places, before the rows are shuffled.</summary>
    private static (Extreme Input, Extreme Label) Extremes(Table table, int labelColumn)
    {
        (int Row, int Column, double Magnitude) input = (0, labelColumn == 0 ? 1 : 0, -1.0), label = (0, labelColumn, -1.0);
        for (int i = 0; i < table.Rows; i++)
        {
            ReadOnlySpan<double> row = table.Row(i);
            for (int c = 0; c < table.Columns; c++)
            {
                ref (int Row, int Column, double Magnitude) best = ref c == labelColumn ? ref label : ref input;
                if (Math.Abs(row[c]) > best.Magnitude)
                    best = (i, c, Math.Abs(row[c]));
            }
        }
        Extreme At((int Row, int Column, double Magnitude) at) => new(table.Row(at.Row)[at.Column], InputFile.RowPlace(table.Path, table.Header is not null, at.Row),
            table.Header is null ? string.Create(CultureInfo.InvariantCulture, $"column {at.Column + 1}") : $"column '{table.Header[at.Column]}'");
        return (At(input), At(label));
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

    /// <summary>
    /// Shuffles the table's rows (Fisher–Yates, swaps drawn from <paramref name="shuffle"/>) and moves
    /// the inputs to the front of its own array, rows of d without the label (n·d values; the rest is
    /// left over). Done in place: the table's array is the only copy of the data (fresh memory costs
    /// more than the copying). The table's values are meaningless afterwards.
    /// </summary>
    private static (double[] X, double[] Y) ShuffleAndSplit(Table table, int labelColumn, Xoshiro256StarStar shuffle)
    {
        int n = table.Rows, m = table.Columns, d = m - 1;
        double[] values = table.ReleaseValues();
        var swap = new double[m];
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)shuffle.NextUInt64((ulong)i + 1);
            if (j == i)
                continue;
            Span<double> a = values.AsSpan(i * m, m), b = values.AsSpan(j * m, m);
            a.CopyTo(swap);
            b.CopyTo(a);
            swap.CopyTo(b);
        }
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            // Row i moves down to i·d (never past the part of row i not yet moved: i·d + c ≤ i·m + c).
            y[i] = values[i * m + labelColumn];
            values.AsSpan(i * m, labelColumn).CopyTo(values.AsSpan(i * d));
            values.AsSpan(i * m + labelColumn + 1, d - labelColumn).CopyTo(values.AsSpan(i * d + labelColumn));
        }
        return (values, y);
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
        if (center)
        {
            for (int i = 0; i < n; i++)
                TensorPrimitives.Add(mean, x.Slice(i * d, d), mean);
            TensorPrimitives.Divide(mean, n, mean);
        }
        // Σ (x − mean)² per coordinate, row by row in element-wise vector operations, then over the coordinates.
        var squares = new double[d];
        var centred = new double[d];
        for (int i = 0; i < n; i++)
        {
            TensorPrimitives.Subtract(x.Slice(i * d, d), mean, centred);
            TensorPrimitives.Multiply(centred, centred, centred);
            TensorPrimitives.Add(squares, centred, squares);
        }
        double variance = 0.0;
        foreach (double square in squares)
            variance += square;
        variance /= (double)n * d;
        double scale = variance > 0.0 ? Math.Sqrt(variance) : 1.0;
        double labelSquares = 0.0;
        foreach (double v in y)
            labelSquares += v * v;
        double labelScale = labelSquares > 0.0 ? Math.Sqrt(labelSquares / n) : 1.0;
        // A value near 1e308 (or 1e200, whose square overflows) makes a scale infinite: bad data, refused by the caller with its place.
        if (!double.IsFinite(scale) || !double.IsFinite(variance) || !TensorPrimitives.IsFiniteAll<double>(mean))
            throw new OverflowException("inputs");
        if (!double.IsFinite(labelScale))
            throw new OverflowException(LabelsOverflow);
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
