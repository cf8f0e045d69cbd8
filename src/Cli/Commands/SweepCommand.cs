using System.CommandLine;

namespace Convotron.Cli.Commands;

internal static class SweepCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("sweep", "(not yet implemented)");
        _ = environment;
        return command;
    }
}
