using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Convotron.Cli.Commands;
using Convotron.Cli.Infrastructure;
using ImageFormat = ScottPlot.ImageFormat;
using PixelRect = ScottPlot.PixelRect;
using Plot = ScottPlot.Plot;
using Xunit;

namespace Convotron.Cli.Tests;

/// <summary>
/// The plots a person reads (issue 19): limits, ticks, legend entries and titles as the layout
/// functions compute them, the renderer honouring them, and plotting never failing a finished run.
/// </summary>
public class PlotTests
{
    private static readonly byte[] PngMagic = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The width and height a PNG file's header states, after checking it is a PNG of real content.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        byte[] png = File.ReadAllBytes(path);
        Assert.True(png.Length > 2000, $"{path} has {png.Length} bytes");
        Assert.Equal(PngMagic, png.Take(8).ToArray());
        static int BigEndian(byte[] b, int at) => (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
        return (BigEndian(png, 16), BigEndian(png, 20));
    }

    /// <summary>A context writing into <paramref name="directory"/>, claimed as the geometry command's (each test has its own directory).</summary>
    private static CommandContext Context(string directory, StringWriter? error = null) =>
        new(TextWriter.Null, error ?? new StringWriter(), interactive: false, OutputFolder.Claim("--out", directory, "geometry", force: true));

    private static bool IsInteger(Tick tick) => tick.Position == Math.Floor(tick.Position)
        && tick.Label == tick.Position.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>The default sweep: 2 input laws × 3 strides × 2 noise levels, every cell succeeding.</summary>
    private static List<Series> DefaultSweep(Func<string, double> success) =>
        (from distribution in new[] { "gaussian", "uniform" }
         from stride in new[] { 9, 12, 16 }
         from noise in new[] { "0", "0.1" }
         let name = $"{distribution} s={stride} noise={noise}"
         select new Series(name, [5000.0, 20000.0], [success(name), 1.0])).ToList();

