using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ScottPlot;

namespace Convotron.Cli.Infrastructure;

/// <summary>A named line of (x, y) points.</summary>
internal sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>A named curve of medians with min–max bars (or, when <paramref name="Line"/>, a dashed reference line through the medians).</summary>
internal sealed record Band(string Name, bool Line, IReadOnlyList<double> X, IReadOnlyList<double> Median, IReadOnlyList<double> Min, IReadOnlyList<double> Max);

/// <summary>PNG plots with ScottPlot, written atomically.</summary>
internal static class Plots
{
    public const int Width = 640, Height = 420;

    /// <summary>Line plot; with <paramref name="logY"/> the y values are plotted as log10 with decade tick labels.</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IReadOnlyList<Series> series, bool logY)
    {
        var plot = new Plot();
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        foreach (Series s in series)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < s.X.Count; i++)
            {
                double y = s.Y[i];
                if (logY)
                {
                    if (!(y > 0.0) || !double.IsFinite(y))
                        continue;
                    y = Math.Log10(y);
                }
                if (!double.IsFinite(y))
                    continue;
                xs.Add(s.X[i]);
                ys.Add(y);
                low = Math.Min(low, y);
                high = Math.Max(high, y);
            }
            if (xs.Count == 0)
                continue;
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            line.LegendText = s.Name;
            line.MarkerSize = xs.Count > 40 ? 0 : 4;
            line.LineWidth = 2;
        }
        if (logY && double.IsFinite(low))
        {
            (double first, double last) = DecadeTicks(plot.Axes.Left, low, high, minor: false);
            plot.Axes.SetLimitsY(first - 0.2, last + 0.2);
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(logY ? yLabel + " (log scale)" : yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, path, Width, Height);
    }

    /// <summary>
    /// Log-log plot: each band's medians as a line with markers and min–max bars, reference lines
    /// dashed; both axes carry log10 of the values, with decade labels and minor ticks at 2…9.
    /// Values that are not positive and finite are not drawn.
    /// </summary>
    public static void LogLog(string path, string title, string xLabel, string yLabel, IReadOnlyList<Band> bands)
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
        Save(plot, path, 720, 520);

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

    /// <summary>Points without lines, plus the diagonal y = x when <paramref name="diagonal"/> (prediction against label).</summary>
    public static void Points(string path, string title, string xLabel, string yLabel, IReadOnlyList<double> x, IReadOnlyList<double> y, bool diagonal)
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
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        Save(plot, path, Width, Height);
    }

    /// <summary>
    /// A heat map of values in [0, 1] with the value printed in each cell; rows are drawn top to bottom.
    /// </summary>
    public static void Heatmap(string path, string title, string xLabel, string yLabel,
        IReadOnlyList<string> columnLabels, IReadOnlyList<string> rowLabels, double[,] values)
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
        Save(plot, path, Width, Height + 40);
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        byte[] png = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
    }
}
