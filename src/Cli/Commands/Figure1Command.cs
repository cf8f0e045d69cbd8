using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using Convotron.Cli.Infrastructure;
using Spectre.Console;

namespace Convotron.Cli.Commands;

/// <summary>
/// <c>convotron figure1</c>: Du &amp; Goel's experiments (d = 160, r = 16, s ∈ {9, 12, 16}, ReLU,
/// noiseless labels, Gaussian and uniform inputs, the paper's T's and η's), then the refinement stage.
/// </summary>
internal static class Figure1Command
{
    public const string SummaryHeader = "distribution,stride,k,stage1_angle,stage2_test_mse,relative_test_mse,refined_relative_test_mse,samples_used";

    private const int D = 160, R = 16;

    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("figure1", "Reproduce Du & Goel's Figure 1 (d=160, r=16, s in {9,12,16}; Gaussian and uniform inputs) and refine each result.");
        var common = new CommonOptions(command);
        var seeds = new Option<int>("--seeds") { Description = "Repeat every configuration over N seeds (seed, seed+1, ...); summary.csv, curves.csv and the plots show the first seed, summary_seeds.csv the median and worst values, summary_all_seeds.csv every seed.", DefaultValueFactory = _ => 1 }.Range(1);
        var strides = new Option<string>("--strides") { Description = "Comma-separated strides s (each needs s >= 9 = floor(r/2)+1).", DefaultValueFactory = _ => "9,12,16" };
        var distributions = new Option<string>("--distributions") { Description = "Comma-separated input distributions: gaussian, uniform, ar1:RHO.", DefaultValueFactory = _ => "gaussian,uniform" };
        var noRefine = new Option<bool>("--no-refine") { Description = "Skip the refinement stage (least squares on a alternating with normalised Convotron on w)." };
        var refineSamples = new Option<long>("--refine-samples") { Description = "At most this many further samples for refinement.", DefaultValueFactory = _ => 100_000 }.Range(1);
        var t1 = new Option<long?>("--t1") { Description = "Override T1 (stage-1 steps) for both distributions (paper: 10000 Gaussian, 40000 uniform)." }.Range(1);
        var t2 = new Option<long?>("--t2") { Description = "Override T2 (stage-2 steps) for both distributions (paper: 10000 Gaussian, 100000 uniform)." }.Range(1);
        var t3 = new Option<long>("--t3") { Description = "T3: validation samples for the sign choice.", DefaultValueFactory = _ => 10_000 }.Range(1);
        var testSamples = new Option<int>("--test-samples") { Description = "Test-set size.", DefaultValueFactory = _ => 10_000 }.Range(2);
        foreach (Option option in new Option[] { seeds, strides, distributions, noRefine, refineSamples, t1, t2, t3, testSamples })
            command.Options.Add(option);

