using System;
using System.CommandLine;
using System.IO;

namespace Convotron.Cli.Infrastructure;

/// <summary>
/// The options every command has: --out, --force, --max-memory, and (for commands that draw
/// random numbers) --seed and (for parallel commands) --threads. <see cref="OutRule"/> is the one --out rule of every command.
/// </summary>
internal sealed class CommonOptions
{
    /// <summary>The --out rule, stated once and shown in every command's help.</summary>
    public const string OutRule =
        "--out is a directory for every command (created if missing); only predict also takes a file path ending in .csv, for its single predictions file. "
        + "A command replaces there only files it wrote itself (listed in the hidden .convotron-owner) and never its inputs; it refuses other existing files, and a directory holding another command's results, unless --force; "
        + "a second run into a directory another run is writing is refused.";

    private readonly string _command;

    private readonly string? _resumeHint;

    /// <param name="command">The command.</param>
    /// <param name="threads">Whether it has --threads.</param>
    /// <param name="outDescription">The help of --out (before <see cref="OutRule"/>).</param>
    /// <param name="owner">The command owning its output directories (default the command's name).</param>
    /// <param name="resumeHint">What an interrupted run tells the user, when rerunning resumes it (default: the generic text of <see cref="Interruption"/>).</param>
    /// <param name="seed">Whether it has --seed (only where a random stream derives from it).</param>
    public CommonOptions(Command command, bool threads = true, string? outDescription = null, string? owner = null, string? resumeHint = null, bool seed = true)
    {
        _command = command.Name;
        _resumeHint = resumeHint;
        Owner = owner ?? command.Name;
        // Only where a random stream derives from it: --seed on predict, geometry or plot-curve would do nothing.
        if (seed)
            command.Options.Add(Seed);
        Out.Description = (outDescription ?? $"Output directory (default results/{command.Name}).") + " " + OutRule;
        command.Options.Add(Out);
        command.Options.Add(Force);
        command.Options.Add(MaxMemory);
        if (threads)
            command.Options.Add(Threads);
    }

    /// <summary>The command that owns the output directories this command writes ("sweep" for sweep merge too).</summary>
    public string Owner { get; }

    public Option<ulong> Seed { get; } = new("--seed")
    {
        Description = "The base seed; every random stream derives from it.",
        DefaultValueFactory = _ => 1UL,
    };

    public Option<string?> Out { get; } = new("--out");

    public Option<bool> Force { get; } = new("--force")
    {
        Description = "Write into an --out directory that holds another command's results, and replace existing files there (or the --model or --out file) that this command did not write; files of other names are left alone, and inputs are never written.",
    };

    public Option<string?> MaxMemory { get; } = new("--max-memory")
    {
        Description = "The most memory a command may plan to use, e.g. 512M or 8G (default: a quarter of the memory available when it starts). Larger work is refused before it starts.",
    };

    /// <summary>--threads; no default value in the option, so that help says "all cores" rather than this machine's count.</summary>
    public Option<int?> Threads { get; } = new Option<int?>("--threads")
    {
        Description = "Worker threads (default: all cores). Results are identical for any value.",
    }.Range(1);

    public string OutputDirectory(ParseResult parse) => parse.GetValue(Out) ?? Path.Combine("results", _command);

    public MemoryBudget Budget(ParseResult parse) =>
        parse.GetValue(MaxMemory) is { } text ? MemoryBudget.Parse("--max-memory", text) : MemoryBudget.Default();

    public int ThreadCount(ParseResult parse)
    {
        return parse.GetValue(Threads) ?? Environment.ProcessorCount;
    }

    /// <summary>
    /// Claims the --out directory (see <see cref="OutputFolder.Claim"/>: checked, locked for the
    /// run, written only where this command wrote before) and returns the context that writes there.
    /// </summary>
    /// <param name="parse">The parsed command line.</param>
    /// <param name="environment">The run's streams.</param>
    /// <param name="inputs">The files the command reads (argument name, path), which it never writes.</param>
    public CommandContext Context(ParseResult parse, CliEnvironment environment, params (string Name, string Path)[] inputs) =>
        Context(parse, environment, OutputDirectory(parse), inputs);

    /// <summary>As the overload above, into <paramref name="directory"/> instead of --out's value.</summary>
    public CommandContext Context(ParseResult parse, CliEnvironment environment, string directory, params (string Name, string Path)[] inputs) =>
        environment.Context(OutputFolder.Claim("--out", directory, Owner, parse.GetValue(Force), inputs, resumeHint: _resumeHint));
}
