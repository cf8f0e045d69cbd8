using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ScottPlot;

namespace Convotron.Cli.Infrastructure;

/// <summary>A named line of (x, y) points.</summary>
internal sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

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
            int first = (int)Math.Floor(low), last = (int)Math.Ceiling(high);
            if (first == last)
                last++;
            int every = Math.Max(1, (last - first) / 8);
            var positions = new List<double>();
            var labels = new List<string>();
            for (int e = first; e <= last; e += every)
            {
                positions.Add(e);
                labels.Add("1e" + e.ToString(CultureInfo.InvariantCulture));
            }
            plot.Axes.Left.SetTicks(positions.ToArray(), labels.ToArray());
            plot.Axes.SetLimitsY(first - 0.2, last + 0.2);
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(logY ? yLabel + " (log scale)" : yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, path, Width, Height);
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
