using System;
using Convotron.Cli;
using Convotron.Cli.Infrastructure;

using (Interruption.Report(Console.Error))
    return CliApp.Run(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected);
