using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Text;
using Convotron.Cli.Data;
using Convotron.Cli.Infrastructure;

namespace Convotron.Cli.Commands;

/// <summary>
/// <c>convotron plot-curve CURVE.csv</c>: a log-log plot of per-run values against x (e.g. excess
/// error against the number of training rows), medians with min–max bars, plus reference lines,
/// and the table of medians. The CSV has the columns series, style, x, y (any order, more columns
/// ignored); style is <c>points</c> (one row per run) or <c>line</c> (a reference line: the median
/// of its rows at each x).
/// </summary>
internal static class PlotCurveCommand
{
    public const string PlotFile = "curve.png";
    public const string MediansFile = "curve_medians.csv";
    public const string MediansHeader = "series,style,x,runs,plotted,median,min,max";
    internal static readonly string[] Columns = ["series", "style", "x", "y"];

    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("plot-curve", "Log-log plot of a curve CSV (columns series,style,x,y; style points = one row per run, drawn as medians with min-max bars; style line = a reference line) and its table of medians.");
        var csv = new Argument<string>("CURVE") { Description = "The curve CSV: a header naming series, style, x and y, then one row per value; x > 0; style points or line. The y axis is logarithmic: rows with y <= 0 are not drawn (a warning counts them), and a file with no y > 0 is refused." };
        command.Arguments.Add(csv);
        var common = new CommonOptions(command, threads: false, seed: false);
        var title = new Option<string>("--title") { Description = "The plot's title (default none).", DefaultValueFactory = _ => "" };
        var xLabel = new Option<string>("--x-label") { Description = "The x axis label.", DefaultValueFactory = _ => "x" };
        var yLabel = new Option<string>("--y-label") { Description = "The y axis label.", DefaultValueFactory = _ => "y" };
        foreach (Option option in new Option[] { title, xLabel, yLabel })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(csv)!;
            common.Budget(parse).Require($"reading {path}", Data.Table.ReadBytes(path), "plot a smaller curve file");
            IReadOnlyList<Point> points = Read(path);
            string? dropped = Drawable(path, points);
            CommandContext context = common.Context(parse, environment, ("CURVE", path));
            if (dropped is not null)
                context.Warn(dropped);
            return Run(points, parse.GetValue(title)!, parse.GetValue(xLabel)!, parse.GetValue(yLabel)!, context);
        });
        return command;
    }

    /// <summary>One row of the curve file.</summary>
    internal sealed record Point(string Series, bool Line, double X, double Y);

    /// <summary>The values of one series at one x: their median, min and max over the positive finite ones.</summary>
    internal sealed record Summary(string Series, bool Line, double X, int Runs, int Plotted, double Median, double Min, double Max);

    /// <summary>Reads and checks a curve file; errors name the file, line and column.</summary>
    internal static IReadOnlyList<Point> Read(string path)
    {
        List<CsvReader.Row> rows = CsvReader.ReadRows(path, CsvReader.ReadText(path).TrimStart('\uFEFF'));
        if (rows.Count < 2)
            throw new InvalidFileException(path, "1", "expected a header naming the columns series, style, x and y, then at least one row.");
        var index = new int[Columns.Length];
        for (int c = 0; c < Columns.Length; c++)
        {
            index[c] = rows[0].Fields.FindIndex(f => string.Equals(f.Text.Trim(), Columns[c], StringComparison.OrdinalIgnoreCase));
            if (index[c] < 0)
                throw new InvalidFileException(path, "1", $"the header has no column '{Columns[c]}'; a curve file needs the columns series, style, x and y.");
        }
        var points = new List<Point>(rows.Count - 1);
        foreach (CsvReader.Row row in rows.Skip(1))
        {
            if (row.Fields.Count != rows[0].Fields.Count)
                throw new InvalidFileException(path, CsvReader.Location(row.Line, 1), $"expected {rows[0].Fields.Count} columns, as the header, but found {row.Fields.Count}.");
            string Field(int c) => row.Fields[index[c]].Text.Trim();
            string Where(int c) => CsvReader.Location(row.Line, row.Fields[index[c]].Column);
            string series = Field(0);
            if (series.Length == 0)
                throw new InvalidFileException(path, Where(0), "the series name is empty.");
            bool line = Field(1).ToLowerInvariant() switch
            {
                "points" => false,
                "line" => true,
                _ => throw new InvalidFileException(path, Where(1), $"'{Field(1)}' is not a style; allowed: points (one row per run) or line (a reference line)."),
            };
            if (!double.TryParse(Field(2), NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !(x > 0.0) || !double.IsFinite(x))
                throw new InvalidFileException(path, Where(2), $"x = '{Field(2)}' is not allowed; x must be a finite number > 0 (the axes are logarithmic).");
            // A failed run's y may be nan or inf: it is counted, not drawn. A reference line must be drawable.
            if (!double.TryParse(Field(3), NumberStyles.Float, CultureInfo.InvariantCulture, out double y) || (line && !(y > 0.0 && double.IsFinite(y))))
                throw new InvalidFileException(path, Where(3), $"y = '{Field(3)}' is not allowed; y must be a number ({(line ? "finite and > 0 on a line" : "nan or inf for a failed run")}).");
            points.Add(new Point(series, line, x, y));
        }
        foreach (var group in points.GroupBy(p => p.Series))
        {
            if (group.Select(p => p.Line).Distinct().Count() > 1)
                throw new InvalidFileException(path, "", $"the series '{group.Key}' has rows of both styles; give each series one style.");
        }
        return points;
    }

    /// <summary>
    /// The y axis is logarithmic: refuses a curve none of whose values can be drawn (every y ≤ 0 or
    /// not finite), naming the column, before anything is written; otherwise returns a warning saying
    /// how many rows are not drawn (y ≤ 0, or nan/inf for failed runs), or null when every row is.
    /// </summary>
    internal static string? Drawable(string path, IReadOnlyList<Point> points)
    {
        int notPositive = points.Count(p => double.IsFinite(p.Y) && p.Y <= 0.0), notFinite = points.Count(p => !double.IsFinite(p.Y));
        if (notPositive + notFinite == 0)
            return null;
        string why = string.Join(" and ", new[]
        {
            notPositive > 0 ? string.Create(CultureInfo.InvariantCulture, $"{notPositive} with y ≤ 0") : null,
            notFinite > 0 ? string.Create(CultureInfo.InvariantCulture, $"{notFinite} nan or inf (failed runs)") : null,
        }.Where(w => w is not null));
        if (notPositive + notFinite == points.Count)
            throw new InvalidFileException(path, "", string.Create(CultureInfo.InvariantCulture,
                $"column 'y' has no value that a log scale can draw ({points.Count} rows: {why}); the y axis is logarithmic, so y must be > 0 and finite. Nothing was written."));
        return string.Create(CultureInfo.InvariantCulture,
            $"{path}: {notPositive + notFinite} of {points.Count} rows of column 'y' are not drawn ({why}): a log scale needs positive values. {MediansFile} counts them in 'runs' but not in 'plotted'.");
    }

    /// <summary>Per series (in order of first appearance) and x (ascending): the median, min and max of the positive finite values.</summary>
    internal static IReadOnlyList<Summary> Summarise(IReadOnlyList<Point> points)
    {
        var order = points.Select(p => p.Series).Distinct().ToList();
        return points.GroupBy(p => (p.Series, p.X))
            .OrderBy(g => order.IndexOf(g.Key.Series)).ThenBy(g => g.Key.X)
            .Select(g =>
            {
                var drawn = g.Select(p => p.Y).Where(y => y > 0.0 && double.IsFinite(y)).ToList();
                return new Summary(g.Key.Series, g.First().Line, g.Key.X, g.Count(), drawn.Count,
                    drawn.Count > 0 ? Invariant.Median(drawn) : double.NaN, drawn.Count > 0 ? drawn.Min() : double.NaN, drawn.Count > 0 ? drawn.Max() : double.NaN);
            }).ToList();
    }

    private static int Run(IReadOnlyList<Point> points, string title, string xLabel, string yLabel, CommandContext context)
    {
        IReadOnlyList<Summary> summaries = Summarise(points);
        context.WriteText(MediansFile, Invariant.Lines(summaries.Select(s => Invariant.Csv([s.Series, s.Line ? "line" : "points", Invariant.R(s.X),
            Invariant.R(s.Runs), Invariant.R(s.Plotted), Invariant.R(s.Median), Invariant.R(s.Min), Invariant.R(s.Max)])).Prepend(MediansHeader)));
        Plots.LogLog(context, context.PathOf(PlotFile), title, xLabel, yLabel,
            summaries.GroupBy(s => s.Series).Select(g => new Band(g.Key, g.First().Line,
                g.Where(s => s.Plotted > 0).Select(s => s.X).ToList(), g.Where(s => s.Plotted > 0).Select(s => s.Median).ToList(),
                g.Where(s => s.Plotted > 0).Select(s => s.Min).ToList(), g.Where(s => s.Plotted > 0).Select(s => s.Max).ToList())).ToList());
        context.Summary(Table(summaries, xLabel, plotted: context.MissingPlotLibrary is null));
        return CliApp.Success;
    }

    /// <summary>The medians as a Markdown table: one row per x, one column per series; "median (min – max)" where a series has several runs at x.</summary>
    internal static string Table(IReadOnlyList<Summary> summaries, string xLabel, bool plotted = true)
    {
        var series = summaries.Select(s => s.Series).Distinct().ToList();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"plot-curve: {series.Count} series, medians (min – max) of the positive finite values; {(plotted ? $"{PlotFile} has the log-log plot" : $"no {PlotFile} (the plotting library could not be loaded)")}\n\n");
        text.Append("| ").Append(xLabel).Append(" | ").Append(string.Join(" | ", series)).Append(" |\n");
        text.Append("|---|").Append(string.Concat(Enumerable.Repeat("---|", series.Count))).Append('\n');
        foreach (double x in summaries.Select(s => s.X).Distinct().Order())
        {
            text.Append("| ").Append(Invariant.R(x));
            foreach (string name in series)
            {
                Summary? s = summaries.FirstOrDefault(v => v.Series == name && v.X == x);
                text.Append(" | ").Append(s is null ? "" : Cell(s));
            }
            text.Append(" |\n");
        }
        return text.ToString();
    }

    private static string Cell(Summary s)
    {
        if (s.Plotted == 0)
            return string.Create(CultureInfo.InvariantCulture, $"failed ({s.Runs} runs)");
        string cell = s.Line || s.Plotted == 1 ? G3(s.Median) : $"{G3(s.Median)} ({G3(s.Min)} – {G3(s.Max)})";
        return s.Plotted < s.Runs ? cell + string.Create(CultureInfo.InvariantCulture, $"; {s.Runs - s.Plotted} of {s.Runs} failed") : cell;
    }

    private static string G3(double value) => value.ToString("0.00e+00", CultureInfo.InvariantCulture);
}