    [Fact]
    public void Sweep_success_is_a_probability_axis_with_coinciding_series_in_one_legend_entry_beside_the_data()
    {
        // As measured: all twelve series at 1 drew over each other on an axis from -0.2 to 2.1.
        LinesLayout all = Plots.LayOutLines("Sweep: success probability", "training budget T1 + T2", AxisScale.Count,
            "P(final relative MSE <= 0.001)", AxisScale.Probability, DefaultSweep(_ => 1.0));
        Assert.Equal((-0.05, 1.05), (all.Y.Min, all.Y.Max));
        Assert.Equal([0.0, 0.2, 0.4, 0.6, 0.8, 1.0], all.Y.Ticks.Select(t => Math.Round(t.Position, 12)));
        Assert.Equal(["0", "0.2", "0.4", "0.6", "0.8", "1"], all.Y.Ticks.Select(t => t.Label));
        SeriesLayout merged = Assert.Single(all.Series);
        Assert.Equal(12, merged.Names.Count);
        Assert.StartsWith("12 identical series:", merged.Legend, StringComparison.Ordinal);
        Assert.All(DefaultSweep(_ => 1.0), s => Assert.Contains(s.Name, merged.Legend, StringComparison.Ordinal));
        Assert.True(all.Legend);
        Assert.All(all.X.Ticks, t => Assert.True(IsInteger(t), t.Label));

        // Where series differ, each has its own colour, marker and line pattern; coinciding ones still share an entry.
        LinesLayout some = Plots.LayOutLines("Sweep: success probability", "training budget T1 + T2", AxisScale.Count, "P", AxisScale.Probability,
            DefaultSweep(name => name.StartsWith("uniform", StringComparison.Ordinal) ? 1.0 : name.Contains("s=9", StringComparison.Ordinal) ? 0.5 : 0.8));
        Assert.Equal(3, some.Series.Count);
        Assert.Equal([2, 4, 6], some.Series.Select(s => s.Names.Count).Order());
        Assert.Equal(3, some.Series.Select(s => s.Colour).Distinct().Count());
        Assert.Equal(3, some.Series.Select(s => s.Marker).Distinct().Count());
        Assert.Equal(3, some.Series.Select(s => s.Pattern).Distinct().Count());

        // Twelve different series: twelve entries, distinct in colour + marker + pattern, never repeating a colour among the first ten.
        LinesLayout distinct = Plots.LayOutLines("t", "x", AxisScale.Count, "P", AxisScale.Probability,
            DefaultSweep(_ => 0.0).Select((s, i) => s with { Y = [i / 12.0, 1.0] }).ToList());
        Assert.Equal(12, distinct.Series.Count);
        Assert.Equal(12, distinct.Series.Select(s => (s.Colour, s.Marker, s.Pattern)).Distinct().Count());
        Assert.Equal(10, distinct.Series.Take(10).Select(s => s.Colour).Distinct().Count());
        Assert.Equal(12, distinct.Series.Select(s => s.Marker).Distinct().Count());

        // Drawn: the ticks are the layout's, and the legend is right of the data area, not over it.
        Plot plot = Plots.Render(all);
        plot.GetImageBytes(all.Width, all.Height, ImageFormat.Png);
        Assert.Equal(all.Y.Ticks.Select(t => t.Position), plot.Axes.Left.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Position));
        Assert.Equal(all.X.Ticks.Select(t => t.Position), plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Position));
        PixelRect data = plot.LastRender.DataRect;
        Assert.True(data.Right < all.Width - 150, $"the data area reaches x = {data.Right} of {all.Width}: no room for the legend beside it");
        Assert.Equal(-0.05, plot.Axes.GetLimits().Bottom, 9);
        Assert.Equal(1.05, plot.Axes.GetLimits().Top, 9);
    }

    [Fact]
    public void The_sweep_command_draws_its_success_plot_at_the_laid_out_size()
    {
        string directory = Cli.TempDirectory("plot-sweep");
        Cli.Result result = Cli.Run("sweep", "--out", directory, "--seeds", "1", "--budgets", "400,800", "--strides", "9,12", "--distributions", "gaussian",
            "--noise", "0", "--test-samples", "200", "--t3", "200", "--refine-samples", "2000", "--finish-rows", "200", "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Error);
        var (width, height) = PngSize(Path.Combine(directory, "sweep_success.png"));
        // Two series of two cells each; whether they coincide decides the legend's width.
        Assert.InRange(width, Plots.Width, 1000);
        Assert.InRange(height, Plots.Height, 1000);
    }

    [Fact]
    public void A_2d_coverage_is_a_heat_map_per_channel_with_a_colour_bar_and_a_title_that_fits()
    {
        PatchGeometry geometry = PatchGeometry.Parse("2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28,channels=3");
        var coverage = new double[geometry.InputSize];
        for (int j = 0; j < geometry.PatchCount; j++)
        {
            foreach (int i in geometry.Patch(j))
                coverage[i]++;
        }
        string directory = Cli.TempDirectory("plot-coverage2d");
        ChannelMapsLayout layout = GeometryCommand.PlotCoverageMaps(Context(directory), geometry, coverage);
        Assert.Equal(3, layout.Panels.Count);
        Assert.Equal(["channel 0", "channel 1", "channel 2"], layout.Panels.Select(p => p.Title));
        Assert.All(layout.Panels, p => Assert.Equal((28, 28), (p.Values.GetLength(0), p.Values.GetLength(1))));
        // Channel-major, row-major: channel c, row p, column q is coordinate (c·28 + p)·28 + q.
        for (int c = 0; c < 3; c++)
        {
            for (int p = 0; p < 28; p++)
            {
                for (int q = 0; q < 28; q++)
                    Assert.Equal(coverage[(c * 28 + p) * 28 + q], layout.Panels[c].Values[p, q]);
            }
        }
        Assert.Equal(4.0, layout.Panels[1].Values[3, 3]); // read by four windows (rows and columns 0..3 and 3..6)
        Assert.Equal(1.0, layout.Panels[1].Values[0, 0]);
        Assert.Equal((1.0, 4.0), (layout.Min, layout.Max));
        Assert.Equal([1.0, 2.0, 3.0, 4.0], layout.ColourTicks.Select(t => t.Position));
        Assert.All(layout.ColourTicks, t => Assert.True(IsInteger(t), t.Label));
        // Each panel's columns numbered 0, 10, 20 at the cell centres.
        Assert.Equal(Enumerable.Range(0, 3).SelectMany(p => new[] { 0, 10, 20 }.Select(q => (layout.Place(p).Left + q + 0.5, q.ToString(CultureInfo.InvariantCulture)))),
            layout.XTicks.Select(t => (t.Position, t.Label)));
        // Row 0 at the top of each panel; panels side by side, not overlapping.
        Assert.True(layout.YTicks.Single(t => t.Label == "0").Position > layout.YTicks.Single(t => t.Label == "25").Position);
        Assert.True(layout.Place(0).Right < layout.Place(1).Left && layout.Place(1).Right < layout.Place(2).Left);
        int most = Plots.MaxTitleCharacters(layout.Width - 120);
        Assert.True(layout.Title.Count >= 2, "the 66-character title needs two lines at this width");
        Assert.All(layout.Title, line => Assert.InRange(line.Length, 1, most));
        Assert.Equal("2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28,channels=3: patches reading each pixel", string.Join(" ", layout.Title));
        Assert.Equal((layout.Width, layout.Height), PngSize(Path.Combine(directory, "coverage.png")));

        // The command writes that plot.
        string command = Cli.TempDirectory("plot-coverage2d-command");
        Cli.Result result = Cli.Run("geometry", "--geometry", geometry.ToString(), "--out", command);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal((layout.Width, layout.Height), PngSize(Path.Combine(command, "coverage.png")));
    }

    [Fact]
    public void A_1d_coverage_is_a_step_line_with_integer_ticks_and_a_title_that_fits()
    {
        PatchGeometry geometry = PatchGeometry.Parse("1d:r=16,s=9,d=160");
        var coverage = new double[160];
        for (int j = 0; j < geometry.PatchCount; j++)
        {
            foreach (int i in geometry.Patch(j))
                coverage[i]++;
        }
        string directory = Cli.TempDirectory("plot-coverage1d");
        LinesLayout layout = GeometryCommand.PlotCoverageLine(Context(directory), geometry, coverage);
        SeriesLayout line = Assert.Single(layout.Series);
        Assert.False(layout.Legend); // one series: nothing to tell apart
        Assert.True(line.Joined);
        // Coordinate i is a flat step from i - 0.5 to i + 0.5.
        Assert.Equal(320, line.X.Length);
        Assert.Equal((8.5, 9.5, 2.0), (line.X[18], line.X[19], line.Y[18]));
        Assert.Equal([1.0, 2.0], layout.Y.Ticks.Select(t => t.Position));
        Assert.All(layout.X.Ticks.Concat(layout.Y.Ticks), t => Assert.True(IsInteger(t), t.Label));
        Assert.Equal(["1d:r=16,s=9,d=160: patches reading each coordinate"], layout.Title);
        Assert.Equal((layout.Width, layout.Height), PngSize(Path.Combine(directory, "coverage.png")));

        // Beyond 10,000 coordinates each step is a mean of a run (said in the title, which still fits: no legend to overhang).
        PatchGeometry large = PatchGeometry.Parse("1d:r=3,s=2,d=50001");
        var means = new double[large.InputSize];
        for (int j = 0; j < large.PatchCount; j++)
        {
            foreach (int i in large.Patch(j))
                means[i]++;
        }
        LinesLayout big = GeometryCommand.PlotCoverageLine(Context(Cli.TempDirectory("plot-coverage1d-large")), large, means);
        Assert.Equal(2, big.Title.Count);
        Assert.EndsWith("(mean of each 6)", string.Join(" ", big.Title), StringComparison.Ordinal);
        Assert.All(big.Title, line => Assert.True(line.Length <= Plots.MaxTitleCharacters(big.Width - 60), line));
        Assert.All(big.X.Ticks, t => Assert.True(IsInteger(t), t.Label));
    }

    [Fact]
    public void A_large_image_is_mapped_in_blocks_with_rows_and_columns_labelled_in_pixels()
    {
        var values = new double[400, 300];
        ChannelMapsLayout layout = Plots.LayOutChannelMaps("t", [new HeatmapPanel("", values)], "patches", counts: false, block: 3);
        // Labels are pixel numbers; each sits at the cell holding that pixel.
        Assert.Equal(["0", "200", "400", "600", "800"], layout.XTicks.Select(t => t.Label));
        Assert.Equal([0.5, 66.5, 133.5, 200.5, 266.5], layout.XTicks.Select(t => t.Position));
        Assert.Equal(["0", "500", "1,000"], layout.YTicks.Select(t => t.Label));
        Assert.Equal([-0.5, -166.5, -333.5], layout.YTicks.Select(t => t.Position));
    }

    [Fact]
    public void Fit_stages_are_categories_with_one_tick_each_and_points_not_a_line()
    {
        LinesLayout layout = Plots.LayOutLines("fit: relative MSE after each stage", "stage", AxisScale.Categories, "relative MSE", AxisScale.Log,
            [new Series("train", [0.0, 1.0], [0.0152, 5.0e-32]), new Series("validation", [0.0, 1.0], [0.0111, 4.5e-32])],
            ["algorithm1", "least-squares finish"]);
        Assert.Equal([(0.0, "algorithm1"), (1.0, "least-squares finish")], layout.X.Ticks.Select(t => (t.Position, t.Label)));
        Assert.Equal((-0.5, 1.5), (layout.X.Min, layout.X.Max));
        Assert.All(layout.Series, s => Assert.False(s.Joined));
        Assert.All(layout.Series, s => Assert.True(s.MarkerSize > 0));
        // Side by side at each stage, inside the stage's slot.
        Assert.True(layout.Series[0].X[0] < layout.Series[1].X[0]);
        Assert.All(layout.Series.SelectMany(s => s.X), x => Assert.True(Math.Abs(x - Math.Round(x)) < 0.25));
        Assert.NotEqual(layout.Series[0].Marker, layout.Series[1].Marker);
        // Log y: decades from 1e-32 to 1e-1, labelled 1eE.
        Assert.Equal("relative MSE (log scale)", layout.Y.Label);
        Assert.Equal(-32.0, layout.Y.Ticks[0].Position);
        Assert.All(layout.Y.Ticks, t => Assert.Equal("1e" + t.Position.ToString(CultureInfo.InvariantCulture), t.Label));

        // Three stages: long names wrap at spaces to their slot, so neighbouring labels do not run into each other.
        string three = Cli.TempDirectory("plot-fit-three");
        LinesLayout wrapped = Plots.Lines(Context(three), Path.Combine(three, "fit_curve.png"), "fit", "stage", AxisScale.Categories, "relative MSE", AxisScale.Log,
            [new Series("train", [0.0, 1.0, 2.0], [1e4, 0.35, 1e4])], ["convotron along one patch", "least-squares finish", "kept convotron along one patch"]);
        Assert.Equal(["convotron along one\npatch", "least-squares finish", "kept convotron along\none patch"], wrapped.X.Ticks.Select(t => t.Label));
        PngSize(Path.Combine(three, "fit_curve.png"));

        // The command: its fit_curve.png is drawn with these categories (two stages on the sample data).
        string directory = Cli.TempDirectory("plot-fit");
        Cli.Result result = Cli.Run("fit", Path.Combine(Cli.RepositoryRoot(), "samples", "data", "teacher.csv"), "--geometry", "1d:r=8,s=6,d=32", "--out", directory);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal((Plots.Width, Plots.Height), PngSize(Path.Combine(directory, "fit_curve.png")));
    }

    [Fact]
    public void Points_a_log_axis_cannot_draw_are_counted_and_warned_about()
    {
        var error = new StringWriter();
        string directory = Cli.TempDirectory("plot-dropped");
        LinesLayout layout = Plots.Lines(Context(directory, error), Path.Combine(directory, "fit_curve.png"), "fit", "stage", AxisScale.Categories, "relative MSE", AxisScale.Log,
            [new Series("train", [0.0, 1.0], [0.01, 0.0]), new Series("validation", [0.0, 1.0], [0.02, double.NaN])], ["a", "b"]);
        Assert.Equal(2, layout.Dropped);
        Assert.Equal([1, 1], layout.Series.Select(s => s.X.Length));
        Assert.Equal("warning: fit_curve.png: 2 of 4 points are not drawn (y ≤ 0 or not finite, and the y axis is logarithmic); the CSV results hold every value.",
            error.ToString().TrimEnd());
        PngSize(Path.Combine(directory, "fit_curve.png"));
    }

    [Theory]
    [InlineData(0.0, 3.0)]
    [InlineData(0.0, 1.0)]
    [InlineData(5.0, 5.0)]
    [InlineData(1.0, 2.0)]
    [InlineData(0.0, 10000.0)]
    [InlineData(2000.0, 9800.0)]
    public void Counts_get_integer_ticks_only(double low, double high)
    {
        AxisLayout axis = Plots.Axis("iterations", AxisScale.Count, [low, high], 8);
        Assert.NotEmpty(axis.Ticks);
        Assert.All(axis.Ticks, t => Assert.True(IsInteger(t), t.Label));
        Assert.True(axis.Min < low && axis.Max > high);
        Assert.All(axis.Ticks, t => Assert.InRange(t.Position, axis.Min, axis.Max));
        Assert.InRange(axis.Ticks.Count, 1, 12);
    }

    [Theory]
    [InlineData(0.0, 1.6)]
    [InlineData(-16.5, 1.9)]
    [InlineData(0.001, 0.004)]
    public void Real_ticks_are_labelled_with_their_value(double low, double high)
    {
        AxisLayout axis = Plots.Axis("y", AxisScale.Linear, [low, high], 8);
        Assert.InRange(axis.Ticks.Count, 3, 12);
        Assert.All(axis.Ticks, t => Assert.Equal(t.Position, double.Parse(t.Label, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture), 12));
    }

    [Fact]
    public void Titles_wrap_to_fit_at_spaces_and_inside_a_long_geometry_after_commas()
    {
        int most = Plots.MaxTitleCharacters(300);
        IReadOnlyList<string> lines = Plots.WrapTitle("2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28,channels=3: patches reading each pixel", 300);
        Assert.All(lines, line => Assert.InRange(line.Length, 1, most));
        Assert.Equal("2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28,channels=3:patches reading each pixel".Replace(":p", ": p", StringComparison.Ordinal),
            string.Concat(lines.Select((l, i) => i > 0 && !lines[i - 1].EndsWith(',') ? " " + l : l)));
        Assert.Equal(["Gaussian input, stage 1 (Double Convotron)"], Plots.WrapTitle("Gaussian input, stage 1 (Double Convotron)", 600));
    }

    [Fact]
    public void Plot_curve_refuses_a_log_plot_of_no_positive_value_and_counts_the_dropped_ones()
    {
        string directory = Cli.TempDirectory("plot-curve-log");
        string none = Path.Combine(directory, "none.csv");
        File.WriteAllText(none, "series,style,x,y\na,points,10,-1\na,points,100,0\na,points,1000,nan\n");
        string output = Path.Combine(directory, "out-none");
        Cli.Result refused = Cli.Run("plot-curve", none, "--out", output);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("column 'y'", refused.Error, StringComparison.Ordinal);
        Assert.Contains("log scale", refused.Error, StringComparison.Ordinal);
        Assert.Contains("2 with y ≤ 0 and 1 nan or inf", refused.Error, StringComparison.Ordinal);
        Assert.Contains(none, refused.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), "nothing is written");

        string some = Path.Combine(directory, "some.csv");
        File.WriteAllText(some, "series,style,x,y\na,points,10,-1\na,points,100,0.5\na,points,1000,0.25\nb,line,10,1\n");
        output = Path.Combine(directory, "out-some");
        Cli.Result drawn = Cli.Run("plot-curve", some, "--out", output);
        Assert.True(drawn.ExitCode == 0, drawn.Error);
        Assert.Contains("1 of 4 rows of column 'y' are not drawn (1 with y ≤ 0): a log scale needs positive values", drawn.Error, StringComparison.Ordinal);
        Assert.Single(drawn.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        PngSize(Path.Combine(output, PlotCurveCommand.PlotFile));

        string all = Path.Combine(directory, "all.csv");
        File.WriteAllText(all, "series,style,x,y\na,points,10,1\n");
        Cli.Result clean = Cli.Run("plot-curve", all, "--out", Path.Combine(directory, "out-all"));
        Assert.True(clean.ExitCode == 0, clean.Error);
        Assert.Equal("", clean.Error);
    }

    [Fact]
    public void A_plotting_library_that_cannot_load_costs_the_pngs_only_with_one_warning_and_exit_0()
    {
        // What a NativeAOT convotron without libSkiaSharp.so beside it throws on its first plot (measured).
        int draws = 0;
        byte[] Missing(Func<byte[]> draw)
        {
            draws++;
            throw new TypeInitializationException("ScottPlot.Fonts", new TypeInitializationException("SkiaSharp.SKTypeface",
                new DllNotFoundException("Unable to load shared library 'libSkiaSharp' or one of its dependencies.")));
        }
        (int Code, string Output, string Error) Run(params string[] args)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = CliApp.Run(args, output, error, interactive: false, extend: null, renderer: Missing);
            return (code, output.ToString(), error.ToString());
        }

        // figure1 draws five plots after its work: one warning, no PNG, every table written, exit 0.
        string figure1 = Cli.TempDirectory("plot-missing-figure1");
        var result = Run("figure1", "--out", figure1, "--strides", "9", "--test-samples", "500", "--threads", "1");
        Assert.True(result.Code == 0, result.Error);
        Assert.Equal(1, draws);
        string warning = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("warning: no plots (PNG) written: the native plotting library libSkiaSharp.so could not be loaded", warning, StringComparison.Ordinal);
        Assert.Contains("beside the convotron executable, in " + AppContext.BaseDirectory, warning, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(figure1, "*.png"));
        foreach (string file in new[] { "summary.csv", "curves.csv", "summary.txt" })
            Assert.True(new FileInfo(Path.Combine(figure1, file)).Length > 0, file);

        // geometry (its plot comes before its summary) and predict (whose summary names the plot only when there is one).
        draws = 0;
        string geometry = Cli.TempDirectory("plot-missing-geometry");
        result = Run("geometry", "--geometry", "2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28,channels=3", "--out", geometry);
        Assert.True(result.Code == 0, result.Error);
        Assert.Equal(1, draws);
        Assert.Contains("libSkiaSharp.so", Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(geometry, "patches.csv")) && File.Exists(Path.Combine(geometry, "summary.txt")));
        Assert.False(File.Exists(Path.Combine(geometry, "coverage.png")));

        string root = Cli.RepositoryRoot();
        string predict = Cli.TempDirectory("plot-missing-predict");
        result = Run("predict", Path.Combine(root, "samples", "data", "teacher_model.json"), Path.Combine(root, "samples", "data", "teacher.csv"), "--out", predict);
        Assert.True(result.Code == 0, result.Error);
        Assert.True(File.Exists(Path.Combine(predict, "predictions.csv")));
        Assert.False(File.Exists(Path.Combine(predict, "predictions.png")));
        Assert.DoesNotContain("predictions.png", File.ReadAllText(Path.Combine(predict, "predict.txt")), StringComparison.Ordinal);

        // Any other failure while drawing is a bug: that plot is skipped with a warning naming it and a report, and the run still succeeds.
        var error = new StringWriter();
        string bug = Cli.TempDirectory("plot-bug");
        int code = CliApp.Run(["geometry", "--geometry", "1d:r=4,s=2,d=16", "--out", bug], TextWriter.Null, error, false, null,
            _ => throw new InvalidOperationException("a bug in the plot"));
        Assert.Equal(0, code);
        string line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("warning: coverage.png not written: drawing it failed (a bug in the plot, InvalidOperationException). This is a bug in convotron; details are in ", line, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(bug, "summary.txt")) && !File.Exists(Path.Combine(bug, "coverage.png")));
    }

    [Fact]
    public void Missing_native_libraries_are_told_from_other_failures()
    {
        Assert.Equal("libSkiaSharp.so", Plots.MissingNativeLibrary(new TypeInitializationException("SkiaSharp.SKTypeface",
            new DllNotFoundException("Unable to load shared library 'libSkiaSharp' or one of its dependencies."))));
        Assert.Equal("libHarfBuzzSharp.so", Plots.MissingNativeLibrary(new DllNotFoundException("Unable to load shared library 'libHarfBuzzSharp' or one of its dependencies.")));
        Assert.Equal("libSkiaSharp.so", Plots.MissingNativeLibrary(new EntryPointNotFoundException("sk_typeface_ref_default")));
        Assert.Null(Plots.MissingNativeLibrary(new TypeInitializationException("X", new InvalidOperationException("no"))));
        Assert.Null(Plots.MissingNativeLibrary(new IOException("disk full")));
    }
}
