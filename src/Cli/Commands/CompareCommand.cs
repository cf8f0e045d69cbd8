using System.CommandLine;

namespace Convotron.Cli.Commands;

internal static class CompareCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("compare", "(not yet implemented)");
        _ = environment;
        return command;
    }
}
