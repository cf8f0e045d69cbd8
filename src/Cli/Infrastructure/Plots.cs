using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using ScottPlot;

namespace Convotron.Cli.Infrastructure;

/// <summary>A named line of (x, y) points.</summary>
internal sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>A named curve of medians with min–max bars (or, when <paramref name="Line"/>, a dashed reference line through the medians).</summary>
internal sealed record Band(string Name, bool Line, IReadOnlyList<double> X, IReadOnlyList<double> Median, IReadOnlyList<double> Min, IReadOnlyList<double> Max);

/// <summary>What an axis shows, which decides its limits and ticks.</summary>
internal enum AxisScale
{
    /// <summary>Any real value: nice ticks (1, 2, 5 × 10^e), 5 % margins.</summary>
    Linear,

    /// <summary>A count (iterations, samples, patches, coordinates, rows): integer ticks only.</summary>
    Count,

    /// <summary>A probability: [0, 1] with a 0.05 margin, ticks 0, 0.2, …, 1, whatever the data.</summary>
    Probability,

    /// <summary>Positive values drawn as log10, ticks at decades; values ≤ 0 or not finite are dropped.</summary>
    Log,

    /// <summary>Named categories at 0, 1, …: one tick per category, points without joining lines.</summary>
    Categories,
}

/// <summary>A tick: where (in plotted units) and its label.</summary>
internal sealed record Tick(double Position, string Label);

/// <summary>An axis as drawn: its label, limits (plotted units, log10 for a log axis) and major ticks.</summary>
internal sealed record AxisLayout(string Label, AxisScale Scale, double Min, double Max, IReadOnlyList<Tick> Ticks);

/// <summary>
/// One legend entry and what it draws: <paramref name="Names"/> are the input series it stands for
/// (several when their points coincide exactly); colour, marker and line pattern index the palettes of <see cref="Plots"/>.
/// </summary>
internal sealed record SeriesLayout(string Legend, IReadOnlyList<string> Names, double[] X, double[] Y, int Colour, MarkerShape Marker, int Pattern, bool Joined, float MarkerSize);

/// <summary>Everything <see cref="Plots.Lines"/> decides before drawing: title lines, axes, entries, whether a legend is drawn (right of the data, never over it), image size, points dropped.</summary>
internal sealed record LinesLayout(IReadOnlyList<string> Title, AxisLayout X, AxisLayout Y, IReadOnlyList<SeriesLayout> Series, bool Legend, int Width, int Height, int Dropped);

/// <summary>One channel's heat map: rows top to bottom, columns left to right.</summary>
internal sealed record HeatmapPanel(string Title, double[,] Values);

/// <summary>Everything <see cref="Plots.ChannelMaps"/> decides: title lines, panels and where they go, the shared colour range and its ticks.</summary>
internal sealed record ChannelMapsLayout(IReadOnlyList<string> Title, IReadOnlyList<HeatmapPanel> Panels, int PanelsPerRow, double Gap, double Headroom,
    double Min, double Max, IReadOnlyList<Tick> ColourTicks, IReadOnlyList<Tick> XTicks, IReadOnlyList<Tick> YTicks, int Width, int Height, string ColourLabel)
{
    public int Rows => Panels[0].Values.GetLength(0);

    public int Columns => Panels[0].Values.GetLength(1);

    /// <summary>The plotted rectangle of panel <paramref name="p"/> (x left to right, y bottom to top).</summary>
    public (double Left, double Right, double Bottom, double Top) Place(int p)
    {
        int row = p / PanelsPerRow, column = p % PanelsPerRow;
        double left = column * (Columns + Gap), top = -row * (Rows + Gap + Headroom);
        return (left, left + Columns, top - Rows, top);
    }
}

/// <summary>
/// PNG plots with ScottPlot. Each kind has a pure layout function (limits, ticks, legend entries,
/// title lines and image size: what the tests check) and a renderer; files are written through
/// <see cref="CommandContext.WritePlot"/>, which skips them with one warning when the native plotting library cannot load.
/// </summary>
internal static class Plots
{
    public const int Width = 640, Height = 420;

