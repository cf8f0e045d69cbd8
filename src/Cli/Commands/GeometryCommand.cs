using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Text;
using Convotron.Cli.Infrastructure;
using Spectre.Console;

namespace Convotron.Cli.Commands;

/// <summary><c>convotron geometry --geometry …</c>: k, the patch layout, the non-overlapping taps, unread coordinates and the conditioning report.</summary>
internal static class GeometryCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("geometry", "Describe a patch geometry: k, the first patches, the non-overlapping taps, unread coordinates and the conditioning of average pooling.");
        var common = new CommonOptions(command, threads: false, seed: false);
        var geometryOption = new Option<string>("--geometry") { Description = "The geometry: 1d:r=16,s=9,d=160 or 2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28.", Required = true };
        var patches = new Option<int>("--patches") { Description = "How many patches to list.", DefaultValueFactory = _ => 5 }.Range(0);
        var inputs = new Option<string?>("--inputs") { Description = "Also report the conditioning under this input law's covariance Sigma_x: gaussian, uniform, rademacher (identity) or ar1:RHO." };
        command.Options.Add(geometryOption);
        command.Options.Add(patches);
        command.Options.Add(inputs);
        command.SetAction(parse =>
        {
            int shown = parse.GetValue(patches);
            Parsing.AtLeast("--patches", shown, 0);
            // The report builds a dense r × d matrix, its transpose and their r × r product; the
            // coverage a d-vector. Calibrated on the peak resident memory measured at r = 1
            // (97 bytes per coordinate at d = 10^7 and 10^8: the large arrays live side by side
            // before the collector returns them). Checked before anything is built.
            PatchGeometry geometry = Parsing.Geometry("--geometry", parse.GetValue(geometryOption)!, common.Budget(parse),
                ("the conditioning report and the coverage plot", shape => 36.0 * shape.R * shape.D + 40.0 * shape.R * shape.R + 48.0 * shape.D, "use a smaller --geometry"));
            CommandContext context = common.Context(parse, environment);
            long listed = WriteLayout(context, geometry, shown);
            string? law = parse.GetValue(inputs);
            string description = Describe(geometry, shown, law is null ? null : Parsing.Distribution("--inputs", law));
            if (listed < geometry.PatchCount)
                description += string.Create(CultureInfo.InvariantCulture, $"patches.csv lists the first {listed} of {geometry.PatchCount} patches (all of them would be {(long)geometry.PatchCount * geometry.FilterSize:N0} lines; --patches N lists more)\n");
            context.Summary(description);
            return CliApp.Success;
        });
        return command;
    }

    internal static string Describe(PatchGeometry geometry, int shown, InputDistribution? inputs = null)
    {
        var text = new StringBuilder();
        int d = geometry.InputSize, r = geometry.FilterSize, k = geometry.PatchCount;
        text.Append(CultureInfo.InvariantCulture, $"geometry {geometry}: d = {d}, r = {r}, k = {k} patches\n");
        if (geometry.Channels > 1)
            text.Append(CultureInfo.InvariantCulture, $"{geometry.Channels} channels, channel-major: channel c holds x[c*{d / geometry.Channels} ..], filter taps c*{r / geometry.Channels} .. read the same window of channel c\n");
        var table = new Table().Border(TableBorder.Ascii2);
        table.AddColumn("patch j");
        table.AddColumn(Markup.Escape("reads x[i] for i in"));
        for (int j = 0; j < Math.Min(shown, k); j++)
            table.AddRow(j.ToString(CultureInfo.InvariantCulture), Markup.Escape(Ranges(geometry.Patch(j).ToArray())));
        if (shown > 0)
        {
            if (k > shown)
                table.AddRow("...", $"({k - shown} more)");
            text.Append(CommandContext.Render(table, 100));
        }
        int[] taps = geometry.NonOverlappingTaps.ToArray();
        text.Append(CultureInfo.InvariantCulture, $"non-overlapping taps T_non: {(taps.Length == 0 ? "none" : Ranges(taps))} ({taps.Length} of {r})\n");
        text.Append(geometry.HasNonOverlappingPart
            ? "Algorithm 1 (Du & Goel) applies: it learns w and a.\n"
            : "Algorithm 1 does not apply (no non-overlapping part); Convotron with known a (e.g. average pooling) does.\n");
        text.Append(CultureInfo.InvariantCulture, $"unread coordinates: {geometry.UnreadCoordinates} of {d}\n");
        int[] disjoint = Enumerable.Range(0, k).Where(geometry.IsDisjoint).ToArray();
        text.Append(CultureInfo.InvariantCulture, $"patches disjoint from all others (fit --update-patch J): {(disjoint.Length == 0 ? "none" : Ranges(disjoint))}\n");
        GeometryReport report = GeometryReport.ForAveragePooling(geometry);
        text.Append(CultureInfo.InvariantCulture, $"average pooling (a_j = 1/k): lambda_min(sum_ij a_i a_j P_i P_j^T) = {Invariant.E3(report.MinEigenvalue)}, lambda_max = {Invariant.E3(report.MaxEigenvalue)}, condition number = {Invariant.E3(report.ConditionNumber)}\n");
        if (report.DuGoelLowerBound is double bound)
            text.Append(CultureInfo.InvariantCulture, $"Du & Goel's lower bound (1 - cos(pi/(k+1))) * ||a||^2 = {Invariant.E3(bound)} (holds: {(report.MinEigenvalue >= bound * (1 - 1e-9) ? "yes" : "NO")})\n");
        else
            text.Append("Du & Goel's bound does not apply (it needs strided 1D patches with s >= floor(r/2) + 1).\n");
        text.Append(report.MinEigenvalue > 1e-12 * Math.Max(1.0, report.MaxEigenvalue)
            ? "non-degenerate: Convotron's guarantee applies.\n"
            : "degenerate (lambda_min = 0): Convotron's guarantee does not apply.\n");
        if (inputs is not null)
        {
            var pooling = new double[k];
            Array.Fill(pooling, 1.0 / k);
            GeometryReport correlated = GeometryReport.Compute(geometry, pooling, inputs);
            text.Append(CultureInfo.InvariantCulture, $"{inputs.Name} inputs: input covariance eigenvalues in [{Invariant.E3(correlated.InputCovarianceMinEigenvalue)}, {Invariant.E3(correlated.InputCovarianceMaxEigenvalue)}], condition number {Invariant.E3(correlated.InputConditionNumber)}; " +
                $"average pooling: lambda_min(sum_ij a_i a_j P_i Sigma_x P_j^T) = {Invariant.E3(correlated.MinEigenvalue)}, lambda_max = {Invariant.E3(correlated.MaxEigenvalue)}, condition number = {Invariant.E3(correlated.ConditionNumber)}\n");
        }
        return text.ToString();
    }

    /// <summary>The most points of the coverage plot.</summary>
    internal const int PlotPoints = 10_000;

    /// <summary>Lines of patches.csv up to which every patch is listed; beyond, only the first --patches patches.</summary>
    internal const long FullListingLines = 1_000_000;

    /// <summary>
    /// patches.csv (the patches' taps and coordinates, streamed to the file: every patch when that is
    /// at most <see cref="FullListingLines"/> lines, else the first <paramref name="shown"/>) and
    /// coverage.png (how many patches read each coordinate). Returns how many patches were listed.
    /// </summary>
    private static long WriteLayout(CommandContext context, PatchGeometry geometry, int shown)
    {
        int k = geometry.PatchCount;
        long listed = (long)k * geometry.FilterSize <= FullListingLines ? k : Math.Min(k, shown);
        var coverage = new double[geometry.InputSize];
        for (int j = 0; j < k; j++)
        {
            foreach (int i in geometry.Patch(j))
                coverage[i]++;
        }
        var nonOverlapping = new System.Collections.Generic.HashSet<int>(geometry.NonOverlappingTaps.ToArray());
        AtomicFile.Write(context.PathOf("patches.csv"), stream =>
        {
            using var csv = new System.IO.StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            csv.Write("patch,tap,coordinate,non_overlapping_tap\n");
            for (int j = 0; j < listed; j++)
            {
                ReadOnlySpan<int> patch = geometry.Patch(j);
                for (int t = 0; t < patch.Length; t++)
                    csv.Write(string.Create(CultureInfo.InvariantCulture, $"{j},{t},{patch[t]},{(nonOverlapping.Contains(t) ? 1 : 0)}\n"));
            }
        });
        if (geometry.Layout == PatchLayout.Strided2D)
            PlotCoverageMaps(context, geometry, coverage);
        else
            PlotCoverageLine(context, geometry, coverage);
        return listed;
    }

    /// <summary>
    /// coverage.png of a 1D or general geometry: the patches reading each coordinate as a step line
    /// (integer ticks on both axes). A plot of more points than pixels shows nothing more: beyond
    /// <see cref="PlotPoints"/> coordinates, each step is the mean of a run of consecutive coordinates (said in the title).
    /// </summary>
    internal static LinesLayout PlotCoverageLine(CommandContext context, PatchGeometry geometry, double[] coverage)
    {
        int bucket = (int)Math.Ceiling(coverage.Length / (double)PlotPoints);
        var xs = new System.Collections.Generic.List<double>();
        var ys = new System.Collections.Generic.List<double>();
        for (int start = 0; start < coverage.Length; start += bucket)
        {
            int end = Math.Min(coverage.Length, start + bucket);
            double sum = 0.0;
            for (int i = start; i < end; i++)
                sum += coverage[i];
            // Coordinate i covers [i - 0.5, i + 0.5): a step, not a ramp between neighbours.
            xs.Add(start - 0.5);
            ys.Add(sum / (end - start));
            xs.Add(end - 0.5);
            ys.Add(sum / (end - start));
        }
        string title = string.Create(CultureInfo.InvariantCulture, $"{geometry}: patches reading each coordinate{(bucket > 1 ? $" (mean of each {bucket})" : "")}");
        return Plots.Lines(context, context.PathOf("coverage.png"), title, "coordinate i of x", AxisScale.Count, "patches j with i in P_j",
            bucket > 1 ? AxisScale.Linear : AxisScale.Count, [new Series("coverage", xs, ys)]);
    }

    /// <summary>At most this many cells a side in each channel's heat map; larger images are shown as means of blocks.</summary>
    internal const int MapCells = 400;

    /// <summary>
    /// coverage.png of a 2D geometry: one heat map per channel (height × width, row 0 at the top) of the
    /// patches reading each pixel, on one colour scale with a colour bar; images wider or taller than
    /// <see cref="MapCells"/> are shown as means of b × b blocks (said in the title).
    /// </summary>
    internal static ChannelMapsLayout PlotCoverageMaps(CommandContext context, PatchGeometry geometry, double[] coverage)
    {
        Strided2DShape image = geometry.Shape2D!.Value;
        int height = image.Height, width = image.Width, channels = image.Channels;
        int block = (int)Math.Ceiling(Math.Max(height, width) / (double)MapCells);
        int rows = (height + block - 1) / block, columns = (width + block - 1) / block;
        var panels = new System.Collections.Generic.List<HeatmapPanel>(channels);
        for (int c = 0; c < channels; c++)
        {
            var values = new double[rows, columns];
            for (int p = 0; p < rows; p++)
            {
                for (int q = 0; q < columns; q++)
                {
                    double sum = 0.0;
                    int cells = 0;
                    for (int i = p * block; i < Math.Min(height, (p + 1) * block); i++)
                    {
                        for (int j = q * block; j < Math.Min(width, (q + 1) * block); j++, cells++)
                            sum += coverage[(c * height + i) * width + j];
                    }
                    values[p, q] = sum / cells;
                }
            }
            panels.Add(new HeatmapPanel(channels == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $"channel {c}"), values));
        }
        string title = string.Create(CultureInfo.InvariantCulture, $"{geometry}: patches reading each pixel{(block > 1 ? $" (mean of each {block}×{block} block)" : "")}");
        return Plots.ChannelMaps(context, context.PathOf("coverage.png"), title, panels, "patches reading the pixel", counts: block == 1, block);
    }

    /// <summary>"3..7, 12, 20..22" for a list of indices.</summary>
    internal static string Ranges(int[] indices)
    {
        var parts = new StringBuilder();
        int i = 0;
        while (i < indices.Length)
        {
            int j = i;
            while (j + 1 < indices.Length && indices[j + 1] == indices[j] + 1)
                j++;
            if (parts.Length > 0)
                parts.Append(", ");
            parts.Append(j == i ? indices[i].ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{indices[i]}..{indices[j]}"));
            i = j + 1;
        }
        return parts.ToString();
    }
}
