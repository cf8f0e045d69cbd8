using System;

namespace Convotron;

/// <summary>
/// A learner's parameters or loss became non-finite or exploded. Names the stage and step,
/// suggests a fix, and carries the last finite state (also put back into the model that was
/// learning), so nothing learned before is lost.
/// </summary>
public sealed class LearningDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="stage">The stage that diverged.</param>
    /// <param name="step">The step (within the stage) at which divergence was detected.</param>
    /// <param name="lastFiniteState">A copy of the model at the last check where it was finite.</param>
    /// <param name="detail">What was seen (e.g. "residual is NaN").</param>
    public LearningDivergedException(string stage, long step, IConvNet lastFiniteState, string detail)
        : base($"Learning diverged in {stage} at step {step}: {detail}. Use a smaller step size or normalised steps " +
               "(StepSize.Normalized(0.5)); the last finite state is in LastFiniteState.")
    {
        Stage = stage;
        Step = step;
        LastFiniteState = lastFiniteState;
    }

    /// <summary>The stage that diverged.</summary>
    public string Stage { get; }

    /// <summary>The step within the stage at which divergence was detected.</summary>
    public long Step { get; }

    /// <summary>The model at the last check where every parameter was finite.</summary>
    public IConvNet LastFiniteState { get; }
}