    /// <summary>Average width of a title character in pixels (ScottPlot's bold 16 px default font), for wrapping; generous so that titles fit.</summary>
    private const double TitleCharacterWidth = 9.5;

    /// <summary>Line styles: 10 colours (Category10), 12 markers and 4 line patterns; entry i takes colour i mod 10, marker i mod 12 and pattern i mod 4, so the first 60 entries differ in the triple and the first 10 in colour.</summary>
    internal static readonly Color[] Palette = new ScottPlot.Palettes.Category10().Colors;

    internal static readonly MarkerShape[] Markers =
    [
        MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond,
        MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp, MarkerShape.OpenDiamond,
        MarkerShape.Cross, MarkerShape.Eks, MarkerShape.FilledTriangleDown, MarkerShape.Asterisk,
    ];

    internal static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    /// <summary>At most this many names are listed in one legend entry standing for coinciding series; the rest are counted.</summary>
    private const int ListedNames = 12;

    /// <summary>
    /// Lays out a line plot: drops points the y scale cannot draw (counted in <see cref="LinesLayout.Dropped"/>),
    /// merges series whose points coincide exactly into one legend entry naming all of them, gives every entry
    /// its own colour, marker and line pattern, and computes limits and ticks for the scales. With
    /// <see cref="AxisScale.Categories"/> on x, the series' x values are indices into <paramref name="categories"/>.
    /// </summary>
    public static LinesLayout LayOutLines(string title, string xLabel, AxisScale xScale, string yLabel, AxisScale yScale,
        IReadOnlyList<Series> series, IReadOnlyList<string>? categories = null)
    {
        if (xScale is AxisScale.Log or AxisScale.Probability)
            throw new ArgumentException("x is linear, a count or categories.", nameof(xScale));
        if (xScale == AxisScale.Categories && categories is null)
            throw new ArgumentException("categories need their names.", nameof(categories));
        int dropped = 0;
        var kept = new List<(string Name, double[] X, double[] Y)>();
        foreach (Series s in series)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < s.X.Count; i++)
            {
                double px = s.X[i], py = s.Y[i];
                if (yScale == AxisScale.Log)
                    py = py > 0.0 ? Math.Log10(py) : double.NaN;
                if (!double.IsFinite(px) || !double.IsFinite(py))
                {
                    dropped++;
                    continue;
                }
                xs.Add(px);
                ys.Add(py);
            }
            if (xs.Count > 0)
                kept.Add((s.Name, xs.ToArray(), ys.ToArray()));
        }
        // Series whose points are the same draw over each other: one entry names them all.
        var groups = new List<(List<string> Names, double[] X, double[] Y)>();
        foreach (var s in kept)
        {
            int same = groups.FindIndex(g => g.X.AsSpan().SequenceEqual(s.X) && g.Y.AsSpan().SequenceEqual(s.Y));
            if (same >= 0)
                groups[same].Names.Add(s.Name);
            else
                groups.Add(([s.Name], s.X, s.Y));
        }
        bool categorical = xScale == AxisScale.Categories;
        var entries = new List<SeriesLayout>();
        for (int i = 0; i < groups.Count; i++)
        {
            var (names, xs, ys) = groups[i];
            if (categorical && groups.Count > 1)
            {
                // Entries at the same category side by side rather than on top of each other.
                double offset = (i - (groups.Count - 1) / 2.0) * Math.Min(0.12, 0.6 / groups.Count);
                xs = xs.Select(x => x + offset).ToArray();
            }
            entries.Add(new SeriesLayout(Legend(names), names, xs, ys, i % Palette.Length, Markers[i % Markers.Length], i % Patterns.Length,
                Joined: !categorical, MarkerSize: categorical ? 9 : xs.Length > 40 ? 0 : 6));
        }
        IEnumerable<double> allX = groups.SelectMany(g => g.X), allY = groups.SelectMany(g => g.Y);
        // A category's name wraps at spaces to the width of its slot (about 7 px a character).
        int slot = Math.Max(8, (int)(420.0 / Math.Max(1, categories?.Count ?? 1) / 7.0));
        AxisLayout x = categorical
            ? new AxisLayout(xLabel, xScale, -0.5, categories!.Count - 0.5, categories.Select((c, i) => new Tick(i, string.Join("\n", Wrap(c, slot)))).ToList())
            : Axis(xLabel, xScale, allX.ToList(), 6);
        AxisLayout y = Axis(yScale == AxisScale.Log ? yLabel + " (log scale)" : yLabel, yScale, allY.ToList(), 8);
        // Every name of a merged entry is a legend line: a tall legend makes the image taller.
        int legendLines = entries.Sum(e => e.Legend.Split('\n').Length);
        int height = Math.Max(Height, 90 + 20 * legendLines);
        // The legend sits right of the data: a wider legend widens the image rather than narrowing the data.
        bool legend = entries.Count > 1 || entries.Any(e => e.Names.Count > 1);
        int legendCharacters = legend ? entries.Max(e => e.Legend.Split('\n').Max(l => l.Length)) : 0;
        int width = Math.Clamp(520 + 7 * legendCharacters, Width, 1000);
        int legendWidth = legend ? 7 * legendCharacters + 70 : 0, dataWidth = width - 90 - legendWidth;
        // ScottPlot centres the title over the data area: it may overhang it by the room on its narrower side.
        int overhang = Math.Min(70, legend ? legendWidth : 15);
        return new LinesLayout(WrapTitle(title, dataWidth + 2 * overhang), x, y, entries, legend, width, height, dropped);

        static string Legend(List<string> names)
        {
            if (names.Count == 1)
                return names[0];
            var lines = names.Take(names.Count > ListedNames ? ListedNames - 1 : ListedNames).ToList();
            if (names.Count > ListedNames)
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"… and {names.Count - lines.Count} more"));
            return string.Create(CultureInfo.InvariantCulture, $"{names.Count} identical series:\n") + string.Join("\n", lines.Select(n => "  " + n));
        }
    }

    /// <summary>Limits and major ticks of an axis holding <paramref name="values"/> (plotted units), about <paramref name="target"/> ticks.</summary>
    internal static AxisLayout Axis(string label, AxisScale scale, IReadOnlyList<double> values, int target)
    {
        double low = values.Count > 0 ? values.Min() : 0.0, high = values.Count > 0 ? values.Max() : 1.0;
        switch (scale)
        {
            case AxisScale.Probability:
            {
                double min = Math.Min(-0.05, low - 0.05), max = Math.Max(1.05, high + 0.05);
                var ticks = Enumerable.Range(0, 6).Select(i => new Tick(i * 0.2, (i * 0.2).ToString("0.#", CultureInfo.InvariantCulture))).ToList();
                return new AxisLayout(label, scale, min, max, ticks);
            }
            case AxisScale.Log:
            {
                int first = (int)Math.Floor(low), last = (int)Math.Ceiling(high);
                if (first == last)
                    last++;
                int every = Math.Max(1, (last - first + 7) / 8);
                var ticks = new List<Tick>();
                for (int e = first; e <= last; e++)
                {
                    if ((e - first) % every == 0)
                        ticks.Add(new Tick(e, "1e" + e.ToString(CultureInfo.InvariantCulture)));
                }
                return new AxisLayout(label, scale, first - 0.2, last + 0.2, ticks);
            }
            default:
            {
                bool integer = scale == AxisScale.Count;
                double span = high - low;
                if (span <= 0.0)
                    (low, high) = integer ? (low - 1.0, high + 1.0) : (low - Math.Max(0.5, Math.Abs(low) * 0.1), high + Math.Max(0.5, Math.Abs(high) * 0.1));
                else
                    (low, high) = (low - 0.05 * span, high + 0.05 * span);
                double step = NiceStep((high - low) / target, integer);
                int decimals = integer ? 0 : Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
                var ticks = new List<Tick>();
                for (double t = Math.Ceiling(low / step - 1e-9) * step; t <= high + 1e-9 * step; t += step)
                {
                    double v = Math.Round(t / step) * step;
                    if (v == 0.0)
                        v = 0.0; // no "-0"
                    ticks.Add(new Tick(v, Math.Abs(v) >= 10_000 || integer
                        ? v.ToString("#,0", CultureInfo.InvariantCulture)
                        : v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)));
                }
                return new AxisLayout(label, scale, low, high, ticks);
            }
        }
    }

    /// <summary>The smallest of 1, 2, 5 × 10^e at least <paramref name="raw"/>; at least 1 for integer ticks.</summary>
    internal static double NiceStep(double raw, bool integer)
    {
        if (!(raw > 0.0) || !double.IsFinite(raw))
            return 1.0;
        double magnitude = Math.Pow(10.0, Math.Floor(Math.Log10(raw)));
        foreach (double m in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            double step = m * magnitude;
            if (step >= raw * (1 - 1e-12))
                return integer ? Math.Max(1.0, step) : step;
        }
        return integer ? Math.Max(1.0, 10.0 * magnitude) : 10.0 * magnitude;
    }

    /// <summary>Splits <paramref name="text"/> at spaces into lines of at most <paramref name="most"/> characters where its words allow.</summary>
    internal static List<string> Wrap(string text, int most)
    {
        var lines = new List<string>();
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (lines.Count > 0 && lines[^1].Length + 1 + word.Length <= most)
                lines[^1] += " " + word;
            else
                lines.Add(word);
        }
        return lines;
    }

    /// <summary>
    /// Splits a title into lines of at most <paramref name="width"/> pixels (ScottPlot centres a title over
    /// the data area, so that is the width to fit): at spaces, and inside a word longer than a line after its commas.
    /// </summary>
    internal static IReadOnlyList<string> WrapTitle(string title, int width)
    {
        int most = MaxTitleCharacters(width);
        // Each piece with whether it continues the word before it (no space between).
        var pieces = new List<(string Text, bool Continues)>();
        foreach (string word in title.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string rest = word;
            bool continues = false;
            while (rest.Length > most)
            {
                // A geometry such as 2d:rh=4,rw=4,…: break after a comma, or hard where there is none.
                int cut = rest.LastIndexOf(',', most - 1);
                cut = cut > 0 ? cut + 1 : most;
                pieces.Add((rest[..cut], continues));
                rest = rest[cut..];
                continues = true;
            }
            pieces.Add((rest, continues));
        }
        var lines = new List<string>();
        foreach (var (text, continues) in pieces)
        {
            string glue = continues ? "" : " ";
            if (lines.Count > 0 && lines[^1].Length + glue.Length + text.Length <= most)
                lines[^1] += glue + text;
            else
                lines.Add(text);
        }
        return lines.Count > 0 ? lines : [""];
    }

    /// <summary>How many title characters fit in <paramref name="width"/> pixels.</summary>
    internal static int MaxTitleCharacters(int width) => Math.Max(10, (int)(width / TitleCharacterWidth));

    /// <summary>
    /// A line plot (points only on a category axis) with the legend to the right of the data, laid out by
    /// <see cref="LayOutLines"/>; points it cannot draw are said in a warning, not dropped silently.
    /// </summary>
    public static LinesLayout Lines(CommandContext context, string path, string title, string xLabel, AxisScale xScale, string yLabel, AxisScale yScale,
        IReadOnlyList<Series> series, IReadOnlyList<string>? categories = null)
    {
        LinesLayout layout = LayOutLines(title, xLabel, xScale, yLabel, yScale, series, categories);
        if (layout.Dropped > 0)
        {
            context.Warn(string.Create(CultureInfo.InvariantCulture, $"{System.IO.Path.GetFileName(path)}: {layout.Dropped} of {series.Sum(s => s.X.Count)} points are not drawn ({(yScale == AxisScale.Log
                ? "y ≤ 0 or not finite, and the y axis is logarithmic" : "not finite")}); the CSV results hold every value."));
        }
        context.WritePlot(path, () => Render(layout).GetImageBytes(layout.Width, layout.Height, ImageFormat.Png));
        return layout;
    }

    /// <summary>The ScottPlot plot of a line layout (not yet rendered).</summary>
    internal static Plot Render(LinesLayout layout)
    {
        var plot = new Plot();
        foreach (SeriesLayout s in layout.Series)
        {
            var line = plot.Add.Scatter(s.X, s.Y);
            if (layout.Legend)
                line.LegendText = s.Legend;
            line.Color = Palette[s.Colour];
            line.MarkerShape = s.Marker;
            line.MarkerSize = s.MarkerSize;
            line.LineWidth = s.Joined ? 2 : 0;
            line.LinePattern = Patterns[s.Pattern];
        }
        Apply(plot.Axes.Bottom, layout.X);
        Apply(plot.Axes.Left, layout.Y);
        plot.Axes.SetLimits(layout.X.Min, layout.X.Max, layout.Y.Min, layout.Y.Max);
        plot.Title(string.Join("\n", layout.Title));
        plot.XLabel(layout.X.Label);
        plot.YLabel(layout.Y.Label);
        if (layout.Legend)
            plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static void Apply(IAxis axis, AxisLayout layout)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (Tick tick in layout.Ticks)
            ticks.AddMajor(tick.Position, tick.Label);
        if (layout.Scale == AxisScale.Log && layout.Ticks.Count > 1 && layout.Ticks[1].Position - layout.Ticks[0].Position == 1.0)
        {
            for (double e = Math.Floor(layout.Min); e < layout.Max; e++)
            {
                for (int m = 2; m <= 9; m++)
                    ticks.AddMinor(e + Math.Log10(m));
            }
        }
        axis.TickGenerator = ticks;
    }

    /// <summary>
    /// Lays out one heat map per channel of values (e.g. how many patches read each pixel), side by
    /// side (at most 4 a row), on one shared colour scale with integer ticks when <paramref name="counts"/>.
    /// Each cell stands for <paramref name="block"/> × <paramref name="block"/> pixels: rows and columns are labelled in pixels.
    /// </summary>
    public static ChannelMapsLayout LayOutChannelMaps(string title, IReadOnlyList<HeatmapPanel> panels, string colourLabel, bool counts, int block = 1)
    {
        if (panels.Count == 0)
            throw new ArgumentException("at least one panel.", nameof(panels));
        int rows = panels[0].Values.GetLength(0), columns = panels[0].Values.GetLength(1);
        int perRow = Math.Min(4, panels.Count), panelRows = (panels.Count + perRow - 1) / perRow;
        double gap = Math.Max(1.0, Math.Round(0.15 * columns));
        var values = panels.SelectMany(p => p.Values.Cast<double>()).Where(double.IsFinite).ToList();
        double min = values.Count > 0 ? values.Min() : 0.0, max = values.Count > 0 ? values.Max() : 1.0;
        if (max <= min)
            max = min + 1.0;
        AxisLayout colour = Axis(colourLabel, counts ? AxisScale.Count : AxisScale.Linear, [min, max], 6);
        var colourTicks = colour.Ticks.Where(t => t.Position >= min - 1e-9 && t.Position <= max + 1e-9).ToList();
        // Column and row numbers of each panel, integer ticks; rows run top to bottom.
        IReadOnlyList<Tick> columnTicks = PixelTicks(columns, Math.Max(3, 9 / perRow)), rowTicks = PixelTicks(rows, 6);
        // Roughly square cells: the data area's aspect follows the panels'; above each panel, room for its title.
        int width = Math.Max(Width, Math.Min(1400, 230 * perRow + 120));
        double unitsWide = perRow * columns + (perRow - 1) * gap, unitsPerPixel = unitsWide / (width - 200);
        double headroom = (panels.Any(p => p.Title.Length > 0) ? 24 : 6) * unitsPerPixel;
        double unitsHigh = panelRows * (rows + headroom) + (panelRows - 1) * gap;
        int height = Math.Clamp((int)(unitsHigh / unitsPerPixel) + 150, 300, 1200);
        var layout = new ChannelMapsLayout([], panels, perRow, gap, headroom, min, max, colourTicks, [], [], 0, 0, colourLabel);
        var xTicks = new List<Tick>();
        for (int p = 0; p < perRow; p++)
        {
            double left = layout.Place(p).Left;
            xTicks.AddRange(columnTicks.Select(t => new Tick(left + t.Position + 0.5, t.Label)));
        }
        var yTicks = new List<Tick>();
        for (int r = 0; r < panelRows; r++)
        {
            double top = layout.Place(r * perRow).Top;
            yTicks.AddRange(rowTicks.Select(t => new Tick(top - t.Position - 0.5, t.Label)));
        }
        return layout with { Title = WrapTitle(title, width - 120), XTicks = xTicks, YTicks = yTicks, Width = width, Height = height };

        // Ticks at whole pixel numbers, placed at the cell holding that pixel (position in cells).
        List<Tick> PixelTicks(int cells, int target) => Axis("", AxisScale.Count, [0, cells * block - 1], target).Ticks
            .Where(t => t.Position >= 0 && t.Position <= cells * block - 1).Select(t => t with { Position = Math.Floor(t.Position / block) }).ToList();
    }

    /// <summary>Writes the heat maps laid out by <see cref="LayOutChannelMaps"/> with a colour bar to the right.</summary>
    public static ChannelMapsLayout ChannelMaps(CommandContext context, string path, string title, IReadOnlyList<HeatmapPanel> panels, string colourLabel, bool counts, int block = 1)
    {
        ChannelMapsLayout layout = LayOutChannelMaps(title, panels, colourLabel, counts, block);
        context.WritePlot(path, () => Render(layout).GetImageBytes(layout.Width, layout.Height, ImageFormat.Png));
        return layout;
    }

    internal static Plot Render(ChannelMapsLayout layout)
    {
        var plot = new Plot();
        ScottPlot.Plottables.Heatmap? last = null;
        for (int p = 0; p < layout.Panels.Count; p++)
        {
            var (left, right, bottom, top) = layout.Place(p);
            var map = plot.Add.Heatmap(layout.Panels[p].Values);
            map.Colormap = new ScottPlot.Colormaps.Viridis();
            map.ManualRange = new ScottPlot.Range(layout.Min, layout.Max);
            map.Rectangle = new CoordinateRect(left, right, bottom, top);
            var text = plot.Add.Text(layout.Panels[p].Title, (left + right) / 2.0, top + 0.15 * layout.Headroom);
            text.LabelFontSize = 13;
            text.LabelBold = true;
            text.LabelAlignment = Alignment.LowerCenter;
            last = map;
        }
        var bar = plot.Add.ColorBar(last!);
        bar.Label = layout.ColourLabel;
        var colourTicks = new ScottPlot.TickGenerators.NumericManual();
        foreach (Tick tick in layout.ColourTicks)
            colourTicks.AddMajor(tick.Position, tick.Label);
        bar.Axis.TickGenerator = colourTicks;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(layout.XTicks.Select(t => t.Position).ToArray(), layout.XTicks.Select(t => t.Label).ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(layout.YTicks.Select(t => t.Position).ToArray(), layout.YTicks.Select(t => t.Label).ToArray());
        var (firstLeft, _, _, firstTop) = layout.Place(0);
        double lastRight = layout.Place(layout.PanelsPerRow - 1).Right, lastBottom = layout.Place(layout.Panels.Count - 1).Bottom;
        plot.Axes.SetLimits(firstLeft - 0.5, lastRight + 0.5, lastBottom - 0.5, firstTop + layout.Headroom);
        plot.Grid.IsVisible = false;
        plot.Title(string.Join("\n", layout.Title));
        plot.XLabel("column");
        plot.YLabel("row");
        return plot;
    }

    /// <summary>
    /// Log-log plot: each band's medians as a line with markers and min–max bars, reference lines
    /// dashed; both axes carry log10 of the values, with decade labels and minor ticks at 2…9.
    /// Values that are not positive and finite are not drawn.
    /// </summary>
    public static void LogLog(CommandContext context, string path, string title, string xLabel, string yLabel, IReadOnlyList<Band> bands) =>
        context.WritePlot(path, () => LogLogPlot(title, xLabel, yLabel, bands).GetImageBytes(720, 520, ImageFormat.Png));

    private static Plot LogLogPlot(string title, string xLabel, string yLabel, IReadOnlyList<Band> bands)
    {
        var plot = new Plot();
        double lowX = double.PositiveInfinity, highX = double.NegativeInfinity, lowY = double.PositiveInfinity, highY = double.NegativeInfinity;
        foreach (Band band in bands)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            var below = new List<double>();
            var above = new List<double>();
            for (int i = 0; i < band.X.Count; i++)
            {
                if (Log10(band.X[i]) is not double x || Log10(band.Median[i]) is not double y)
                    continue;
                double min = Log10(band.Min[i]) ?? y;
                double max = Log10(band.Max[i]) ?? y;
                xs.Add(x);
                ys.Add(y);
                below.Add(y - Math.Min(min, y));
                above.Add(Math.Max(max, y) - y);
                lowX = Math.Min(lowX, xs[^1]);
                highX = Math.Max(highX, xs[^1]);
                lowY = Math.Min(lowY, y - below[^1]);
                highY = Math.Max(highY, y + above[^1]);
            }
            if (xs.Count == 0)
                continue;
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            line.LegendText = band.Name;
            line.LineWidth = 2;
            if (band.Line)
            {
                line.MarkerSize = 0;
                line.LinePattern = LinePattern.Dashed;
                continue;
            }
            line.MarkerSize = 6;
            var bars = new ScottPlot.Plottables.ErrorBar(xs, ys, xErrorsNegative: null, xErrorsPositive: null, yErrorsNegative: below, yErrorsPositive: above)
            {
                Color = line.Color,
                LineWidth = 1.5f,
            };
            plot.Add.Plottable(bars);
        }
        if (double.IsFinite(lowX))
        {
            (double firstX, double lastX) = DecadeTicks(plot.Axes.Bottom, lowX, highX, minor: true);
            (double firstY, double lastY) = DecadeTicks(plot.Axes.Left, lowY, highY, minor: true);
            plot.Axes.SetLimits(firstX - 0.1, lastX + 0.1, firstY - 0.1, lastY + 0.1);
        }
        plot.Title(title);
        plot.XLabel(xLabel + " (log scale)");
        plot.YLabel(yLabel + " (log scale)");
        plot.ShowLegend(Alignment.LowerLeft);
        return plot;

        // log10 of a positive, finite value; null (not drawn) otherwise.
        static double? Log10(double v) => v > 0 && double.IsFinite(v) ? Math.Log10(v) : null;
    }

    /// <summary>
    /// Labels the decades 1eE from ⌊<paramref name="low"/>⌋ to ⌈<paramref name="high"/>⌉ (log10 units) on
    /// <paramref name="axis"/>, every one or every few so that at most about 9 are labelled, with
    /// minor ticks at log10(2…9) of each decade when <paramref name="minor"/>; returns the first and last decade.
    /// </summary>
    private static (double First, double Last) DecadeTicks(IAxis axis, double low, double high, bool minor)
    {
        int first = (int)Math.Floor(low), last = (int)Math.Ceiling(high);
        if (first == last)
            last++;
        int every = Math.Max(1, (last - first) / 8);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int e = first; e <= last; e++)
        {
            if ((e - first) % every == 0)
                ticks.AddMajor(e, "1e" + e.ToString(CultureInfo.InvariantCulture));
            else if (minor)
                ticks.AddMinor(e);
            for (int m = 2; minor && every == 1 && m <= 9 && e < last; m++)
                ticks.AddMinor(e + Math.Log10(m));
        }
        axis.TickGenerator = ticks;
        return (first, last);
    }

    /// <summary>Points without lines, plus the diagonal y = x when <paramref name="diagonal"/> (prediction against label); integer ticks on x when <paramref name="xScale"/> is a count.</summary>
    public static bool Points(CommandContext context, string path, string title, string xLabel, AxisScale xScale, string yLabel,
        IReadOnlyList<double> x, IReadOnlyList<double> y, bool diagonal) =>
        context.WritePlot(path, () =>
        {
            var plot = new Plot();
            var points = plot.Add.Scatter(x.ToArray(), y.ToArray());
            points.LineWidth = 0;
            points.MarkerSize = 3;
            if (diagonal && x.Count > 0)
            {
                double low = Math.Min(x.Min(), y.Min()), high = Math.Max(x.Max(), y.Max());
                var line = plot.Add.Line(low, low, high, high);
                line.LineWidth = 1;
                line.LineColor = Colors.Gray;
            }
            if (xScale == AxisScale.Count && x.Count > 0)
            {
                AxisLayout axis = Axis(xLabel, xScale, x, 8);
                Apply(plot.Axes.Bottom, axis);
                plot.Axes.SetLimitsX(axis.Min, axis.Max);
            }
            plot.Title(string.Join("\n", WrapTitle(title, Width - 60)));
            plot.XLabel(xLabel);
            plot.YLabel(yLabel);
            return plot.GetImageBytes(Width, Height, ImageFormat.Png);
        });

    /// <summary>
    /// A heat map of values in [0, 1] with the value printed in each cell; rows are drawn top to bottom.
    /// </summary>
    public static void Heatmap(CommandContext context, string path, string title, string xLabel, string yLabel,
        IReadOnlyList<string> columnLabels, IReadOnlyList<string> rowLabels, double[,] values) =>
        context.WritePlot(path, () =>
        {
            var plot = new Plot();
            int rows = rowLabels.Count, columns = columnLabels.Count;
            IColormap colormap = new ScottPlot.Colormaps.Viridis();
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < columns; j++)
                {
                    double v = values[i, j];
                    double top = rows - i;
                    var rectangle = plot.Add.Rectangle(j, j + 1, top - 1, top);
                    rectangle.FillStyle.Color = double.IsFinite(v) ? colormap.GetColor(v) : Colors.Gray;
                    rectangle.LineStyle.Width = 0;
                    var text = plot.Add.Text(double.IsFinite(v) ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-", j + 0.5, top - 0.5);
                    text.LabelFontSize = 14;
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontColor = v > 0.6 ? Colors.Black : Colors.White;
                }
            }
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, columns).Select(j => j + 0.5).ToArray(), columnLabels.ToArray());
            plot.Axes.Left.SetTicks(Enumerable.Range(0, rows).Select(i => rows - i - 0.5).ToArray(), rowLabels.ToArray());
            plot.Axes.SetLimits(0, columns, 0, rows);
            plot.Title(title);
            plot.XLabel(xLabel);
            plot.YLabel(yLabel);
            return plot.GetImageBytes(Width, Height + 40, ImageFormat.Png);
        });

    /// <summary>
    /// The file name of the native library whose loading failed somewhere in <paramref name="e"/>'s
    /// chain (SkiaSharp's <c>libSkiaSharp.so</c> when the message names none), or null when
    /// <paramref name="e"/> is not a failure to load a native library.
    /// </summary>
    internal static string? MissingNativeLibrary(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
            {
                Match name = Regex.Match(inner.Message, @"'([^'/]+)'");
                string library = name.Success ? name.Groups[1].Value : "libSkiaSharp";
                return library.Contains(".so", StringComparison.Ordinal) ? library : library + ".so";
            }
        }
        return null;
    }
}

/// <summary>Draws a plot and returns its PNG bytes; the seam through which tests simulate a plotting library that cannot load.</summary>
internal delegate byte[] PlotRenderer(Func<byte[]> draw);
