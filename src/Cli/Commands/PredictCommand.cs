using System.CommandLine;

namespace Convotron.Cli.Commands;

internal static class PredictCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var command = new Command("predict", "(not yet implemented)");
        _ = environment;
        return command;
    }
}
