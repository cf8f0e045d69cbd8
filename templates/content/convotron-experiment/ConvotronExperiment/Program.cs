// dotnet run -c Release --project ConvotronExperiment -- [seed] [gaussian|uniform|rademacher]
using System;
using System.Globalization;
using Convotron;
using ConvotronExperiment;

ulong seed = 1;
if (args.Length > 0 && !ulong.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out seed))
{
    Console.Error.WriteLine($"seed must be a non-negative integer; got '{args[0]}'");
    return 2;
}
InputDistribution inputs;
try
{
    inputs = InputDistribution.FromName(args.Length > 1 ? args[1] : "gaussian");
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var model = new Model();
Console.WriteLine($"{nameof(Model)}: {model.Geometry}, {model.Activation}; inputs {inputs.Name}, seed {seed}");
Console.WriteLine(Experiment.Run(model, seed, inputs));
return 0;
