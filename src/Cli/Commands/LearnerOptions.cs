using System.CommandLine;
using Convotron.Cli.Infrastructure;

namespace Convotron.Cli.Commands;

/// <summary>Options shared by the learner commands: the refinement stage.</summary>
internal sealed class RefineOptions
{
    /// <summary>The --refine-samples of sweep.</summary>
    public const long DefaultSamples = 100_000;

    public RefineOptions(Command command)
        : this(command, "Skip the refinement stage (least squares on a alternating with normalised Convotron on w).",
            "At most this many further samples for refinement.", DefaultSamples)
    {
    }

    /// <param name="command">The command to add the options to.</param>
    /// <param name="noRefineDescription">--no-refine's help.</param>
    /// <param name="samplesDescription">--refine-samples' help; it states the default when there is none to show.</param>
    /// <param name="defaultSamples">The default help shows, or null when the default is not a number (fit: all training rows).</param>
    public RefineOptions(Command command, string noRefineDescription, string samplesDescription, long? defaultSamples)
    {
        NoRefine = new Option<bool>("--no-refine") { Description = noRefineDescription };
        Samples = new Option<long?>("--refine-samples") { Description = samplesDescription }.Range(1);
        if (defaultSamples is long samples)
            Samples.DefaultValueFactory = _ => samples;
        command.Options.Add(NoRefine);
        command.Options.Add(Samples);
    }

    public Option<bool> NoRefine { get; }

    /// <summary>--refine-samples; null when not given and without a numeric default.</summary>
    public Option<long?> Samples { get; }
}
