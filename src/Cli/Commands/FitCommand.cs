using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Text;
using Convotron.Cli.Data;
using Convotron.Cli.Infrastructure;

namespace Convotron.Cli.Commands;

/// <summary>
/// <c>convotron fit DATA --geometry …</c>: learn a convolutional network from a CSV or .npy file.
/// The command parses, reads and checks the table (<see cref="FitInput"/>), calls the runtime's
/// pipeline (<see cref="ConvNetFit"/>: centring decided on the data, Algorithm 1 as the first start
/// of the joint learner, the least-squares finish, keep-the-better, the noise and limit estimate),
/// writes the model, curve and summary, and refuses a model worse than predicting the mean (docs/LEARNING.md).
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
            var options = new FitOptions
            {
                ValidationFraction = parse.GetValue(validation),
                FinishIterations = parse.GetValue(epochs),
                FinishRows = parse.GetValue(refine.Samples) ?? long.MaxValue,
                StageSteps = parse.GetValue(stageSteps),
                Whiten = parse.GetValue(whiten),
                Centring = parse.GetValue(noCenter) ? FitCentring.Never : FitCentring.Auto,
                Finish = !parse.GetValue(refine.NoRefine),
                Seed = parse.GetValue(common.Seed),
                UpdatePatch = parse.GetValue(updatePatch),
            };
            string dataPath = parse.GetValue(data)!;
            PatchGeometry geometry = Parsing.Geometry("--geometry", parse.GetValue(geometryOption)!, budget, DataNeeds(dataPath, options.Whiten));
            Activation activationValue = Parsing.Activation("--activation", parse.GetValue(activation)!);
            Parsing.InRange("--validation", options.ValidationFraction, 0.0, 1.0);
            CommandContext context = common.Context(parse, environment, ("DATA", dataPath));
            // A --model that is a directory, an input, unwritable or not fit's is refused now, not after the fit.
            string model = parse.GetValue(modelPath) is string path ? context.Output("--model", path, ModelKind, OutputFolder.IsModelFile) : context.PathOf("model.json");
            return Run(dataPath, parse.GetValue(label), geometry, activationValue, options, parse.GetValue(keepFailed), model, context);
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

    private static int Run(string dataPath, string? label, PatchGeometry geometry, Activation activation, FitOptions options, bool keepFailed, string modelPath, CommandContext context)
    {
        Table table = Table.Read(dataPath);
        (int labelColumn, int trainRows) = FitInput.Check(table, dataPath, label, geometry, options, context);
        int n = table.Rows, d = geometry.InputSize;
        (FitInput.Extreme largestInput, FitInput.Extreme largestLabel) = FitInput.Extremes(table, labelColumn);
        LabelColumn labelInfo = new(table.Header?[labelColumn], labelColumn, table.Columns);
        (double[] x, double[] y) = FitInput.Split(table, labelColumn);
        FitReport report;
        try
        {
            report = ConvNetFit.FitInPlace(Models.Create(geometry, activation), x, y, options, new SynchronousProgress<FitProgress>(p => Report(p, options, context)), default);
        }
        catch (ArgumentException e) when (e.ParamName is "inputs" or "labels")
        {
            // A scale that overflows: the culprit is the value of the largest magnitude.
            bool labels = e.ParamName == "labels";
            FitInput.Extreme culprit = labels ? largestLabel : largestInput;
            throw new InvalidFileException(table.Path, culprit.Location, $"{Invariant.R(culprit.Value)} ({culprit.Column}) is too large: the {(labels ? "labels'" : "inputs'")} mean square overflows double precision (about 1.8e308), so the data cannot be standardised. Rescale the column (e.g. to units near 1).");
        }
        catch (ArgumentException e) when (e.ParamName == nameof(FitOptions.UpdatePatch))
        {
            throw new UsageException($"--update-patch: {e.Message.Split(" (Parameter")[0]}");
        }
        if (options.Whiten)
            context.Warn("--whiten applies Σ^(-1/2) to the inputs: a convolutional network in x is not one in Σ^(-1/2) x (whitening breaks weight sharing), so the learned filter may not mean what you expect. The default (centring and one global scale) keeps the structure.");
        FitAttempt best = report.Best;
        Preprocessing preprocessing = best.Preprocessing;
        // A model with non-finite weights is never saved, not even with --keep-failed: it cannot predict.
        bool saved = !report.NonFinite && (!report.Failed || keepFailed);
        if (saved)
            ModelFile.Save(modelPath, best.Model, preprocessing, labelInfo);
        // An earlier fit's model beside this FAILED summary would be taken for its result (by predict).
        string? setAside = saved ? null : context.SetAside("--model", modelPath, ModelKind, OutputFolder.IsModelFile);
        var stages = best.Curve.Select(c => StageName(c.Stage, best)).ToList();
        context.WriteText("fit_curve.csv", Invariant.Lines(best.Curve.Select((c, i) => $"{stages[i]},{Invariant.R(c.TrainRelativeMse)},{Invariant.R(c.ValidationRelativeMse)}")
            .Prepend("stage,train_relative_mse,validation_relative_mse")));
        var positions = Enumerable.Range(0, best.Curve.Count).Select(i => (double)i).ToList();
        // The stages are categories (one tick each, points without joining lines): a line between
        // two stages would draw values no stage had.
        Plots.Lines(context, context.PathOf("fit_curve.png"), "fit: relative MSE after each stage", "stage", AxisScale.Categories, "relative MSE", AxisScale.Log,
            [new Series("train", positions, best.Curve.Select(c => c.TrainRelativeMse).ToList()),
             new Series("validation", positions, best.Curve.Select(c => c.ValidationRelativeMse).ToList())], stages);
        double noiseShare = report.NoiseVariance / best.TrainLabelVariance, validationError = best.ValidationRelativeMse;
        var summary = new StringBuilder();
        summary.Append(CultureInfo.InvariantCulture, $"fit {dataPath}: {n} rows ({trainRows} training, {n - trainRows} validation), d = {d}, geometry {geometry} (k = {geometry.PatchCount}), activation {activation}\n");
        summary.Append(CultureInfo.InvariantCulture, $"preprocessing: {(options.Whiten ? "centred, scaled and WHITENED" : best.Centred ? "centred, one global scale" : "one global scale (not centred)")} (input scale {Invariant.E3(preprocessing.InputScale)}; labels scaled by {Invariant.E3(preprocessing.LabelScale)}); why: {CentringText(report)}\n");
        summary.Append(CultureInfo.InvariantCulture, $"learner: {LearnerText(best, options)}\n");
        summary.Append(CultureInfo.InvariantCulture, $"validation relative MSE: {Invariant.E3(best.Curve[0].ValidationRelativeMse)} after the first stage, {Invariant.E3(validationError)} best\n");
        summary.Append(CultureInfo.InvariantCulture, $"training relative MSE: {Invariant.E3(best.TrainRelativeMse)}\n");
        summary.Append(report.NoiseVariance > 1e-20 * best.TrainLabelVariance
            ? string.Create(CultureInfo.InvariantCulture, $"estimated label noise: σ ≈ {Invariant.E3(Math.Sqrt(noiseShare))} of std y (noise share of Var y {Invariant.E3(noiseShare)}); statistical limit of the excess error for {trainRows} training rows σ²(r + k − 1)/(n·Var y) ≈ {Invariant.E3(report.StatisticalLimit)}, so the best expected validation relative MSE is ≈ {Invariant.E3(noiseShare + report.StatisticalLimit)} (got {Invariant.E3(validationError)})\n")
            : $"estimated label noise: none within machine precision (training relative MSE {Invariant.E3(best.TrainRelativeMse)})\n");
        summary.Append(report.NonFinite
            ? "FAILED: the model's weights are not finite (the fit overflowed); not saved, not even with --keep-failed\n"
            : report.Failed
            ? $"FAILED: the model is no better than predicting the mean (validation relative MSE {Invariant.E3(validationError)} ≥ 1 or not finite); {(saved ? $"saved anyway to {modelPath} (--keep-failed)" : "not saved (--keep-failed saves it)")}{(setAside is null ? "" : $"; {setAside}, so that it is not taken for this fit's result")}\n"
            : $"model saved to {modelPath}\n");
        context.Summary(summary.ToString());
        if (report.Failed)
            context.Warn(report.NonFinite
                ? "fit failed: the model's weights are not finite; no model was saved."
                : $"fit failed: validation relative MSE {Invariant.E3(validationError)} is no better than predicting the mean; {(saved ? "the model was saved because of --keep-failed" : "no model was saved")}.");
        return report.Failed ? CliApp.Failure : CliApp.Success;
    }

    /// <summary>The line (and warning) after each stage of an attempt.</summary>
    private static void Report(FitProgress p, FitOptions options, CommandContext context)
    {
        if (p.Warning is not null)
            context.Warn(p.Warning);
        string stage = p.Point.Stage switch
        {
            FitStage.ConvotronAlongPatch => string.Create(CultureInfo.InvariantCulture, $"Convotron along patch {options.UpdatePatch}"),
            FitStage.Algorithm1 => "Algorithm 1",
            FitStage.JointSearch => "joint search",
            _ => "least-squares finish",
        };
        context.Line($"{(p.Centred ? "fit (centred)" : "fit (not centred)")}: {stage}: validation relative MSE {Invariant.E3(p.Point.ValidationRelativeMse)}");
    }

    /// <summary>The stage's name in fit_curve.csv.</summary>
    private static string StageName(FitStage stage, FitAttempt attempt) => stage switch
    {
        FitStage.Start => "start",
        FitStage.Algorithm1 => "algorithm1",
        FitStage.ConvotronAlongPatch => "convotron along one patch",
        FitStage.JointSearch => "joint search",
        FitStage.LeastSquaresFinish => "least-squares finish",
        _ => "kept " + StageName(attempt.FirstStart, attempt),
    };

    /// <summary>Why the inputs were centred or not, with the validation errors of both when both were fitted.</summary>
    private static string CentringText(FitReport report)
    {
        CentringDecision c = report.Centring;
        string reason = c.Reason switch
        {
            CentringReason.Whitened => "--whiten",
            CentringReason.NotAllowed => "--no-center",
            CentringReason.MeanIsZero => $"the input mean is zero within sampling error (χ² = {Invariant.E3(c.ChiSquare)} ≤ {Invariant.E3(c.Threshold)}, d = {c.InputSize}), so centring could only cost accuracy",
            _ => $"the input mean is not zero (χ² = {Invariant.E3(c.ChiSquare)} > {Invariant.E3(c.Threshold)}, d = {c.InputSize}): fitted with and without centring, kept the better on the validation rows",
        };
        if (report.Attempts.Count > 1)
            reason += string.Create(CultureInfo.InvariantCulture, $" ({string.Join(", ", report.Attempts.Select(a => $"{(a.Centred ? "centred" : "not centred")} {Invariant.E3(a.ValidationRelativeMse)}"))})");
        return reason;
    }

    /// <summary>The learners of an attempt, in the summary's words.</summary>
    private static string LearnerText(FitAttempt a, FitOptions options)
    {
        var text = new StringBuilder(a.FirstStart switch
        {
            FitStage.ConvotronAlongPatch => string.Create(CultureInfo.InvariantCulture, $"Convotron with average pooling along patch {options.UpdatePatch} only (normalised step mu = 1/k = {Invariant.R(a.FirstStartStep)}) as the first start of "),
            FitStage.Algorithm1 => "Algorithm 1 (normalised steps, sign check, stage-1 averaging) as the first start of ",
            _ => "",
        });
        JointLearnerResult joint = a.Joint;
        text.Append(CultureInfo.InvariantCulture, $"the joint learner (variable-projection Levenberg–Marquardt, {joint.Starts} start(s) on {joint.SearchRows} rows, {joint.ShiftsAccepted} shift move(s) kept)");
        text.Append(options.Finish
            ? string.Create(CultureInfo.InvariantCulture, $", then the least-squares finish on {a.FinishRows} training rows ({joint.Finish.Iterations} iterations, {(joint.Finish.Converged ? "converged" : "NOT converged: iteration budget --epochs reached")})")
            : string.Create(CultureInfo.InvariantCulture, $", then one Levenberg–Marquardt iteration on {a.FinishRows} training rows (--no-refine)"));
        if (a.KeptFirstStart)
            text.Append(CultureInfo.InvariantCulture, $"; kept the first start's model ({StageName(a.FirstStart, a)}), which was better on the validation rows");
        return text.ToString();
    }
}
