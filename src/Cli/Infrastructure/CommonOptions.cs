using System;
using System.CommandLine;
using System.IO;

namespace Convotron.Cli.Infrastructure;

/// <summary>
/// The options every command has: --seed, --out, --force, --max-memory, and (for parallel
/// commands) --threads. <see cref="OutRule"/> is the one --out rule of every command.
/// </summary>
internal sealed class CommonOptions
{
    /// <summary>The --out rule, stated once and shown in every command's help.</summary>
    public const string OutRule =
        "--out is a directory for every command (created if missing); only predict also takes a file path ending in .csv, for its single predictions file. "
        + "A command writes only its own file names there, and refuses a directory holding another command's results unless --force.";

    private readonly string _command;

    public CommonOptions(Command command, bool threads = true, string? outDescription = null, string? owner = null)
    {
        _command = command.Name;
        Owner = owner ?? command.Name;
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
        Description = "The base seed; every random stream derives from it (default 1).",
        DefaultValueFactory = _ => 1UL,
    };

    public Option<string?> Out { get; } = new("--out");

    public Option<bool> Force { get; } = new("--force")
    {
        Description = "Write into an --out directory that holds another command's results (its files of other names are left alone; equal names are replaced).",
    };

    public Option<string?> MaxMemory { get; } = new("--max-memory")
    {
        Description = "The most memory a command may plan to use, e.g. 512M or 8G (default: a quarter of the memory available when it starts). Larger work is refused before it starts.",
    };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "Worker threads (default: all cores). Results are identical for any value.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public string OutputDirectory(ParseResult parse) => parse.GetValue(Out) ?? Path.Combine("results", _command);

    public MemoryBudget Budget(ParseResult parse) =>
        parse.GetValue(MaxMemory) is { } text ? MemoryBudget.Parse("--max-memory", text) : MemoryBudget.Default();

    public int ThreadCount(ParseResult parse)
    {
        int threads = parse.GetValue(Threads);
        Parsing.AtLeast("--threads", threads, 1);
        return threads;
    }

    /// <summary>Claims the --out directory (see <see cref="OutputFolder.Claim"/>) and returns the context that writes there.</summary>
    public CommandContext Context(ParseResult parse, CliEnvironment environment)
    {
        string directory = OutputFolder.Claim("--out", OutputDirectory(parse), Owner, parse.GetValue(Force));
        return new CommandContext(environment.Output, environment.Error, environment.Interactive, directory, environment.Renderer);
    }
}
