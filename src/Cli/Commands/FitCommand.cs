using System.CommandLine;

namespace Convotron.Cli.Commands;

internal static class FitCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("fit", "(not yet implemented)");
        _ = environment;
        return command;
    }
}
