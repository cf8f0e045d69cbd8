using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Convotron.Cli.Infrastructure;
using Spectre.Console;

namespace Convotron.Cli.Commands;

/// <summary>
/// <c>convotron sweep</c>: success probability and final error of Algorithm 1 (+ refinement, + the
/// least-squares finish on noisy cells) over a grid of strides × budgets × input distributions ×
/// label noise × seeds; strides without a non-overlapping part use the joint learner on budget
/// stored samples. Noisy cells are measured against the oracle rate σ²(r + k − 1)/(n·Var y). Every finished run is
/// persisted atomically as one small file under <c>OUT/cells/</c> and skipped when the sweep is run
/// again, so an interrupted sweep resumes without redoing work; <c>--shard i/n</c> runs every n-th
/// run, and <c>sweep merge DIR...</c> joins the shards' cells into one result.
/// </summary>
internal static class SweepCommand
{
    public const string RunsHeader = "distribution,stride,budget,noise,seed,k,stage1_angle,relative_test_mse,final_relative_test_mse,samples_used,success,diverged,oracle_relative_mse,oracle_ratio";
    public const string SweepHeader = "distribution,stride,budget,noise,runs,successes,success_rate,median_final_relative_test_mse,worst_final_relative_test_mse,median_samples_used,diverged,median_oracle_ratio,worst_oracle_ratio,partial";
    private const string CellsFolder = "cells", SettingsFile = "settings.txt";

    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("sweep", "Success probability and final error of Algorithm 1 (+ refinement) over a grid; parallel, resumable, shardable.");
        var common = new CommonOptions(command, resumeHint: "rerun the same command to resume: the runs finished so far are kept in {out}/cells and are not run again.");
        var strides = new Option<string>("--strides") { Description = "Comma-separated strides s.", DefaultValueFactory = _ => "9,12,16" };
        var budgets = new Option<string>("--budgets") { Description = "Comma-separated training budgets T1 + T2 (split evenly).", DefaultValueFactory = _ => "5000,20000" };
        var distributions = new Option<string>("--distributions") { Description = "Comma-separated input distributions: gaussian, uniform, rademacher, ar1:RHO.", DefaultValueFactory = _ => "gaussian,uniform" };
        var noise = new Option<string>("--noise") { Description = "Comma-separated label-noise standard deviations.", DefaultValueFactory = _ => "0,0.1" };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per configuration: seed, seed+1, ...", DefaultValueFactory = _ => 10 }.Range(1);
        var filterSize = new Option<int>("--filter-size") { Description = "The filter size r.", DefaultValueFactory = _ => 16 }.Range(1);
        var inputSize = new Option<int>("--input-size") { Description = "The input size d.", DefaultValueFactory = _ => 160 }.Range(1);
        var channels = new Option<int>("--channels") { Description = "Channels C: inputs C×d, the filter spans r taps in every channel.", DefaultValueFactory = _ => 1 }.Range(1);
        var t3 = new Option<long>("--t3") { Description = "T3: validation samples for the sign choice (counted in samples_used).", DefaultValueFactory = _ => 10_000 }.Range(1);
        var testSamples = new Option<int>("--test-samples") { Description = "Test-set size; test labels are noiseless.", DefaultValueFactory = _ => 10_000 }.Range(2);
        var success = new Option<double>("--success") { Description = "A run succeeds when its final relative test MSE is at most this.", DefaultValueFactory = _ => 1e-3 };
        var finishRows = new Option<int>("--finish-rows") { Description = "Stored fresh samples of the least-squares finish after refinement (noisy cells, or refinement not at machine precision), at least 1; strides without a non-overlapping part learn from budget stored samples.", DefaultValueFactory = _ => 20_000 }.Range(1);
        var geometryOption = new Option<string?>("--geometry") { Description = "A 1D geometry 1d:r=R,s=S,d=D instead of --filter-size R and --input-size D; its stride S is the grid's stride unless --strides is given." };
        var shard = new Option<string>("--shard") { Description = "Run only shard i of n (i/n, 0 <= i < n): every n-th run of the grid. Merge shards with 'sweep merge'.", DefaultValueFactory = _ => "0/1" };
        var refine = new RefineOptions(command);
        foreach (Option option in new Option[] { strides, budgets, distributions, noise, seeds, filterSize, inputSize, geometryOption, channels, t3, testSamples, success, finishRows, shard })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            (int r, int d, IReadOnlyList<int>? geometryStride) = GeometryOptions(parse, geometryOption, filterSize, inputSize, strides);
            var settings = new Settings
            {
                Strides = geometryStride ?? Parsing.PositiveInts("--strides", parse.GetValue(strides)!),
                Budgets = Parsing.PositiveInts("--budgets", parse.GetValue(budgets)!),
                Distributions = Parsing.Distributions("--distributions", parse.GetValue(distributions)!),
                Noise = Parsing.NonNegativeDoubles("--noise", parse.GetValue(noise)!),
                Seeds = parse.GetValue(seeds),
                BaseSeed = parse.GetValue(common.Seed),
                FilterSize = r,
                InputSize = d,
                Channels = parse.GetValue(channels),
                T3 = parse.GetValue(t3),
                TestSamples = parse.GetValue(testSamples),
                Success = parse.GetValue(success),
                Refine = !parse.GetValue(refine.NoRefine),
                RefineSamples = parse.GetValue(refine.Samples) ?? RefineOptions.DefaultSamples,
                FinishRows = parse.GetValue(finishRows),
            };
            int threads = common.ThreadCount(parse);
            settings.RequireMemory(common.Budget(parse), threads);
            settings.Validate();
            (int index, int count) = Parsing.Shard("--shard", parse.GetValue(shard)!);
            return Run(settings, index, count, threads, common.Context(parse, environment));
        });

        var merge = new Command("merge", "Merge the cells of several sweep output directories (e.g. shards) into one runs.csv and sweep.csv.");
        var directories = new Argument<string[]>("DIR") { Description = "Output directories of sweep runs (each holds cells/).", Arity = ArgumentArity.OneOrMore };
        merge.Arguments.Add(directories);
        var mergeCommon = new CommonOptions(merge, threads: false, outDescription: "Output directory of the merged result (default results/sweep).", owner: "sweep", seed: false);
        var allowPartial = new Option<bool>("--allow-partial") { Description = "Merge even when cells or shards of the grid are missing; the outputs then say 'partial'." };
        merge.Options.Add(allowPartial);
        merge.SetAction(parse =>
        {
            string output = parse.GetValue(mergeCommon.Out) ?? Path.Combine("results", "sweep");
            var context = mergeCommon.Context(parse, environment, output, [.. parse.GetValue(directories)!.Select(d => ("DIR", d))]);
            return Merge(parse.GetValue(directories)!, context, parse.GetValue(allowPartial));
        });
        command.Subcommands.Add(merge);
        return command;
    }

    /// <summary>
    /// r and d from --geometry (a 1D geometry; its stride is the grid's unless --strides is given) or
    /// from --filter-size and --input-size; giving both ways is refused.
    /// </summary>
    private static (int R, int D, IReadOnlyList<int>? Strides) GeometryOptions(ParseResult parse, Option<string?> geometry, Option<int> filterSize, Option<int> inputSize, Option<string> strides)
    {
        if (parse.GetValue(geometry) is not string text)
            return (parse.GetValue(filterSize), parse.GetValue(inputSize), null);
        static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };
        if (Given(parse, filterSize) || Given(parse, inputSize))
            throw new UsageException("--geometry: give the geometry either as --geometry 1d:r=R,s=S,d=D or as --filter-size and --input-size, not both.");
        if (text.Contains("channels", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--geometry: '{text}': give sweep's channel count with --channels C, not inside --geometry.");
        if (Parsing.Shape(text) is not { } shape || !text.TrimStart().StartsWith("1d", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--geometry: '{text}' is not a 1D geometry; sweep runs Algorithm 1 on strided 1D geometries: 1d:r=R,s=S,d=D (e.g. 1d:r=16,s=9,d=160).");
        if (shape.D > int.MaxValue || shape.R > int.MaxValue)
            throw new UsageException($"--geometry: '{text}' is too large; d and r must be at most {int.MaxValue}.");
        int stride = int.Parse(text.Split(',', ':').Select(p => p.Split('=', StringSplitOptions.TrimEntries)).First(p => p.Length == 2 && p[0].Equals("s", StringComparison.OrdinalIgnoreCase))[1], CultureInfo.InvariantCulture);
        return ((int)shape.R, (int)shape.D, Given(parse, strides) ? null : [stride]);
    }

    internal sealed class Settings
    {
        public IReadOnlyList<int> Strides { get; init; } = [9, 12, 16];
        public IReadOnlyList<int> Budgets { get; init; } = [5000, 20000];
        public IReadOnlyList<InputDistribution> Distributions { get; init; } = [InputDistribution.Gaussian, InputDistribution.Uniform];
        public IReadOnlyList<double> Noise { get; init; } = [0.0, 0.1];
        public int Seeds { get; init; } = 10;
        public ulong BaseSeed { get; init; } = 1;
        public int FilterSize { get; init; } = 16;
        public int InputSize { get; init; } = 160;
        public int Channels { get; init; } = 1;
        public long T3 { get; init; } = 10_000;
        public int TestSamples { get; init; } = 10_000;
        public double Success { get; init; } = 1e-3;
        public bool Refine { get; init; } = true;
        public long RefineSamples { get; init; } = RefineOptions.DefaultSamples;
        public int FinishRows { get; init; } = 20_000;

        public void Validate()
        {
            Parsing.AtLeast("--seeds", Seeds, 1);
            Parsing.AtLeast("--filter-size", FilterSize, 1);
            Parsing.AtLeast("--input-size", InputSize, FilterSize);
            Parsing.AtLeast("--channels", Channels, 1);
            Parsing.AtLeast("--t3", T3, 1);
            Parsing.AtLeast("--test-samples", TestSamples, 2);
            Parsing.AtLeast("--refine-samples", RefineSamples, 1);
            Parsing.AtLeast("--finish-rows", FinishRows, 1);
            Parsing.InRange("--success", Success, 0.0, double.PositiveInfinity);
            foreach (int b in Budgets)
                Parsing.AtLeast("--budgets", b, 2);
            foreach (int s in Strides)
            {
                try
                {
                    PatchGeometry.Strided1D(FilterSize, s, InputSize, Channels);
                }
                catch (ArgumentException e)
                {
                    throw new UsageException($"--strides: {s} with r = {FilterSize}, d = {InputSize}: {e.Message}");
                }
            }
        }

        /// <summary>
        /// Refuses a grid whose working set exceeds the budget, before any geometry is built: per
        /// thread one test set of --test-samples × (d + 1) values, the patch tables and a model.
        /// </summary>
        public void RequireMemory(MemoryBudget budget, int threads)
        {
            double d = InputSize, r = FilterSize, k = r <= d && Strides.Count > 0 ? Math.Floor((d - r) / Math.Max(1, Strides.Min()) + 1) : 0;
            (d, r) = (d * Channels, r * Channels);
            budget.Require(string.Create(CultureInfo.InvariantCulture, $"--test-samples {TestSamples} at d = {InputSize:N0} on {threads} thread(s): the test sets and models"),
                threads * (8.0 * TestSamples * (d + 1) + Parsing.GeometryBytes((d, r, k)) + 8.0 * (4 * d + 4 * k)), "use fewer --test-samples or --threads, or a smaller --input-size");
        }

        /// <summary>The grid a run was asked for (recorded per shard, so that merge can tell a complete set of shards from a partial one).</summary>
        public string Grid(int shardCount) => string.Create(CultureInfo.InvariantCulture,
            $"distributions={string.Join(',', Distributions.Select(x => x.Name))} strides={string.Join(',', Strides)} budgets={string.Join(',', Budgets)} noise={string.Join(',', Noise.Select(Invariant.R))} seeds={Seeds} base_seed={BaseSeed} shards={shardCount}\n");

        public PatchGeometry Geometry(int stride) => PatchGeometry.Strided1D(FilterSize, stride, InputSize, Channels);

        /// <summary>What must agree between runs that share cells (everything but the grid lists and the shard).</summary>
        public string Fingerprint() => string.Create(CultureInfo.InvariantCulture,
            $"r={FilterSize} d={InputSize}{(Channels == 1 ? "" : $" channels={Channels}")} t3={T3} test_samples={TestSamples} success={Invariant.R(Success)} refine={Refine} refine_samples={RefineSamples} finish_rows={FinishRows} steps=paper learner=algorithm1+finish,joint\n");
    }

    /// <summary>One run of the grid.</summary>
    internal sealed record Unit(string Distribution, int Stride, int Budget, double Noise, ulong Seed)
    {
        public string FileName => string.Create(CultureInfo.InvariantCulture, $"{Distribution.Replace(':', '-')}_s{Stride}_b{Budget}_n{Invariant.R(Noise)}_seed{Seed}.csv");
    }

    /// <summary>One run's result; <paramref name="OracleRelativeMse"/> is σ²(r + k − 1)/(n·Var y) for the n stored rows of the last stage (NaN without noise), and <paramref name="OracleRatio"/> the final error over it.</summary>
    internal sealed record RunResult(Unit Unit, int K, double Stage1Angle, double RelativeTestMse, double FinalRelativeTestMse, long SamplesUsed, bool Success, bool Diverged,
        double OracleRelativeMse = double.NaN, double OracleRatio = double.NaN)
    {
        public string Line() => Invariant.Csv([Unit.Distribution, Invariant.R(Unit.Stride), Invariant.R(Unit.Budget), Invariant.R(Unit.Noise), Invariant.R((long)Unit.Seed),
            Invariant.R(K), Invariant.R(Stage1Angle), Invariant.R(RelativeTestMse), Invariant.R(FinalRelativeTestMse), Invariant.R(SamplesUsed), Success ? "1" : "0", Diverged ? "1" : "0",
            Invariant.R(OracleRelativeMse), Invariant.R(OracleRatio)]);

        public static RunResult? TryParse(string line)
        {
            string[] f = line.Split(',');
            if (f.Length != 14)
                return null;
            var c = CultureInfo.InvariantCulture;
            try
            {
                var unit = new Unit(f[0], int.Parse(f[1], c), int.Parse(f[2], c), double.Parse(f[3], c), ulong.Parse(f[4], c));
                return new RunResult(unit, int.Parse(f[5], c), double.Parse(f[6], c), double.Parse(f[7], c), double.Parse(f[8], c), long.Parse(f[9], c), f[10] == "1", f[11] == "1",
                    double.Parse(f[12], c), double.Parse(f[13], c));
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                return null;
            }
        }
    }

    internal static int Run(Settings settings, int shardIndex, int shardCount, int threads, CommandContext context)
    {
        string cells = context.PathOf(CellsFolder);
        Directory.CreateDirectory(cells);
        string fingerprintPath = Path.Combine(cells, SettingsFile);
        string fingerprint = settings.Fingerprint();
        if (File.Exists(fingerprintPath))
        {
            string existing = File.ReadAllText(fingerprintPath);
            if (existing != fingerprint)
                throw new UsageException($"--out: {context.OutputDirectory} holds cells of a sweep with other settings: {Differences(existing, "the existing cells", fingerprint, "this run")}; use a fresh --out directory or the same settings.");
        }
        else
        {
            AtomicFile.WriteAllText(fingerprintPath, fingerprint);
        }

        AtomicFile.WriteAllText(Path.Combine(cells, ShardFile(shardIndex, shardCount)), settings.Grid(shardCount));
        var grid = (from inputs in settings.Distributions
                    from stride in settings.Strides
                    from budget in settings.Budgets
                    from noise in settings.Noise
                    from n in Enumerable.Range(0, settings.Seeds)
                    select new Unit(inputs.Name, stride, budget, noise, settings.BaseSeed + (ulong)n)).ToList();
        var mine = grid.Where((_, i) => i % shardCount == shardIndex).ToList();
        var done = new Dictionary<Unit, RunResult>();
        foreach (Unit unit in mine)
        {
            if (ReadCell(Path.Combine(cells, unit.FileName)) is RunResult existing && existing.Unit == unit)
                done[unit] = existing;
        }
        // Run the units that share a test set (same inputs, stride and seed) next to each other, so
        // each thread's one-entry test-set cache serves them; results are ordered canonically later.
        var todo = mine.Where(u => !done.ContainsKey(u))
            .OrderBy(u => u.Distribution, StringComparer.Ordinal).ThenBy(u => u.Stride).ThenBy(u => u.Seed)
            .ThenBy(u => u.Budget).ThenBy(u => u.Noise).ToList();
        context.Line($"sweep: {grid.Count} runs in the grid; shard {shardIndex}/{shardCount} has {mine.Count}; {done.Count} already done, {todo.Count} to run");
        RunResult[] fresh = context.RunParallel("sweep", todo.Select(u => u.FileName[..^4]).ToList(), threads, (i, _) =>
        {
            RunResult result = RunUnit(settings, todo[i]);
            // One small file per finished run, written atomically (temp file + rename): a killed sweep
            // leaves only whole cells, and the rerun skips them.
            AtomicFile.WriteAllText(Path.Combine(cells, todo[i].FileName), RunsHeader + "\n" + result.Line() + "\n");
            return result;
        });
        foreach (RunResult r in fresh)
            done[r.Unit] = r;
        WriteResults(context, done.Values.ToList(), settings.Success,
            shardCount > 1 ? $"partial: shard {shardIndex}/{shardCount} of the grid ({mine.Count} of {grid.Count} runs); merge the shards with 'convotron sweep merge'" : null,
            settings.Seeds);
        return CliApp.Success;
    }

    // The last test set each thread drew: a 10,000 x 160 test set is 12.8 MB, and drawing a fresh
    // one per run made the sweep spend its time allocating (and the kernel zeroing) memory. Its
    // arrays are rented (DataSet.Rent) and go back to the pool when the next one replaces it, so
    // the next draw writes pages that are already mapped (a page fault costs ~5 ms per MB here).
    [ThreadStatic]
    private static (string Distribution, PatchGeometry Geometry, ulong Seed, int Count, DataSet Data)? t_testSet;

    private static DataSet TestSet(Settings settings, Unit unit, PatchGeometry geometry, InputDistribution inputs, Teacher teacher)
    {
        if (t_testSet is { } cached && cached.Distribution == unit.Distribution && cached.Geometry == geometry
            && cached.Seed == unit.Seed && cached.Count == settings.TestSamples)
        {
            return cached.Data;
        }
        DataSet.Return(t_testSet?.Data);
        t_testSet = null;
        // Test labels are noiseless: the error measures the learned function, not the noise. The
        // teacher depends only on the seed, so the cached set is exactly the one this unit would draw.
        var clean = new Teacher(geometry, Activation.ReLU, teacher.Filter, teacher.OutputWeights);
        DataSet test = DataSet.Rent(clean.Stream(inputs, Xoshiro256StarStar.ForStream(unit.Seed, RandomStreams.Test)), settings.TestSamples);
        t_testSet = (unit.Distribution, geometry, unit.Seed, settings.TestSamples, test);
        return test;
    }

    internal static RunResult RunUnit(Settings settings, Unit unit)
    {
        PatchGeometry geometry = settings.Geometry(unit.Stride);
        InputDistribution inputs = InputDistribution.FromName(unit.Distribution);
        ulong seed = unit.Seed;
        var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(seed, RandomStreams.Teacher), unit.Noise);
        DataSet test = TestSet(settings, unit, geometry, inputs, teacher);
        var chain = new TeacherChain(Models.Create(geometry, Activation.ReLU), teacher, inputs, seed, test);
        if (!geometry.HasNonOverlappingPart)
            return RunJoint(settings, unit, geometry, chain);
        Algorithm1Options paper = Algorithm1Options.Paper(inputs);
        long stage1 = unit.Budget / 2, stage2 = unit.Budget - stage1;
        var options = new Algorithm1Options
        {
            Stage1Steps = stage1,
            Stage1Step = paper.Stage1Step,
            Stage2Steps = stage2,
            Stage2Step = paper.Stage2Step,
            ValidationSamples = settings.T3,
            EvaluationInterval = 0,
            Seed = seed,
        };
        try
        {
            Algorithm1Result result = chain.Algorithm1(options);
            double final = result.RelativeTestMse;
            bool converged = false;
            if (settings.Refine)
            {
                // Patience: under noise the least-squares finish below goes past refinement's
                // floor anyway, so refinement stops once its held-out error stops falling.
                RefinementResult refinement = chain.Refine(new RefinementOptions { Samples = settings.RefineSamples, EvaluationInterval = 0, Patience = 2 });
                final = refinement.RelativeTestMse;
                converged = refinement.StopReason == StopReason.ToleranceReached;
            }
            double oracle = double.NaN;
            if (settings.Refine && (unit.Noise > 0.0 || !converged))
            {
                // Under label noise the stochastic stages keep a misadjustment proportional to the
                // step, and a refinement that ran out of samples is not at machine precision:
                // nonlinear least squares on stored rows is the statistically efficient finish.
                chain.FinishOnRows(settings.FinishRows);
                final = chain.RelativeTestMse();
                oracle = unit.Noise > 0.0 ? Oracle(unit.Noise, geometry, settings.FinishRows, test) : double.NaN;
            }
            return Finish(unit, geometry, result.Stage1Angle, result.RelativeTestMse, final, chain.SamplesUsed, oracle, settings.Success);
        }
        catch (LearningDivergedException)
        {
            return new RunResult(unit, geometry.PatchCount, double.NaN, double.NaN, double.NaN, 0, false, true);
        }
    }

    /// <summary>Strides without a non-overlapping part: the joint learner on budget stored samples.</summary>
    private static RunResult RunJoint(Settings settings, Unit unit, PatchGeometry geometry, TeacherChain chain)
    {
        chain.JointOnRows(unit.Budget, new JointLearnerOptions
        {
            Seed = unit.Seed,
            StartFromModel = false,
            Finish = new LeastSquaresOptions { MaxIterations = settings.Refine ? 100 : 1 },
        });
        double final = chain.RelativeTestMse();
        double oracle = unit.Noise > 0.0 ? Oracle(unit.Noise, geometry, unit.Budget, chain.Test!) : double.NaN;
        return Finish(unit, geometry, double.NaN, final, final, unit.Budget, oracle, settings.Success);
    }

    /// <summary>σ²(r + k − 1)/(n·Var y): the excess relative error of least squares with the right model on n rows.</summary>
    private static double Oracle(double noise, PatchGeometry geometry, long rows, DataSet test) =>
        noise * noise * (geometry.FilterSize + geometry.PatchCount - 1) / (rows * test.LabelVariance);

    /// <summary>Success: within 2× of the oracle rate under noise, at most the --success threshold without.</summary>
    private static RunResult Finish(Unit unit, PatchGeometry geometry, double angle, double first, double final, long samples, double oracle, double threshold)
    {
        double ratio = final / oracle;
        return new RunResult(unit, geometry.PatchCount, angle, first, final, samples, Succeeded(unit.Noise, final, oracle, threshold), false, oracle, ratio);
    }

    /// <summary>The success rule of <see cref="Finish"/>.</summary>
    private static bool Succeeded(double noise, double final, double oracle, double threshold) =>
        double.IsFinite(final) && (noise > 0.0 && double.IsFinite(oracle) ? final / oracle <= 2.0 : final <= threshold);

    private static RunResult? ReadCell(string path)
    {
        if (!File.Exists(path))
            return null;
        string[] lines = File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 2 && lines[0] == RunsHeader ? RunResult.TryParse(lines[1]) : null;
    }

    private static IOrderedEnumerable<RunResult> Canonical(IEnumerable<RunResult> runs) =>
        runs.OrderBy(r => r.Unit.Distribution, StringComparer.Ordinal).ThenBy(r => r.Unit.Stride).ThenBy(r => r.Unit.Budget)
            .ThenBy(r => r.Unit.Noise).ThenBy(r => r.Unit.Seed);

    /// <param name="context">Where to write.</param>
    /// <param name="runs">The finished runs.</param>
    /// <param name="successThreshold">The success threshold.</param>
    /// <param name="note">A line under the summary's first line (e.g. which shard, or "partial: …").</param>
    /// <param name="seedsPerRow">The runs each row of the grid should have; rows with fewer are marked partial (null: unknown, none marked).</param>
    private static void WriteResults(CommandContext context, List<RunResult> runs, double successThreshold, string? note, int? seedsPerRow)
    {
        var ordered = Canonical(runs).ToList();
        context.WriteText("runs.csv", Invariant.Lines(ordered.Select(r => r.Line()).Prepend(RunsHeader)));
        var groups = ordered.GroupBy(r => (r.Unit.Distribution, r.Unit.Stride, r.Unit.Budget, r.Unit.Noise)).ToList();
        var lines = new List<string> { SweepHeader };
        var table = new Table().Border(TableBorder.Ascii2);
        foreach (string column in new[] { "inputs", "s", "budget", "noise", "runs", "success", "median final rel. MSE", "worst", "median samples", "median oracle ratio", "worst ratio" })
            table.AddColumn(new TableColumn(column).RightAligned());
        foreach (var g in groups)
        {
            var list = g.ToList();
            int successes = list.Count(r => r.Success);
            double median = Invariant.Median(list.Select(r => r.FinalRelativeTestMse).ToList());
            double worst = Invariant.Worst(list.Select(r => r.FinalRelativeTestMse).ToList());
            double samples = Invariant.Median(list.Select(r => (double)r.SamplesUsed).ToList());
            var ratios = list.Select(r => r.OracleRatio).Where(double.IsFinite).ToList();
            double medianRatio = ratios.Count > 0 ? Invariant.Median(ratios) : double.NaN;
            double worstRatio = ratios.Count > 0 ? Invariant.Worst(list.Select(r => r.OracleRatio).ToList()) : double.NaN;
            lines.Add(Invariant.Csv([g.Key.Distribution, Invariant.R(g.Key.Stride), Invariant.R(g.Key.Budget), Invariant.R(g.Key.Noise), Invariant.R(list.Count),
                Invariant.R(successes), Invariant.R((double)successes / list.Count), Invariant.R(median), Invariant.R(worst), Invariant.R(samples), Invariant.R(list.Count(r => r.Diverged)),
                Invariant.R(medianRatio), Invariant.R(worstRatio), list.Count < seedsPerRow ? "1" : "0"]));
            table.AddRow(g.Key.Distribution, Invariant.R(g.Key.Stride), Invariant.R(g.Key.Budget), Invariant.R(g.Key.Noise), Invariant.R(list.Count),
                $"{successes}/{list.Count}", Invariant.E3(median), Invariant.E3(worst), samples.ToString("N0", CultureInfo.InvariantCulture),
                double.IsFinite(medianRatio) ? medianRatio.ToString("F2", CultureInfo.InvariantCulture) : "-", double.IsFinite(worstRatio) ? worstRatio.ToString("F2", CultureInfo.InvariantCulture) : "-");
        }
        context.WriteText("sweep.csv", Invariant.Lines(lines));
        var plotSeries = groups.GroupBy(g => (g.Key.Distribution, g.Key.Stride, g.Key.Noise))
            .Select(s => new Series(string.Create(CultureInfo.InvariantCulture, $"{s.Key.Distribution} s={s.Key.Stride} noise={s.Key.Noise}"),
                s.Select(g => (double)g.Key.Budget).ToList(), s.Select(g => (double)g.Count(r => r.Success) / g.Count()).ToList())).ToList();
        Plots.Lines(context, context.PathOf("sweep_success.png"), "Sweep: success probability", "training budget T1 + T2", AxisScale.Count,
            string.Create(CultureInfo.InvariantCulture, $"P(final relative MSE <= {successThreshold})"), AxisScale.Probability, plotSeries);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"sweep: {runs.Count} runs, success = final relative test MSE <= {Invariant.R(successThreshold)} without noise, within 2x of the oracle rate sigma^2 (r + k - 1)/(n Var y) with noise (Algorithm 1 with the paper's steps, T1 = T2 = budget/2, then refinement and, on noisy cells, the least-squares finish on --finish-rows stored samples, unless --no-refine; strides without a non-overlapping part: the joint learner on budget stored samples)\n");
        if (note is not null)
            text.Append(note).Append('\n');
        text.Append(CommandContext.Render(table));
        context.Summary(text.ToString());
    }

    private const string ShardPrefix = "shard-";

    private static string ShardFile(int index, int count) => string.Create(CultureInfo.InvariantCulture, $"{ShardPrefix}{index}of{count}.txt");

    /// <summary>"r is 16 in A but 8 in B; t3 is …": the key=value settings that differ between two fingerprints or grids.</summary>
    internal static string Differences(string first, string firstName, string second, string secondName)
    {
        static Dictionary<string, string> Parse(string text) => text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
        Dictionary<string, string> a = Parse(first), b = Parse(second);
        var parts = a.Keys.Union(b.Keys).Where(key => a.GetValueOrDefault(key) != b.GetValueOrDefault(key))
            .Select(key => $"{key} is {a.GetValueOrDefault(key) ?? "(not recorded)"} in {firstName} but {b.GetValueOrDefault(key) ?? "(not recorded)"} in {secondName}").ToList();
        return parts.Count > 0 ? string.Join("; ", parts) : "they differ";
    }

    internal static int Merge(IReadOnlyList<string> directories, CommandContext context, bool allowPartial = false)
    {
        var runs = new Dictionary<Unit, RunResult>();
        string? fingerprint = null, firstDirectory = null, grid = null, gridDirectory = null;
        var shards = new SortedSet<int>();
        var shardFiles = new SortedDictionary<string, string>(StringComparer.Ordinal);
        bool unrecorded = false;
        foreach (string directory in directories)
        {
            string cells = Path.Combine(directory, CellsFolder);
            if (!Directory.Exists(cells))
                throw new UsageException($"DIR: {directory} is not a sweep output directory (it has no {CellsFolder}/ folder).");
            string settings = File.Exists(Path.Combine(cells, SettingsFile)) ? File.ReadAllText(Path.Combine(cells, SettingsFile)) : "";
            if (fingerprint is not null && settings != fingerprint)
                throw new UsageException($"DIR: {directory} was run with other settings than {firstDirectory}: {Differences(fingerprint, firstDirectory!, settings, directory)}.");
            fingerprint = settings;
            firstDirectory ??= directory;
            string[] recorded = Directory.EnumerateFiles(cells, ShardPrefix + "*.txt").Order(StringComparer.Ordinal).ToArray();
            unrecorded |= recorded.Length == 0;
            foreach (string file in recorded)
            {
                string text = File.ReadAllText(file);
                if (grid is not null && text != grid)
                    throw new UsageException($"DIR: {directory} ran another grid than {gridDirectory}: {Differences(grid, gridDirectory!, text, directory)}.");
                grid = text;
                gridDirectory ??= directory;
                string name = Path.GetFileName(file);
                shardFiles[name] = text;
                shards.Add(int.Parse(name[ShardPrefix.Length..name.IndexOf("of", StringComparison.Ordinal)], CultureInfo.InvariantCulture));
            }
            foreach (string file in Directory.EnumerateFiles(cells, "*.csv").Order(StringComparer.Ordinal))
            {
                if (Path.GetFileName(file).StartsWith('.'))
                    continue;
                RunResult result = ReadCell(file) ?? throw new InvalidFileException(file, "2", "not a sweep cell (expected the runs header and one result line).");
                if (Inconsistency(result, File.ReadAllText(file).Split('\n')[1].Split(','), Path.GetFileName(file), settings) is string problem)
                    throw new InvalidFileException(file, "2", $"the cell's columns disagree: {problem}. It was edited or damaged; delete it and rerun the sweep in {directory} to redo that run.");
                if (runs.TryGetValue(result.Unit, out RunResult? other) && other.Line() != result.Line())
                    throw new InvalidFileException(file, "2", "this run appears in two directories with different results.");
                runs[result.Unit] = result;
            }
        }
        double threshold = 1e-3;
        if (fingerprint is not null && fingerprint.Split(' ').FirstOrDefault(p => p.StartsWith("success=", StringComparison.Ordinal)) is string s)
            threshold = double.Parse(s["success=".Length..], CultureInfo.InvariantCulture);
        string? partial = grid is null ? null : Missing(grid, shards, runs);
        if (partial is not null && !allowPartial)
            throw new UsageException($"DIR: the grid is incomplete: {partial}. Merge every shard, or --allow-partial to merge anyway (the outputs then say 'partial').");
        if (unrecorded)
            context.Warn("some directories were written by a convotron that did not record its grid; merge cannot check that the grid is complete.");
        if (fingerprint is not null)
            AtomicFile.WriteAllText(Path.Combine(context.PathOf(CellsFolder), SettingsFile), fingerprint);
        foreach ((string name, string text) in shardFiles)
            AtomicFile.WriteAllText(Path.Combine(context.PathOf(CellsFolder), name), text);
        foreach (RunResult r in runs.Values)
            AtomicFile.WriteAllText(Path.Combine(context.PathOf(CellsFolder), r.Unit.FileName), RunsHeader + "\n" + r.Line() + "\n");
        string note = $"merged from {directories.Count} director{(directories.Count == 1 ? "y" : "ies")}";
        WriteResults(context, runs.Values.ToList(), threshold, partial is null ? note : $"partial: {note}; {partial}",
            grid is null ? null : int.Parse(GridValue(grid, "seeds"), CultureInfo.InvariantCulture));
        return CliApp.Success;
    }

    /// <summary>
    /// Why a cell's columns cannot all be what a run wrote, or null: its name and its unit columns
    /// agree, 0/1 flags are 0 or 1, k is the stride's patch count, oracle_ratio is final over oracle,
    /// and success follows from the others by <see cref="Succeeded"/>.
    /// </summary>
    /// <param name="r">The parsed cell.</param>
    /// <param name="fields">Its result line's fields.</param>
    /// <param name="fileName">The cell's file name.</param>
    /// <param name="settings">The sweep's recorded settings (empty when not recorded).</param>
    internal static string? Inconsistency(RunResult r, string[] fields, string fileName, string settings)
    {
        if (fileName != r.Unit.FileName)
            return $"the file name says {fileName[..^4]}, but the distribution, stride, budget, noise and seed columns say {r.Unit.FileName[..^4]}";
        if (fields[10] is not ("0" or "1") || fields[11] is not ("0" or "1"))
            return $"success is '{fields[10]}' and diverged '{fields[11]}'; each must be 0 or 1";
        var values = settings.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var c = CultureInfo.InvariantCulture;
        if (values.TryGetValue("r", out string? rText) && values.TryGetValue("d", out string? dText)
            && int.TryParse(rText, c, out int filter) && int.TryParse(dText, c, out int input) && filter <= input && r.Unit.Stride >= 1)
        {
            int k = (input - filter) / r.Unit.Stride + 1;
            if (r.K != k)
                return string.Create(c, $"k is {r.K}, but stride {r.Unit.Stride} with r = {filter}, d = {input} has k = {k}");
        }
        if (!(r.FinalRelativeTestMse / r.OracleRelativeMse).Equals(r.OracleRatio))
            return $"oracle_ratio is {fields[13]}, but final_relative_test_mse / oracle_relative_mse = {fields[8]} / {fields[12]} = {Invariant.R(r.FinalRelativeTestMse / r.OracleRelativeMse)}";
        if (r.Unit.Noise == 0.0 && !double.IsNaN(r.OracleRelativeMse))
            return $"oracle_relative_mse is {fields[12]} in a cell without noise, where it is NaN";
        if (r.Diverged)
            return r.Success ? "diverged is 1 and success is 1; a diverged run never succeeds" : null;
        double threshold = values.TryGetValue("success", out string? t) && double.TryParse(t, NumberStyles.Float, c, out double v) ? v : 1e-3;
        bool success = Succeeded(r.Unit.Noise, r.FinalRelativeTestMse, r.OracleRelativeMse, threshold);
        if (success != r.Success)
            return r.Unit.Noise > 0.0 && double.IsFinite(r.OracleRelativeMse)
                ? $"success is {fields[10]}, but oracle_ratio {fields[13]} is {(success ? "within" : "not within")} 2 (success = final within 2x of the oracle rate under noise)"
                : $"success is {fields[10]}, but final_relative_test_mse {fields[8]} is {(success ? "at most" : "above")} the success threshold {Invariant.R(threshold)} (success = final ≤ threshold without noise)";
        return null;
    }

    private static string GridValue(string grid, string key) =>
        grid.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).First(p => p.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];

    /// <summary>Which shards and runs of the recorded grid are missing, or null when none is.</summary>
    private static string? Missing(string grid, SortedSet<int> shards, Dictionary<Unit, RunResult> runs)
    {
        var c = CultureInfo.InvariantCulture;
        int shardCount = int.Parse(GridValue(grid, "shards"), c), seeds = int.Parse(GridValue(grid, "seeds"), c);
        ulong baseSeed = ulong.Parse(GridValue(grid, "base_seed"), c);
        var expected = (from inputs in GridValue(grid, "distributions").Split(',')
                        from stride in GridValue(grid, "strides").Split(',').Select(v => int.Parse(v, c))
                        from budget in GridValue(grid, "budgets").Split(',').Select(v => int.Parse(v, c))
                        from noise in GridValue(grid, "noise").Split(',').Select(v => double.Parse(v, c))
                        from n in Enumerable.Range(0, seeds)
                        select new Unit(inputs, stride, budget, noise, baseSeed + (ulong)n)).ToList();
        var missing = expected.Where(u => !runs.ContainsKey(u)).ToList();
        if (missing.Count == 0)
            return null;
        var missingShards = Enumerable.Range(0, shardCount).Where(i => !shards.Contains(i)).ToList();
        string shardText = missingShards.Count > 0 ? $"shard{(missingShards.Count == 1 ? "" : "s")} {string.Join(", ", missingShards.Select(i => $"{i}/{shardCount}"))} missing; " : "";
        return $"{shardText}{missing.Count} of {expected.Count} runs missing (e.g. {string.Join(", ", missing.Take(3).Select(u => u.FileName[..^4]))})";
    }
}
