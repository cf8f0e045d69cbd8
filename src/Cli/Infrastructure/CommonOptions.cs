using System;
using System.CommandLine;
using System.IO;

namespace Convotron.Cli.Infrastructure;

/// <summary>The options every command has: --seed, --out, and (for parallel commands) --threads.</summary>
internal sealed class CommonOptions
{
    private readonly string _command;

    public CommonOptions(Command command, bool threads = true, string? outDescription = null)
    {
        _command = command.Name;
        command.Options.Add(Seed);
        Out.Description = outDescription ?? $"Output directory (default results/{command.Name}).";
        command.Options.Add(Out);
        if (threads)
            command.Options.Add(Threads);
    }

    public Option<ulong> Seed { get; } = new("--seed")
    {
        Description = "The base seed; every random stream derives from it (default 1).",
        DefaultValueFactory = _ => 1UL,
    };

    public Option<string?> Out { get; } = new("--out");

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "Worker threads (default: all cores). Results are identical for any value.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public string OutputDirectory(ParseResult parse) => parse.GetValue(Out) ?? Path.Combine("results", _command);

    public int ThreadCount(ParseResult parse)
    {
        int threads = parse.GetValue(Threads);
        Parsing.AtLeast("--threads", threads, 1);
        return threads;
    }

    public CommandContext Context(ParseResult parse, CliEnvironment environment)
    {
        string directory = OutputDirectory(parse);
        Directory.CreateDirectory(directory);
        return new CommandContext(environment.Output, environment.Error, environment.Interactive, directory);
    }
}
