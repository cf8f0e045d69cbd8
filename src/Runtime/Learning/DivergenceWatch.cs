using System;

namespace Convotron;

/// <summary>
/// Watches a model while it learns: every residual must be finite and moderate, and every
/// <see cref="CheckInterval"/> steps the parameters are checked and, when finite, copied into
/// a snapshot. On divergence it puts the snapshot back into the model and throws
/// <see cref="LearningDivergedException"/> carrying a copy, so the caller loses at most
/// <see cref="CheckInterval"/> steps of learning; on a non-finite sample it does the same and
/// throws an <see cref="ArgumentException"/> naming the source.
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
    private double _lastResidual;
    private double _residualSquares;
    private long _snapshotStep;

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
        {
            // Divergence grows through huge finite residuals (caught above 1e100) before it
            // overflows; a non-finite residual right after a moderate one means the sample itself
            // was not finite: bad data, not divergence. No per-step scan of x is needed.
            if (!double.IsFinite(residual) && Math.Abs(_lastResidual) < 1e50)
            {
                Restore();
                throw new ArgumentException(
                    $"The sample source produced a non-finite input or label at step {step} of {_stage} (residual {residual}); " +
                    $"every input coordinate and label must be finite. The model was restored to its state at step {_snapshotStep}.", "source");
            }
            Restore();
            Throw(step, $"the residual y − f(x) is {residual}");
        }
        _lastResidual = residual;
        _residualSquares += residual * residual;
        if (step % CheckInterval == 0)
            CheckParameters(step);
    }

    /// <summary>
    /// Σ (y − f(x))² over the residuals checked so far: each was measured on a fresh sample before
    /// its step (a progressive validation), so it can compare two models learning side by side.
    /// </summary>
    public double ResidualSquares => _residualSquares;

    /// <summary>Checks the parameters now and snapshots them when finite.</summary>
    public void CheckParameters(long step)
    {
        if (!Finite(_model.Filter) || !Finite(_model.OutputWeights))
        {
            Restore();
            Throw(step, "the parameters are no longer finite (or exceed 1e100 in magnitude)");
        }
        _model.Filter.CopyTo(_snapshot.Filter);
        _model.OutputWeights.CopyTo(_snapshot.OutputWeights);
        _snapshotStep = step;
    }

    /// <summary>Puts the last finite parameters back into the model, so a failed run leaves it usable.</summary>
    private void Restore()
    {
        _snapshot.Filter.CopyTo(_model.Filter);
        _snapshot.OutputWeights.CopyTo(_model.OutputWeights);
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
