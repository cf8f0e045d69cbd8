using System;

namespace Convotron;

/// <summary>The checks on drawn samples that several learners make, with one message.</summary>
internal static class SampleChecks
{
    /// <summary>The error for a non-finite input or label at <paramref name="step"/> of <paramref name="stage"/>.</summary>
    public static ArgumentException NonFiniteSample(string stage, long step) => new(
        $"The sample source produced a non-finite input or label at sample {step} of {stage}; every input coordinate and label must be finite.",
        "source");
}
