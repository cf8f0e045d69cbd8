using System.CommandLine;

namespace Convotron.Cli.Commands;

internal static class MakeDataCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("make-data", "(not yet implemented)");
        _ = environment;
        return command;
    }
}
