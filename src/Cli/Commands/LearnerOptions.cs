using System.CommandLine;

namespace Convotron.Cli.Commands;

/// <summary>Options shared by the learner commands: the refinement stage.</summary>
internal sealed class RefineOptions
{
    public RefineOptions(Command command, long defaultSamples = 100_000)
    {
        NoRefine = new Option<bool>("--no-refine") { Description = "Skip the refinement stage (least squares on a alternating with normalised Convotron on w)." };
        Samples = new Option<long>("--refine-samples") { Description = $"At most this many further samples for refinement (default {defaultSamples}).", DefaultValueFactory = _ => defaultSamples };
        command.Options.Add(NoRefine);
        command.Options.Add(Samples);
    }

    public Option<bool> NoRefine { get; }

    public Option<long> Samples { get; }
}
