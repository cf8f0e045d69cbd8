using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Numerics.Tensors;
using System.Text;
using Convotron.Cli.Infrastructure;
using Spectre.Console;

namespace Convotron.Cli.Commands;

/// <summary>
/// <c>convotron compare</c>: Convotron against plain SGD with backpropagation on the same model,
/// samples and budget, learning w with the teacher's a* known (Goel et al.'s setting), over a grid
/// of step sizes and initial scales of w. With <c>--noise</c> the training labels carry Gaussian
/// noise (the test labels stay noiseless, so the relative test MSE is the excess error) and every run
/// is reported against the limit σ²·r/(n·Var y) of learning the r weights of w from n noisy samples.
/// </summary>
internal static class CompareCommand
{
    public const string RunsHeader = "method,step_rule,step,init_scale,seed,relative_test_mse,diverged,success,samples,noise,sigma,limit";
    public const string CellsHeader = "method,step_rule,step,init_scale,runs,successes,success_rate,median_relative_test_mse,diverged,noise,limit,median_limit_ratio";
    internal static readonly string[] Methods = ["convotron", "sgd"];

    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("compare", "Convotron vs plain SGD (backpropagation) learning w with a* known: success rate over step sizes x initial scales.");
        var common = new CommonOptions(command);
        var geometryOption = new Option<string>("--geometry") { Description = "The geometry.", DefaultValueFactory = _ => "1d:r=16,s=9,d=160" };
        var inputs = new Option<string>("--inputs") { Description = "Input distribution: gaussian, uniform, rademacher or ar1:RHO.", DefaultValueFactory = _ => "gaussian" };
        var samples = new Option<long>("--samples") { Description = "Training samples (steps) per run.", DefaultValueFactory = _ => 20_000 }.Range(1);
        var seeds = new Option<int>("--seeds") { Description = "Seeds per cell: seed, seed+1, ...", DefaultValueFactory = _ => 10 }.Range(1);
        var fixedSteps = new Option<string>("--fixed-steps") { Description = "Comma-separated fixed learning rates eta > 0, or none.", DefaultValueFactory = _ => "1e-5,1e-4,1e-3,1e-2,1e-1" };
        var normalizedSteps = new Option<string>("--normalized-steps") { Description = "Comma-separated normalised steps mu in (0, 2), or none.", DefaultValueFactory = _ => "0.1,0.5,1.0" };
        var scales = new Option<string>("--init-scales") { Description = "Comma-separated norms of the initial w, in a random direction.", DefaultValueFactory = _ => "0,0.01,0.1,1,10" };
        var testSamples = new Option<int>("--test-samples") { Description = "Test-set size.", DefaultValueFactory = _ => 10_000 }.Range(2);
        var success = new Option<double>("--success") { Description = "Success: relative test MSE at most this.", DefaultValueFactory = _ => 1e-3 };
        var noise = new Option<double>("--noise") { Description = "Gaussian label noise on the training samples, sigma as a fraction of std y (the std of the teacher's noiseless labels on the test set), finite and >= 0, e.g. 0.1 for 10 %; the test labels stay noiseless.", DefaultValueFactory = _ => 0.0 };
        foreach (Option option in new Option[] { geometryOption, inputs, samples, seeds, fixedSteps, normalizedSteps, scales, testSamples, success, noise })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            var steps = new List<StepSize>();
            steps.AddRange(StepList("--fixed-steps", parse.GetValue(fixedSteps)!).Select(v => v > 0 ? StepSize.Fixed(v) : throw new UsageException("--fixed-steps: every eta must be > 0.")));
            steps.AddRange(StepList("--normalized-steps", parse.GetValue(normalizedSteps)!).Select(v => v > 0 && v < 2 ? StepSize.Normalized(v) : throw new UsageException($"--normalized-steps: {v.ToString(CultureInfo.InvariantCulture)} is not allowed; mu must lie in (0, 2).")));
            if (steps.Count == 0)
                throw new UsageException("--fixed-steps and --normalized-steps are both none; give at least one step size.");
            double noiseLevel = parse.GetValue(noise);
            if (!(noiseLevel >= 0.0 && double.IsFinite(noiseLevel)))
                throw new UsageException($"--noise: {noiseLevel.ToString(CultureInfo.InvariantCulture)} is not allowed; it must be a finite number >= 0 (sigma as a fraction of std y, e.g. 0.1 for 10 %).");
            int seedCount = parse.GetValue(seeds), testCount = parse.GetValue(testSamples);
            Parsing.AtLeast("--seeds", seedCount, 1);
            Parsing.AtLeast("--test-samples", testCount, 2);
            var settings = new Settings
            {
                // Every seed's teacher and test set are held for the whole grid.
                Geometry = Parsing.Geometry("--geometry", parse.GetValue(geometryOption)!, common.Budget(parse),
                    ($"the test sets ({seedCount} seeds × {testCount} samples)", s => 8.0 * seedCount * testCount * (s.D + 1) + 64.0 * (s.D + s.K) * Environment.ProcessorCount,
                     "use fewer --test-samples or --seeds, or a smaller --geometry")),
                Inputs = Parsing.Distribution("--inputs", parse.GetValue(inputs)!),
                Samples = parse.GetValue(samples),
                Seeds = parse.GetValue(seeds),
                BaseSeed = parse.GetValue(common.Seed),
                Steps = steps,
                Scales = Parsing.NonNegativeDoubles("--init-scales", parse.GetValue(scales)!),
                TestSamples = parse.GetValue(testSamples),
                Success = parse.GetValue(success),
                Noise = noiseLevel,
            };
            Parsing.AtLeast("--samples", settings.Samples, 1);
            Parsing.AtLeast("--seeds", settings.Seeds, 1);
            Parsing.AtLeast("--test-samples", settings.TestSamples, 2);
            Parsing.InRange("--success", settings.Success, 0.0, double.PositiveInfinity);
            return Run(settings, common.ThreadCount(parse), common.Context(parse, environment));
        });
        return command;
    }

    internal sealed class Settings
    {
        public PatchGeometry Geometry { get; init; } = PatchGeometry.Strided1D(16, 9, 160);
        public InputDistribution Inputs { get; init; } = InputDistribution.Gaussian;
        public long Samples { get; init; } = 20_000;
        public int Seeds { get; init; } = 10;
        public ulong BaseSeed { get; init; } = 1;
        public IReadOnlyList<StepSize> Steps { get; init; } = [];
        public IReadOnlyList<double> Scales { get; init; } = [];
        public int TestSamples { get; init; } = 10_000;
        public double Success { get; init; } = 1e-3;

        /// <summary>σ of the training labels' noise as a fraction of std y (0: noiseless).</summary>
        public double Noise { get; init; }
    }

    /// <summary>A comma-separated list of step sizes, or none (the empty list).</summary>
    private static IReadOnlyList<double> StepList(string option, string text) =>
        string.Equals(text.Trim(), "none", StringComparison.OrdinalIgnoreCase) ? [] : Parsing.NonNegativeDoubles(option, text);

    internal sealed record Item(string Method, int StepIndex, int ScaleIndex, ulong Seed);

    internal sealed record RunResult(Item Item, double RelativeTestMse, bool Diverged, bool Success);

    private static int Run(Settings settings, int threads, CommandContext context)
    {
        var items = (from method in Methods
                     from step in Enumerable.Range(0, settings.Steps.Count)
                     from scale in Enumerable.Range(0, settings.Scales.Count)
                     from n in Enumerable.Range(0, settings.Seeds)
                     select new Item(method, step, scale, settings.BaseSeed + (ulong)n)).ToList();
        // Teacher and test set depend only on the seed: build each once (lazily, thread-safe) and share them read-only.
        var problems = Enumerable.Range(0, settings.Seeds).Select(n => new Lazy<Problem>(() => Problem.Create(settings, settings.BaseSeed + (ulong)n))).ToArray();
        RunResult[] results = context.RunParallel("compare",
            items.Select(i => $"{i.Method} {settings.Steps[i.StepIndex]} w0={Invariant.R(settings.Scales[i.ScaleIndex])} seed={i.Seed}").ToList(),
            threads, (i, _) => RunOne(settings, items[i], problems[(int)(items[i].Seed - settings.BaseSeed)].Value));

        Problem ProblemOf(RunResult r) => problems[(int)(r.Item.Seed - settings.BaseSeed)].Value;
        context.WriteText("runs.csv", Invariant.Lines(results.Select(r => Invariant.Csv([r.Item.Method, RuleName(settings.Steps[r.Item.StepIndex]),
            Invariant.R(settings.Steps[r.Item.StepIndex].Value), Invariant.R(settings.Scales[r.Item.ScaleIndex]), Invariant.R((long)r.Item.Seed),
            Invariant.R(r.RelativeTestMse), r.Diverged ? "1" : "0", r.Success ? "1" : "0",
            Invariant.R(settings.Samples), Invariant.R(settings.Noise), Invariant.R(ProblemOf(r).Sigma), Invariant.R(ProblemOf(r).Limit)])).Prepend(RunsHeader)));
        var rates = new Dictionary<string, double[,]>();
        var cellLines = new List<string> { CellsHeader };
        foreach (string method in Methods)
        {
            var rate = new double[settings.Steps.Count, settings.Scales.Count];
            for (int s = 0; s < settings.Steps.Count; s++)
            {
                for (int c = 0; c < settings.Scales.Count; c++)
                {
                    var cell = results.Where(r => r.Item.Method == method && r.Item.StepIndex == s && r.Item.ScaleIndex == c).ToList();
                    int successes = cell.Count(r => r.Success);
                    rate[s, c] = (double)successes / cell.Count;
                    cellLines.Add(Invariant.Csv([method, RuleName(settings.Steps[s]), Invariant.R(settings.Steps[s].Value), Invariant.R(settings.Scales[c]),
                        Invariant.R(cell.Count), Invariant.R(successes), Invariant.R(rate[s, c]), Invariant.R(Invariant.Median(cell.Select(r => r.RelativeTestMse).ToList())),
                        Invariant.R(cell.Count(r => r.Diverged)), Invariant.R(settings.Noise), Invariant.R(Invariant.Median(cell.Select(r => ProblemOf(r).Limit).ToList())),
                        Invariant.R(LimitRatio(cell, ProblemOf))]));
                }
            }
            rates[method] = rate;
            Plots.Heatmap(context, context.PathOf($"compare_{method}.png"),
                $"{(method == "sgd" ? "plain SGD (backprop)" : "Convotron")}: success rate (rel. test MSE <= {Invariant.R(settings.Success)})",
                "initial ||w||", "step size", settings.Scales.Select(Invariant.R).ToList(), settings.Steps.Select(s => s.ToString()).ToList(), rate);
        }
        context.WriteText("cells.csv", Invariant.Lines(cellLines));
        context.Summary(Findings(settings, results, rates, ProblemOf));
        return CliApp.Success;
    }

    /// <summary>The median over runs of relative test MSE / limit (a diverged run counts as +∞); NaN without noise.</summary>
    private static double LimitRatio(IEnumerable<RunResult> runs, Func<RunResult, Problem> problemOf) =>
        Invariant.Median(runs.Select(r => problemOf(r).Limit > 0.0 ? (double.IsFinite(r.RelativeTestMse) ? r.RelativeTestMse / problemOf(r).Limit : double.PositiveInfinity) : double.NaN).ToList());

    private static string RuleName(StepSize step) => step.Rule == StepRule.Fixed ? "fixed" : "normalized";

    /// <summary>
    /// The teacher (stream 0) and noiseless test set (stream 3) of one seed, the training labels'
    /// teacher with noise σ = <see cref="Settings.Noise"/>·std y (std y of the test labels, as
    /// scripts/teacher_data.py), and the limit σ²·r/(n·Var y); immutable, shared between threads.
    /// </summary>
    internal sealed record Problem(Teacher Teacher, Teacher Noisy, DataSet Test, double Sigma, double Limit)
    {
        public static Problem Create(Settings settings, ulong seed)
        {
            var teacher = Teacher.Random(settings.Geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(seed, RandomStreams.Teacher));
            DataSet test = DataSet.Draw(teacher, settings.Inputs, settings.TestSamples, Xoshiro256StarStar.ForStream(seed, RandomStreams.Test));
            double sigma = settings.Noise * Math.Sqrt(test.LabelVariance);
            if (!double.IsFinite(sigma))
                throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                    $"--noise: {Invariant.R(settings.Noise)} times std y ({Invariant.R(Math.Sqrt(test.LabelVariance))}, seed {seed}) is not a finite noise level; use a smaller --noise (a fraction of std y, e.g. 0.1 for 10 %)."));
            var noisy = sigma > 0.0 ? new Teacher(settings.Geometry, Activation.ReLU, teacher.Filter, teacher.OutputWeights, sigma) : teacher;
            // Only w (r weights) is learned, a* is known: least squares on n samples with the right
            // model has excess error σ²·r/n (asymptotically), relative to Var y.
            double limit = sigma * sigma * settings.Geometry.FilterSize / (settings.Samples * test.LabelVariance);
            return new Problem(teacher, noisy, test, sigma, limit);
        }
    }

    internal static RunResult RunOne(Settings settings, Item item, Problem problem)
    {
        PatchGeometry geometry = settings.Geometry;
        ulong seed = item.Seed;
        Teacher teacher = problem.Teacher;
        DataSet test = problem.Test;
        // Both methods see the same samples (the training stream) and the same initial direction.
        var direction = new double[geometry.FilterSize];
        var initRandom = Xoshiro256StarStar.ForStream(seed, RandomStreams.CompareInitialDirection);
        do
            InputDistribution.Gaussian.Sample(initRandom, direction);
        while (!(VectorMath.Norm(direction) > 0));
        TensorPrimitives.Multiply<double>(direction, settings.Scales[item.ScaleIndex] / VectorMath.Norm(direction), direction);
        IConvNet model = Models.Create(geometry, Activation.ReLU);
        teacher.OutputWeights.CopyTo(model.OutputWeights);
        direction.CopyTo(model.Filter);
        StepSize step = settings.Steps[item.StepIndex];
        bool diverged = false;
        try
        {
            if (item.Method == "convotron")
            {
                new TeacherChain(model, problem.Noisy, settings.Inputs, seed).Convotron(new ConvotronOptions
                {
                    Samples = settings.Samples,
                    Step = step,
                    OutputWeights = teacher.OutputWeights.ToArray(),
                    ResetFilter = false,
                    EvaluationInterval = 0,
                });
            }
            else
            {
                new TeacherChain(model, problem.Noisy, settings.Inputs, seed).Sgd(new SgdOptions
                {
                    Samples = settings.Samples,
                    Step = step,
                    EvaluationInterval = 0,
                });
            }
        }
        catch (LearningDivergedException)
        {
            diverged = true;
        }
        double relative = diverged ? double.NaN : Metrics.RelativeMeanSquaredError(model, test);
        diverged |= !double.IsFinite(relative);
        return new RunResult(item, relative, diverged, !diverged && relative <= settings.Success);
    }

    private static string Findings(Settings settings, IReadOnlyList<RunResult> results, Dictionary<string, double[,]> rates, Func<RunResult, Problem> problemOf)
    {
        var text = new StringBuilder();
        double limit = Invariant.Median(results.Select(r => problemOf(r).Limit).ToList());
        string labels = settings.Noise > 0.0
            ? string.Create(CultureInfo.InvariantCulture, $"label noise sigma = {Invariant.R(settings.Noise)} std y on the training samples (noiseless test labels, so the relative test MSE is the excess error; limit sigma^2 r/(n Var y) = {Invariant.E3(limit)} for r = {settings.Geometry.FilterSize} weights of w and n = {settings.Samples:N0})")
            : "noiseless labels";
        text.Append(CultureInfo.InvariantCulture,
            $"compare: Convotron vs plain SGD learning w with a* known on {settings.Geometry} (k = {settings.Geometry.PatchCount}), ReLU, {settings.Inputs} inputs, {labels}; {settings.Samples:N0} samples per run, the same samples and initial direction for both methods; {settings.Seeds} seeds per cell; success = relative test MSE <= {Invariant.R(settings.Success)} on {settings.TestSamples:N0} test samples; divergence counts as failure.\n\n");
        foreach (string method in Methods)
        {
            double[,] rate = rates[method];
            var table = new Table().Border(TableBorder.Ascii2).Title(method == "sgd" ? "plain SGD: success rate" : "Convotron: success rate");
            table.AddColumn("step \\ initial ||w||");
            foreach (double s in settings.Scales)
                table.AddColumn(new TableColumn(Invariant.R(s)).RightAligned());
            for (int i = 0; i < settings.Steps.Count; i++)
            {
                var row = new List<string> { settings.Steps[i].ToString() };
                for (int j = 0; j < settings.Scales.Count; j++)
                {
                    int diverged = results.Count(r => r.Item.Method == method && r.Item.StepIndex == i && r.Item.ScaleIndex == j && r.Diverged);
                    row.Add(Invariant.F(rate[i, j], 1) + (diverged > 0 ? $" ({diverged} div)" : ""));
                }
                table.AddRow(row.ToArray());
            }
            text.Append(CommandContext.Render(table));
        }
        text.Append("\nFindings (docs/COMPARE.md-ready):\n");
        foreach (string method in Methods)
        {
            string name = method == "sgd" ? "Plain SGD" : "Convotron";
            var mine = results.Where(r => r.Item.Method == method).ToList();
            int cells = settings.Steps.Count * settings.Scales.Count;
            int perfect = 0;
            double[,] rate = rates[method];
            for (int i = 0; i < settings.Steps.Count; i++)
                for (int j = 0; j < settings.Scales.Count; j++)
                    perfect += rate[i, j] == 1.0 ? 1 : 0;
            var normalized = mine.Where(r => settings.Steps[r.Item.StepIndex].Rule == StepRule.Normalized).ToList();
            text.Append(CultureInfo.InvariantCulture,
                $"- {name}: {mine.Count(r => r.Success)}/{mine.Count} runs succeed overall; {perfect}/{cells} cells succeed in every seed; " +
                $"with normalised steps {normalized.Count(r => r.Success)}/{normalized.Count}; {mine.Count(r => r.Diverged)} runs diverged (caught, counted as failures).\n");
            if (settings.Noise > 0.0)
            {
                foreach (StepSize step in settings.Steps)
                {
                    var rule = mine.Where(r => settings.Steps[r.Item.StepIndex] == step).ToList();
                    text.Append(CultureInfo.InvariantCulture,
                        $"  {step}: median relative test MSE {Invariant.E3(Invariant.Median(rule.Select(r => r.RelativeTestMse).ToList()))}, median {Invariant.F(LimitRatio(rule, problemOf), 1)}x the limit\n");
                }
            }
            int zero = settings.Scales.ToList().IndexOf(0.0);
            if (zero >= 0)
            {
                var atZero = mine.Where(r => r.Item.ScaleIndex == zero).ToList();
                text.Append(CultureInfo.InvariantCulture,
                    $"  at w = 0: {atZero.Count(r => r.Success)}/{atZero.Count} succeed; median relative test MSE {Invariant.E3(Invariant.Median(atZero.Select(r => r.RelativeTestMse).ToList()))}.\n");
            }
            for (int j = 0; j < settings.Scales.Count; j++)
            {
                double best = Enumerable.Range(0, settings.Steps.Count).Max(i => rate[i, j]);
                var bestSteps = Enumerable.Range(0, settings.Steps.Count).Where(i => rate[i, j] == best).Select(i => settings.Steps[i].ToString());
                text.Append(CultureInfo.InvariantCulture, $"  initial ||w|| = {Invariant.R(settings.Scales[j])}: best success rate {Invariant.F(best, 1)} with {string.Join(", ", bestSteps)}\n");
            }
        }
        text.Append("- Why SGD fails at w = 0: with ReLU every z_j = w . P_j x is 0, sigma'(0) = alpha = 0, so the gradient (f - y) sum_j a_j sigma'(z_j) P_j x is exactly 0 and w never moves; Convotron's update (y - f) sum_j a_j P_j x has no sigma' and moves from w = 0.\n");
        return text.ToString();
    }
}
