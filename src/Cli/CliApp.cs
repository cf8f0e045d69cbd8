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

    /// <summary>Exit code of invalid arguments.</summary>
    public const int UsageError = 2;

    /// <summary>Parses <paramref name="args"/> and runs the command; the in-process entry point of the tests.</summary>
    /// <param name="args">The command line without the program name.</param>
    /// <param name="output">Where results and progress go.</param>
    /// <param name="error">Where error messages go.</param>
    /// <param name="interactive">True when <paramref name="output"/> is a terminal (Spectre progress bars).</param>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool interactive = false)
    {
        ArgumentNullException.ThrowIfNull(args);
        // The commands parallelise over runs themselves; MathNet's own parallel loops inside the
        // small least-squares solves would only contend with them for the cores.
        MathNet.Numerics.Control.UseSingleThread();
        var environment = new CliEnvironment(output, error, interactive);
        RootCommand root = Build(environment);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
                error.WriteLine("error: " + parseError.Message);
            string name = parse.CommandResult.Command is RootCommand ? "convotron" : "convotron " + parse.CommandResult.Command.Name;
            error.WriteLine($"Run '{name} --help' for the options and their allowed values.");
            return UsageError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
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
        catch (ArgumentException e)
        {
            error.WriteLine("error: " + e.Message);
            return UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LearningDivergedException or InvalidOperationException)
        {
            error.WriteLine("error: " + e.Message);
            return Failure;
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
        return root;
    }
}

/// <summary>The process's streams, handed to every command.</summary>
internal sealed record CliEnvironment(TextWriter Output, TextWriter Error, bool Interactive);
