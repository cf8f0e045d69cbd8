using System.CommandLine;

namespace Convotron.Cli.Commands;

/// <summary>Options shared by the learner commands: the refinement stage.</summary>
internal sealed class RefineOptions
{
    public RefineOptions(Command command, long defaultSamples = 100_000)
        : this(command, "Skip the refinement stage (least squares on a alternating with normalised Convotron on w).",
            $"At most this many further samples for refinement (default {defaultSamples}).", defaultSamples)
    {
    }

    public RefineOptions(Command command, string noRefineDescription, string samplesDescription, long defaultSamples)
    {
        NoRefine = new Option<bool>("--no-refine") { Description = noRefineDescription };
        Samples = new Option<long>("--refine-samples") { Description = samplesDescription, DefaultValueFactory = _ => defaultSamples };
        command.Options.Add(NoRefine);
        command.Options.Add(Samples);
    }

    public Option<bool> NoRefine { get; }

    public Option<long> Samples { get; }
}
