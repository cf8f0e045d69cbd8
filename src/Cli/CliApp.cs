using System;
using System.CommandLine;
using System.IO;
using Convotron.Cli.Commands;
using Convotron.Cli.Infrastructure;

namespace Convotron.Cli;

/// <summary>The convotron command line: builds the command tree and maps failures to exit codes.</summary>
public static class CliApp
{
    /// <summary>Exit code of a successful run.</summary>
    public const int Success = 0;

    /// <summary>Exit code of a run that failed at run time (unreadable data file, diverged learner, I/O).</summary>
    public const int Failure = 1;

    /// <summary>Exit code of invalid arguments: an option, an argument or a file named by the user (out of range, unwritable, too large for the memory budget).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code of an internal error: an unexpected exception, a bug in convotron rather than a mistake in the user's options or files.</summary>
    public const int InternalError = 3;

    /// <summary>Parses <paramref name="args"/> and runs the command; the in-process entry point of the tests.</summary>
    /// <param name="args">The command line without the program name.</param>
    /// <param name="output">Where results and progress go.</param>
    /// <param name="error">Where error messages go.</param>
    /// <param name="interactive">True when <paramref name="output"/> is a terminal (Spectre progress bars).</param>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool interactive = false) =>
        Run(args, output, error, interactive, extend: null);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter, bool)"/>, with commands added to the tree first (the tests' seam for faults no real command has), and with <c>renderer</c> drawing every plot (the tests' seam for a plotting library that cannot load).</summary>
    internal static int Run(string[] args, TextWriter output, TextWriter error, bool interactive, Action<RootCommand>? extend, PlotRenderer? renderer = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        // The commands parallelise over runs themselves; MathNet's own parallel loops inside the
        // small least-squares solves would only contend with them for the cores.
        MathNet.Numerics.Control.UseSingleThread();
        var environment = new CliEnvironment(output, error, interactive, renderer);
        RootCommand root = Build(environment);
        extend?.Invoke(root);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
                error.WriteLine("error: " + UserText.ParseError(parseError.Message, (parseError.SymbolResult as System.CommandLine.Parsing.OptionResult)?.Option));
            string name = parse.CommandResult.Command is RootCommand ? "convotron" : "convotron " + parse.CommandResult.Command.Name;
            error.WriteLine($"Run '{name} --help' for the options and their allowed values.");
            return UsageError;
        }
        try
        {
            return Invoke(parse, output, error);
        }
        catch (UsageException e)
        {
            error.WriteLine("error: " + e.Message);
            return UsageError;
        }
        catch (InvalidFileException e)
        {
            error.WriteLine("error: " + e.Message);
            return Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LearningDivergedException)
        {
            error.WriteLine("error: " + e.Message);
            return Failure;
        }
        catch (OutOfMemoryException)
        {
            // The size guards should refuse such work before it starts; this is the last line of defence.
            error.WriteLine("error: out of memory: the work needs more memory than the machine has. Use a smaller geometry, sample count or data file, or a lower --max-memory so that convotron refuses such work before starting it.");
            return Failure;
        }
        catch (Exception e)
        {
            // Not a mistake in the user's options or files (those are UsageException, InvalidFileException
            // or I/O errors): a bug. One line, and the details in a file, never a raw stack trace.
            error.WriteLine($"internal error: {UserText.Of(e)} ({e.GetType().Name}). This is a bug in convotron, not in your options; details are in {CrashReport(args, e)}.");
            return InternalError;
        }
        finally
        {
            // The output directories' locks are held for the whole run, and released here.
            environment.Release();
        }
    }

    /// <summary>Runs the command; an exception from parallel work (AggregateException of one cause) is rethrown as that cause.</summary>
    private static int Invoke(ParseResult parse, TextWriter output, TextWriter error)
    {
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (AggregateException e) when (e.Flatten().InnerExceptions.Count >= 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.Flatten().InnerExceptions[0]);
            throw;
        }
    }

    /// <summary>Writes the exception and the command line to a file under the temp folder and returns its path.</summary>
    internal static string CrashReport(string[] args, Exception e)
    {
        string path = Path.Combine(Path.GetTempPath(), $"convotron-error-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.txt");
        try
        {
            AtomicFile.WriteAllText(path, $"convotron {string.Join(' ', args)}\n\n{e}\n");
            return path;
        }
        catch (Exception write) when (write is IOException or UnauthorizedAccessException)
        {
            return "(no report: " + write.Message + ")";
        }
    }

    internal static RootCommand Build(CliEnvironment environment)
    {
        var root = new RootCommand("convotron: learn one-hidden-layer convolutional networks with provable algorithms (Convotron, Du & Goel's Algorithm 1).");
        root.Subcommands.Add(Figure1Command.Build(environment));
        root.Subcommands.Add(CompareCommand.Build(environment));
        root.Subcommands.Add(SweepCommand.Build(environment));
        root.Subcommands.Add(FitCommand.Build(environment));
        root.Subcommands.Add(PredictCommand.Build(environment));
        root.Subcommands.Add(MakeDataCommand.Build(environment));
        root.Subcommands.Add(GeometryCommand.Build(environment));
        root.Subcommands.Add(PlotCurveCommand.Build(environment));
        Parsing.RefuseEmptyValues(root);
        return root;
    }
}

/// <summary>The process's streams, handed to every command, how plots are drawn (null: normally), and the output directories the run holds.</summary>
internal sealed record CliEnvironment(TextWriter Output, TextWriter Error, bool Interactive, PlotRenderer? Renderer = null)
{
    private readonly System.Collections.Generic.List<OutputFolder> _held = [];

    /// <summary>The context of a command writing into <paramref name="folder"/>, which stays claimed (and locked) until the run ends.</summary>
    public CommandContext Context(OutputFolder folder)
    {
        lock (_held)
            _held.Add(folder);
        return new CommandContext(Output, Error, Interactive, folder, renderer: Renderer);
    }

    /// <summary>The context of a command that writes no output directory (predict --out FILE.csv): it prints, and names <paramref name="directory"/>.</summary>
    public CommandContext PrintOnly(string directory) => new(Output, Error, Interactive, null, directory, Renderer);

    /// <summary>Releases every output directory of the run (its manifest pruned, its lock dropped).</summary>
    public void Release()
    {
        lock (_held)
        {
            foreach (OutputFolder folder in _held)
                folder.Dispose();
            _held.Clear();
        }
    }
}
