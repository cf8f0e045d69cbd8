using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Convotron.Cli.Infrastructure;

/// <summary>
/// What every command gets: where to print, whether the output is a terminal, where to write files,
/// and how plots are drawn (<c>renderer</c>, default: drawn; the tests' seam for a plotting library that cannot load).
/// </summary>
/// <remarks>Every path to write comes from <see cref="PathOf"/> or <see cref="Output"/>: the claimed folder's ownership and input checks (<see cref="OutputFolder"/>).</remarks>
/// <param name="output">Where results and progress go.</param>
/// <param name="error">Where warnings go.</param>
/// <param name="interactive">True when <paramref name="output"/> is a terminal.</param>
/// <param name="folder">The claimed output directory; null for a command that writes no directory (predict --out FILE.csv), whose <see cref="PathOf"/> throws.</param>
/// <param name="directory">The directory named in messages when there is no <paramref name="folder"/>.</param>
/// <param name="renderer">How plots are drawn (null: drawn).</param>
internal sealed class CommandContext(TextWriter output, TextWriter error, bool interactive, OutputFolder? folder, string? directory = null, PlotRenderer? renderer = null)
{
    private readonly Lock _printLock = new();
    private readonly PlotRenderer _renderer = renderer ?? (draw => draw());
    private string? _missingPlotLibrary;

    /// <summary>The native library whose loading failed on the first plot of this run (no PNG is then written); null while plotting works.</summary>
    public string? MissingPlotLibrary => _missingPlotLibrary;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>True when stdout is a terminal: Spectre progress bars; otherwise plain progress lines.</summary>
    public bool Interactive { get; } = interactive;

    public string OutputDirectory { get; } = folder?.Directory ?? directory ?? "";

    /// <summary>The path of <paramref name="fileName"/> in the output directory, checked to be this command's to write (<see cref="OutputFolder.PathOf"/>).</summary>
    public string PathOf(string fileName) => Folder.PathOf(fileName);

    /// <summary>A file path the user named (fit's --model), checked like <see cref="PathOf"/> (<see cref="OutputFolder.Output"/>).</summary>
    public string Output(string option, string path, string kind, Func<string, bool> isOwn) => Folder.Output(option, path, kind, isOwn);

    /// <summary>Moves an earlier run's file out of the way so that it is not taken for this run's result (<see cref="OutputFolder.SetAside"/>).</summary>
    public string? SetAside(string option, string path, string kind, Func<string, bool> isOwn) => Folder.SetAside(option, path, kind, isOwn);

    private OutputFolder Folder => folder ?? throw new InvalidOperationException("This command claimed no output directory to write into.");

    public void WriteText(string fileName, string text) => AtomicFile.WriteAllText(PathOf(fileName), text);

    /// <summary>
    /// Draws a plot and writes it atomically to <paramref name="path"/>; returns whether it was written.
    /// A plot is never worth a finished run: when the native plotting library (libSkiaSharp.so,
    /// libHarfBuzzSharp.so) cannot be loaded, the first plot of the run prints one warning naming
    /// the library and where it must be, and this and every later plot of the run are skipped; any
    /// other failure while drawing skips that plot with a warning pointing to a report of the bug.
    /// Writing the file is not drawing: a failure to write it is the command's, as for any other file.
    /// </summary>
    public bool WritePlot(string path, Func<byte[]> draw)
    {
        if (_missingPlotLibrary is not null)
            return false;
        byte[] png;
        try
        {
            png = _renderer(draw);
        }
        catch (Exception e) when (Plots.MissingNativeLibrary(e) is string library)
        {
            _missingPlotLibrary = library;
            Warn($"no plots (PNG) written: the native plotting library {library} could not be loaded. It must be beside the convotron executable, in {AppContext.BaseDirectory} (dotnet publish and dotnet tool install put it there). Every CSV, JSON and text result of this run is written.");
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Warn($"{Path.GetFileName(path)} not written: drawing it failed ({UserText.Of(e)}, {e.GetType().Name}). This is a bug in convotron; details are in {CliApp.CrashReport(Environment.GetCommandLineArgs()[1..], e)}. The other results of this run are written.");
            return false;
        }
        AtomicFile.Write(path, stream => stream.Write(png));
        return true;
    }

    public void Line(string text)
    {
        lock (_printLock)
            Out.WriteLine(text);
    }

    public void Warn(string text)
    {
        lock (_printLock)
            Error.WriteLine("warning: " + text);
    }

    /// <summary>
    /// Runs independent work items on <paramref name="threads"/> threads and returns their results
    /// in item order (so outputs never depend on scheduling). Progress: a Spectre bar per item on a
    /// terminal, otherwise one plain line per finished item.
    /// </summary>
    public T[] RunParallel<T>(string title, IReadOnlyList<string> names, int threads, Func<int, IProgress<double>, T> work)
    {
        var results = new T[names.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        var clock = Stopwatch.StartNew();
        int finished = 0;
        if (Interactive && names.Count > 24)
        {
            // Many small items (compare, sweep): one bar for the whole grid.
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(progressContext =>
                {
                    ProgressTask task = progressContext.AddTask($"{title} ({names.Count} runs)", autoStart: true, maxValue: names.Count);
                    Parallel.For(0, names.Count, options, i =>
                    {
                        results[i] = work(i, new Progress(_ => { }));
                        task.Increment(1);
                    });
                });
            return results;
        }
        if (Interactive)
        {
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(progressContext =>
                {
                    var tasks = new ProgressTask[names.Count];
                    for (int i = 0; i < names.Count; i++)
                        tasks[i] = progressContext.AddTask(names[i], autoStart: true, maxValue: 1.0);
                    Parallel.For(0, names.Count, options, i =>
                    {
                        results[i] = work(i, new Progress(fraction => tasks[i].Value = Math.Clamp(fraction, 0.0, 1.0)));
                        tasks[i].Value = 1.0;
                    });
                });
            return results;
        }
        Line($"{title}: {names.Count} item(s) on {threads} thread(s)");
        int step = Math.Max(1, names.Count / 20);
        Parallel.For(0, names.Count, options, i =>
        {
            results[i] = work(i, new Progress(_ => { }));
            int done = Interlocked.Increment(ref finished);
            if (names.Count <= 24 || done % step == 0 || done == names.Count)
                Line($"  [{done}/{names.Count}] {names[i]} done ({clock.Elapsed.TotalSeconds:F1} s)");
        });
        return results;
    }

    /// <summary>Renders a Spectre table (or any renderable) as plain text of a fixed width: the same bytes on any terminal.</summary>
    public static string Render(IRenderable renderable, int width = 110)
    {
        var writer = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = width;
        console.Write(renderable);
        return writer.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>Prints the summary and saves it as <paramref name="fileName"/> (summary.txt, or a command's own name such as predict.txt).</summary>
    public void Summary(string text, string fileName = "summary.txt")
    {
        WriteText(fileName, text);
        Line(text.TrimEnd('\n'));
        Line($"(written to {OutputDirectory})");
    }

    private sealed class Progress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
