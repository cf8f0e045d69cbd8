using System;
using Convotron.Cli;

return CliApp.Run(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected);