        command.SetAction(parse =>
        {
            var settings = new Settings
            {
                BaseSeed = parse.GetValue(common.Seed),
                Seeds = parse.GetValue(seeds),
                Strides = Parsing.PositiveInts("--strides", parse.GetValue(strides)!),
                Distributions = Parsing.Distributions("--distributions", parse.GetValue(distributions)!),
                Refine = !parse.GetValue(noRefine),
                RefineSamples = parse.GetValue(refineSamples),
                T1 = parse.GetValue(t1),
                T2 = parse.GetValue(t2),
                T3 = parse.GetValue(t3),
                TestSamples = parse.GetValue(testSamples),
                Threads = common.ThreadCount(parse),
            };
            settings.Validate();
            // Each thread holds one test set of d = 160 inputs, a training stream and a model.
            common.Budget(parse).Require($"--test-samples {settings.TestSamples} on {settings.Threads} thread(s): the test sets",
                8.0 * settings.TestSamples * 161 * settings.Threads, "use fewer --test-samples or --threads");
            return Run(settings, common.Context(parse, environment));
        });
        return command;
    }

    internal sealed class Settings
    {
        public ulong BaseSeed { get; init; } = 1;
        public int Seeds { get; init; } = 1;
        public IReadOnlyList<int> Strides { get; init; } = [9, 12, 16];
        public IReadOnlyList<InputDistribution> Distributions { get; init; } = [InputDistribution.Gaussian, InputDistribution.Uniform];
        public bool Refine { get; init; } = true;
        public long RefineSamples { get; init; } = 100_000;
        public long? T1 { get; init; }
        public long? T2 { get; init; }
        public long T3 { get; init; } = 10_000;
        public int TestSamples { get; init; } = 10_000;
        public int Threads { get; init; } = 1;

        public void Validate()
        {
            Parsing.AtLeast("--seeds", Seeds, 1);
            Parsing.AtLeast("--refine-samples", RefineSamples, 1);
            if (T1 is long a) Parsing.AtLeast("--t1", a, 1);
            if (T2 is long b) Parsing.AtLeast("--t2", b, 1);
            Parsing.AtLeast("--t3", T3, 1);
            Parsing.AtLeast("--test-samples", TestSamples, 2);
            foreach (int s in Strides)
            {
                if (s < R / 2 + 1 || s > D - R + 1)
                    throw new UsageException($"--strides: {s} is not allowed; Algorithm 1 at r = {R}, d = {D} needs a non-overlapping part: s in [{R / 2 + 1}, {D - R + 1}].");
            }
            foreach (InputDistribution inputs in Distributions)
            {
                if (!ReferenceEquals(inputs, InputDistribution.Gaussian) && !ReferenceEquals(inputs, InputDistribution.Uniform)
                    && !inputs.Name.StartsWith("ar1:", StringComparison.Ordinal))
                    throw new UsageException($"--distributions: '{inputs.Name}' is not allowed here; allowed values: gaussian, uniform, ar1:RHO.");
            }
        }

        public Algorithm1Options Options(InputDistribution inputs, ulong seed)
        {
            Algorithm1Options paper = Algorithm1Options.Paper(inputs);
            long stage1 = T1 ?? paper.Stage1Steps, stage2 = T2 ?? paper.Stage2Steps;
            // Sparse curves keep the command fast: every 500 steps (Gaussian) / 2000 (uniform), at least 10 points.
            long interval = ReferenceEquals(inputs, InputDistribution.Uniform) ? 2_000 : 500;
            interval = Math.Max(1, Math.Min(interval, Math.Min(stage1, stage2) / 10));
            return new Algorithm1Options
            {
                Stage1Steps = stage1,
                Stage1Step = paper.Stage1Step,
                Stage2Steps = stage2,
                Stage2Step = paper.Stage2Step,
                ValidationSamples = T3,
                EvaluationInterval = interval,
                Seed = seed,
            };
        }
    }

    /// <summary>One row (distribution, stride) for one seed.</summary>
    internal sealed record RowResult(
        string Distribution, int Stride, int K, ulong Seed,
        double Stage1Angle, double Stage2TestMse, double RelativeTestMse, double RefinedRelativeTestMse, long SamplesUsed,
        IReadOnlyList<CurvePoint> Stage1, IReadOnlyList<CurvePoint> Stage2, IReadOnlyList<CurvePoint> Refinement,
        double LabelVariance, string? Failure);

    internal static int Run(Settings settings, CommandContext context)
    {
        var clock = Stopwatch.StartNew();
        var rows = (from inputs in settings.Distributions from stride in settings.Strides select (inputs, stride)).ToList();
        var items = (from row in rows from n in Enumerable.Range(0, settings.Seeds) select (row.inputs, row.stride, seed: settings.BaseSeed + (ulong)n)).ToList();
        var names = items.Select(i => $"{i.inputs.Name} s={i.stride} seed={i.seed}").ToList();
        RowResult[] results = context.RunParallel("figure1", names, settings.Threads,
            (i, progress) => RunRow(settings, items[i].inputs, items[i].stride, items[i].seed, progress));

        var first = results.Where(r => r.Seed == settings.BaseSeed).ToList();
        WriteCurves(context, first);
        WriteSummary(context, first);
        WritePlots(context, settings, first);
        if (settings.Seeds > 1)
        {
            WriteAllSeeds(context, results);
            WriteSeedSummary(context, settings, rows.Select(r => results.Where(x => x.Distribution == r.inputs.Name && x.Stride == r.stride).ToList()).ToList());
        }
        context.Summary(SummaryText(settings, first, results, rows.Count));
        context.Line($"figure1 finished in {clock.Elapsed.TotalSeconds:F1} s");
        return CliApp.Success;
    }

    internal static RowResult RunRow(Settings settings, InputDistribution inputs, int stride, ulong seed, IProgress<double> progress)
    {
        var geometry = PatchGeometry.Strided1D(R, stride, D);
        // The stream layout of samples/Reproduce (RandomStreams): teacher, training, refinement, test.
        var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(seed, RandomStreams.Teacher));
        var test = DataSet.Draw(teacher, inputs, settings.TestSamples, Xoshiro256StarStar.ForStream(seed, RandomStreams.Test));
        var chain = new TeacherChain(Models.Create(geometry, Activation.ReLU), teacher, inputs, seed, test);
        Algorithm1Options options = settings.Options(inputs, seed);
        double total = options.Stage1Steps + options.Stage2Steps + options.ValidationSamples + (settings.Refine ? settings.RefineSamples : 0);
        var reporter = new SynchronousProgress<LearningProgress>(p => progress.Report(p.Stage switch
        {
            LearningStage.Stage1 => p.Step,
            LearningStage.Stage2 => options.Stage1Steps + p.Step,
            LearningStage.Validation => options.Stage1Steps + options.Stage2Steps + p.Step,
            _ => options.Stage1Steps + options.Stage2Steps + options.ValidationSamples + p.Step,
        } / total));
        var empty = Array.Empty<CurvePoint>();
        try
        {
            Algorithm1Result result = chain.Algorithm1(options, reporter);
            double refined = double.NaN;
            IReadOnlyList<CurvePoint> refinementCurve = empty;
            if (settings.Refine)
            {
                RefinementResult refinement = chain.Refine(new RefinementOptions { Samples = settings.RefineSamples, EvaluationInterval = Math.Max(1, settings.RefineSamples / 100) }, reporter);
                refined = refinement.RelativeTestMse;
                refinementCurve = refinement.Curve.Points;
            }
            return new RowResult(inputs.Name, stride, geometry.PatchCount, seed, result.Stage1Angle, result.TestMse, result.RelativeTestMse,
                refined, chain.SamplesUsed, result.Stage1Curve.Points, result.Curve.Points, refinementCurve, test.LabelVariance, null);
        }
        catch (LearningDivergedException e)
        {
            return new RowResult(inputs.Name, stride, geometry.PatchCount, seed, double.NaN, double.NaN, double.NaN, double.NaN,
                0, empty, empty, empty, test.LabelVariance, e.Message);
        }
    }

    private static void WriteCurves(CommandContext context, IReadOnlyList<RowResult> rows)
    {
        var text = new StringBuilder("distribution,stride,stage,step,value\n");
        foreach (RowResult row in rows)
        {
            foreach ((string stage, IReadOnlyList<CurvePoint> points) in new[] { ("stage1", row.Stage1), ("stage2", row.Stage2), ("refinement", row.Refinement) })
            {
                foreach (CurvePoint p in points)
                    text.Append(Invariant.Csv([row.Distribution, Invariant.R(row.Stride), stage, Invariant.R(p.Step), Invariant.R(p.Value)])).Append('\n');
            }
        }
        context.WriteText("curves.csv", text.ToString());
    }

    private static string SummaryLine(RowResult r) => Invariant.Csv([
        r.Distribution, Invariant.R(r.Stride), Invariant.R(r.K), Invariant.R(r.Stage1Angle), Invariant.R(r.Stage2TestMse),
        Invariant.R(r.RelativeTestMse), Invariant.R(r.RefinedRelativeTestMse), Invariant.R(r.SamplesUsed)]);

    private static void WriteSummary(CommandContext context, IReadOnlyList<RowResult> rows) =>
        context.WriteText("summary.csv", Invariant.Lines(rows.Select(SummaryLine).Prepend(SummaryHeader)));

    private static void WriteAllSeeds(CommandContext context, IReadOnlyList<RowResult> rows) =>
        context.WriteText("summary_all_seeds.csv", Invariant.Lines(rows.Select(r => Invariant.R((long)r.Seed) + "," + SummaryLine(r)).Prepend("seed," + SummaryHeader)));

    private static void WriteSeedSummary(CommandContext context, Settings settings, IReadOnlyList<List<RowResult>> groups)
    {
        var lines = new List<string>
        {
            "distribution,stride,k,seeds,median_stage1_angle,worst_stage1_angle,median_relative_test_mse,worst_relative_test_mse," +
            "median_refined_relative_test_mse,worst_refined_relative_test_mse,refined_at_most_1e-6,median_samples_used,max_samples_used,diverged",
        };
        foreach (List<RowResult> g in groups)
        {
            RowResult r = g[0];
            lines.Add(Invariant.Csv([
                r.Distribution, Invariant.R(r.Stride), Invariant.R(r.K), Invariant.R(g.Count),
                Invariant.R(Invariant.Median(g.Select(x => x.Stage1Angle).ToList())), Invariant.R(Invariant.Worst(g.Select(x => x.Stage1Angle).ToList())),
                Invariant.R(Invariant.Median(g.Select(x => x.RelativeTestMse).ToList())), Invariant.R(Invariant.Worst(g.Select(x => x.RelativeTestMse).ToList())),
                Invariant.R(Invariant.Median(g.Select(x => x.RefinedRelativeTestMse).ToList())), Invariant.R(Invariant.Worst(g.Select(x => x.RefinedRelativeTestMse).ToList())),
                Invariant.R(g.Count(x => x.RefinedRelativeTestMse <= 1e-6)),
                Invariant.R(Invariant.Median(g.Select(x => (double)x.SamplesUsed).ToList())), Invariant.R(g.Max(x => x.SamplesUsed)),
                Invariant.R(g.Count(x => x.Failure is not null))]));
        }
        context.WriteText("summary_seeds.csv", Invariant.Lines(lines));
        _ = settings;
    }

    private static void WritePlots(CommandContext context, Settings settings, IReadOnlyList<RowResult> rows)
    {
        string[] panels = ["a", "b", "c", "d"];
        int panel = 0;
        foreach (InputDistribution inputs in settings.Distributions)
        {
            var group = rows.Where(r => r.Distribution == inputs.Name).ToList();
            string title = inputs.Name == "gaussian" ? "Gaussian" : "Uniform";
            Plots.Lines(context, context.PathOf($"figure1_{panels[panel++]}_{inputs.Name}_stage1.png"), $"{title} input, stage 1 (Double Convotron)", "iterations", AxisScale.Count,
                "angle between a and a* (radians)", AxisScale.Linear, group.Select(r => ToSeries(r, r.Stage1, 1.0)).ToList());
            Plots.Lines(context, context.PathOf($"figure1_{panels[panel++]}_{inputs.Name}_stage2.png"), $"{title} input, stage 2 (Convotron, chosen sign)", "iterations", AxisScale.Count,
                "test MSE", AxisScale.Log, group.Select(r => ToSeries(r, r.Stage2, 1.0)).ToList());
        }
        if (settings.Refine)
        {
            Plots.Lines(context, context.PathOf("refinement.png"), "Refinement: least squares on a + normalised Convotron on w", "refinement samples", AxisScale.Count,
                "relative test MSE", AxisScale.Log, rows.Select(r => new Series($"{r.Distribution} s={r.Stride}", r.Refinement.Select(p => (double)p.Step).ToList(),
                    r.Refinement.Select(p => p.Value / (r.LabelVariance > 0 ? r.LabelVariance : 1.0)).ToList())).ToList());
        }
    }

    private static Series ToSeries(RowResult r, IReadOnlyList<CurvePoint> points, double scale) =>
        new($"stride={r.Stride}", points.Select(p => (double)p.Step).ToList(), points.Select(p => p.Value * scale).ToList());

    private static string SummaryText(Settings settings, IReadOnlyList<RowResult> first, IReadOnlyList<RowResult> all, int rowCount)
    {
        var table = new Table().Border(TableBorder.Ascii2);
        foreach (string column in new[] { "inputs", "s", "k", "stage-1 angle", "stage-2 test MSE", "relative MSE", "refined rel. MSE", "samples" })
            table.AddColumn(new TableColumn(column).RightAligned());
        foreach (RowResult r in first)
        {
            table.AddRow(r.Distribution, Invariant.R(r.Stride), Invariant.R(r.K), Invariant.F(r.Stage1Angle, 4), Invariant.E3(r.Stage2TestMse),
                Invariant.E3(r.RelativeTestMse), settings.Refine ? Invariant.E3(r.RefinedRelativeTestMse) : "-", r.SamplesUsed.ToString("N0", CultureInfo.InvariantCulture));
        }
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Du & Goel Figure 1: d = {D}, r = {R}, ReLU, noiseless labels, w*, a* ~ N(0, I); seed {settings.BaseSeed}; test set {settings.TestSamples:N0}\n");
        text.Append(CommandContext.Render(table));
        foreach (RowResult r in first.Where(r => r.Failure is not null))
            text.Append(CultureInfo.InvariantCulture, $"diverged: {r.Distribution} s={r.Stride}: {r.Failure}\n");
        if (settings.Refine)
        {
            int below = first.Count(r => r.RefinedRelativeTestMse <= 1e-10);
            bool budget = first.All(r => r.SamplesUsed <= 250_000);
            text.Append(CultureInfo.InvariantCulture, $"refined relative test MSE <= 1e-10 in {below} of {first.Count} rows; samples_used <= 250,000 in every row: {(budget ? "yes" : "no")}\n");
        }
        if (settings.Seeds > 1)
        {
            text.Append(CultureInfo.InvariantCulture, $"over {settings.Seeds} seeds ({settings.BaseSeed}..{settings.BaseSeed + (ulong)settings.Seeds - 1}), per configuration:\n");
            for (int i = 0; i < rowCount; i++)
            {
                RowResult head = first[i];
                var g = all.Where(x => x.Distribution == head.Distribution && x.Stride == head.Stride).ToList();
                string angle = $"stage-1 angle median {Invariant.F(Invariant.Median(g.Select(x => x.Stage1Angle).ToList()), 3)} worst {Invariant.F(Invariant.Worst(g.Select(x => x.Stage1Angle).ToList()), 3)}";
                string relative = $"relative MSE median {Invariant.E3(Invariant.Median(g.Select(x => x.RelativeTestMse).ToList()))} worst {Invariant.E3(Invariant.Worst(g.Select(x => x.RelativeTestMse).ToList()))}";
                string refined = settings.Refine
                    ? $"; refined <= 1e-6 in {g.Count(x => x.RefinedRelativeTestMse <= 1e-6)}/{g.Count}, worst {Invariant.E3(Invariant.Worst(g.Select(x => x.RefinedRelativeTestMse).ToList()))}"
                    : "";
                text.Append(CultureInfo.InvariantCulture, $"  {head.Distribution,-8} s={head.Stride,-2}: {angle}; {relative}{refined}\n");
            }
        }
        return text.ToString();
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (no SynchronizationContext hop).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
