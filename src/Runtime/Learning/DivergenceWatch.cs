using System;

namespace Convotron;

/// <summary>
/// Watches a model while it learns: every residual must be finite and moderate, and every
/// <see cref="CheckInterval"/> steps the parameters are checked and, when finite, copied into
/// a snapshot. On divergence it throws <see cref="LearningDivergedException"/> carrying that
/// snapshot, so the caller loses at most <see cref="CheckInterval"/> steps of learning.
/// </summary>
internal sealed class DivergenceWatch
{
    /// <summary>Steps between parameter checks (and snapshots).</summary>
    public const int CheckInterval = 64;

    /// <summary>A residual or parameter beyond this magnitude counts as exploded.</summary>
    public const double Limit = 1e100;

    private readonly IConvNet _model;
    private readonly IConvNet _snapshot;
    private readonly string _stage;

    public DivergenceWatch(IConvNet model, string stage)
    {
        _model = model;
        _stage = stage;
        _snapshot = model.Clone();
    }

    /// <summary>Checks one step's residual, and the parameters every <see cref="CheckInterval"/> steps.</summary>
    public void Check(double residual, long step)
    {
        if (!(Math.Abs(residual) < Limit))
            Throw(step, $"the residual y − f(x) is {residual}");
        if (step % CheckInterval == 0)
            CheckParameters(step);
    }

    /// <summary>Checks the parameters now and snapshots them when finite.</summary>
    public void CheckParameters(long step)
    {
        if (!Finite(_model.Filter) || !Finite(_model.OutputWeights))
            Throw(step, "the parameters are no longer finite (or exceed 1e100 in magnitude)");
        _model.Filter.CopyTo(_snapshot.Filter);
        _model.OutputWeights.CopyTo(_snapshot.OutputWeights);
    }

    private static bool Finite(ReadOnlySpan<double> values)
    {
        foreach (double v in values)
        {
            if (!(Math.Abs(v) < Limit))
                return false;
        }
        return true;
    }

    private void Throw(long step, string detail) =>
        throw new LearningDivergedException(_stage, step, _snapshot.Clone(), detail);
}
